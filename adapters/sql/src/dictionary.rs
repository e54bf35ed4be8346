//! Account dictionary entries: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_dictionary {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl DictionaryRepository for $storage {
            async fn dictionary_of(
                &self,
                account_id: AccountId,
            ) -> StoreResult<BTreeMap<String, String>> {
                let rows: Vec<(String, String)> = sqlx::query_as(Self::sql(
                    "SELECT \"key\", value FROM account_dictionary_entries WHERE account_id = ?",
                ))
                .bind(account_id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().collect())
            }

            async fn set_dictionary_entry(
                &self,
                account_id: AccountId,
                key: &str,
                value: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                let now = ts(now);
                // One upsert statement: the unique (account_id, key) row is the lock.
                sqlx::query(Self::sql(Self::UPSERT_DICTIONARY_ENTRY))
                    .bind(account_id.0)
                    .bind(key)
                    .bind(value)
                    .bind(now)
                    .bind(now)
                    .execute(self.writer())
                    .await
                    .map_err(not_found_on_foreign_key)?;
                Ok(())
            }

            async fn delete_dictionary_entry(
                &self,
                account_id: AccountId,
                key: &str,
            ) -> StoreResult<bool> {
                Ok(sqlx::query(Self::sql(
                    "DELETE FROM account_dictionary_entries WHERE account_id = ? AND \"key\" = ?",
                ))
                .bind(account_id.0)
                .bind(key)
                .execute(self.writer())
                .await
                .map_err(store_error)?
                .rows_affected()
                    > 0)
            }

            async fn clear_dictionary(&self, account_id: AccountId) -> StoreResult<u64> {
                Ok(sqlx::query(Self::sql(
                    "DELETE FROM account_dictionary_entries WHERE account_id = ?",
                ))
                .bind(account_id.0)
                .execute(self.writer())
                .await
                .map_err(store_error)?
                .rows_affected())
            }
        }
    };
}

pub(crate) use impl_dictionary;
