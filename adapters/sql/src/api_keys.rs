//! API keys: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_api_keys {
    ($storage:ident, $db:ty) => {
        /// The request path's statement on the pool (see [`crate::dialect::RequestPath`]).
        impl $storage {
            async fn pooled_api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
                let row: Option<ApiKeyRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    api_key_columns!(),
                    " FROM api_keys WHERE key_hash = ?"
                )))
                .bind(key_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                row.map(ApiKey::try_from).transpose()
            }

            async fn pooled_api_key_with_account(
                &self,
                key_hash: &str,
            ) -> StoreResult<Option<(ApiKey, Account)>> {
                // One round trip for the whole API key path's identity: key, account, passwords.
                let rows: Vec<crate::rows::ApiKeyAccountRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    crate::rows::prefixed_api_key_columns!(),
                    ", ",
                    account_password_columns!(),
                    " FROM api_keys k JOIN accounts a ON a.id = k.account_id \
                     LEFT JOIN passwords p ON p.account_id = a.id \
                     WHERE k.key_hash = ? ORDER BY p.algorithm"
                )))
                .bind(key_hash)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                crate::rows::api_key_account_from_joined(rows)
            }
        }

        #[async_trait]
        impl ApiKeyRepository for $storage {
            async fn create_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey> {
                let mut conn = self.write_conn().await?;
                Self::insert_api_key(&mut conn, new).await
            }

            async fn replace_user_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey> {
                let mut tx = self.write().await?;
                sqlx::query(Self::sql("DELETE FROM api_keys WHERE account_id = ? AND kind = ?"))
                    .bind(new.account_id.0)
                    .bind(KIND_USER)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                let key = Self::insert_api_key(&mut tx, new).await?;
                tx.commit().await.map_err(store_error)?;
                Ok(key)
            }

            async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
                self.request_api_key_by_hash(key_hash).await
            }

            async fn api_key_with_account(
                &self,
                key_hash: &str,
            ) -> StoreResult<Option<(ApiKey, Account)>> {
                self.request_api_key_with_account(key_hash).await
            }

            async fn api_keys_of(&self, account_id: AccountId) -> StoreResult<Vec<ApiKey>> {
                let rows: Vec<ApiKeyRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    api_key_columns!(),
                    " FROM api_keys WHERE account_id = ? ORDER BY id"
                )))
                .bind(account_id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                rows.into_iter().map(ApiKey::try_from).collect()
            }

            async fn delete_api_key(&self, id: ApiKeyId) -> StoreResult<bool> {
                Ok(sqlx::query(Self::sql("DELETE FROM api_keys WHERE id = ?"))
                    .bind(id.0)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?
                    .rows_affected()
                    > 0)
            }

            async fn record_api_key_usage(&self, usage: &[ApiKeyUsage]) -> StoreResult<()> {
                if usage.is_empty() {
                    return Ok(());
                }
                let mut tx = self.write().await?;
                for u in usage {
                    let at = ts(u.last_used_at);
                    // A key deleted meanwhile matches no row: skipped, as the port says.
                    sqlx::query(Self::sql(
                        "UPDATE api_keys SET requests = requests + ?, last_used_at = \
                         CASE WHEN last_used_at < ? THEN ? ELSE last_used_at END WHERE id = ?",
                    ))
                    .bind(u.requests)
                    .bind(at)
                    .bind(at)
                    .bind(u.id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                }
                tx.commit().await.map_err(store_error)
            }

            async fn purge_idle_user_api_keys(&self, idle_since: DateTime<Utc>) -> StoreResult<u64> {
                Ok(sqlx::query(Self::sql(
                    "DELETE FROM api_keys WHERE kind = ? AND last_used_at < ?",
                ))
                .bind(KIND_USER)
                .bind(ts(idle_since))
                .execute(self.writer())
                .await
                .map_err(store_error)?
                .rows_affected())
            }
        }
    };
}

pub(crate) use impl_api_keys;
