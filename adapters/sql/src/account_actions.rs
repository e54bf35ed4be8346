//! Account actions: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_account_actions {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl AccountActionRepository for $storage {
            async fn create_account_action(
                &self,
                account_id: AccountId,
                key: &ActionKey,
                code: &ActionCode,
                now: DateTime<Utc>,
            ) -> StoreResult<AccountAction> {
                let now = ts(now);
                let mut conn = self.write_conn().await?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO account_actions \
                     (account_id, \"key\", code, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                ))
                .bind(account_id.0)
                .bind(key.as_str())
                .bind(code.as_str())
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut *conn, query)
                    .await
                    .map_err(not_found_on_foreign_key)?;
                Ok(AccountAction {
                    id: AccountActionId(id),
                    account_id,
                    key: key.clone(),
                    code: code.clone(),
                })
            }

            async fn account_actions(
                &self,
                account_id: AccountId,
            ) -> StoreResult<Vec<AccountAction>> {
                let rows: Vec<AccountActionRow> = sqlx::query_as(Self::sql(
                    "SELECT id, account_id, \"key\", code FROM account_actions \
                     WHERE account_id = ? ORDER BY id",
                ))
                .bind(account_id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(AccountAction::from).collect())
            }

            async fn account_action(
                &self,
                account_id: AccountId,
                id: AccountActionId,
            ) -> StoreResult<Option<AccountAction>> {
                let row: Option<AccountActionRow> = sqlx::query_as(Self::sql(
                    "SELECT id, account_id, \"key\", code FROM account_actions \
                     WHERE id = ? AND account_id = ?",
                ))
                .bind(id.0)
                .bind(account_id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(AccountAction::from))
            }

            async fn update_account_action(
                &self,
                account_id: AccountId,
                id: AccountActionId,
                key: &ActionKey,
                code: &ActionCode,
                now: DateTime<Utc>,
            ) -> StoreResult<AccountAction> {
                sqlx::query(Self::sql(
                    "UPDATE account_actions SET \"key\" = ?, code = ?, updated_at = ? \
                     WHERE id = ? AND account_id = ?",
                ))
                .bind(key.as_str())
                .bind(code.as_str())
                .bind(ts(now))
                .bind(id.0)
                .bind(account_id.0)
                .execute(self.writer())
                .await
                .map_err(store_error)?;
                // Read back: MySQL reports 0 rows for an update that changed nothing.
                self.account_action(account_id, id)
                    .await?
                    .ok_or(StoreError::NotFound)
            }

            async fn delete_account_action(
                &self,
                account_id: AccountId,
                id: AccountActionId,
            ) -> StoreResult<bool> {
                self.delete_pair(
                    "DELETE FROM account_actions WHERE id = ? AND account_id = ?",
                    id.0,
                    account_id.0,
                )
                .await
            }
        }
    };
}

pub(crate) use impl_account_actions;
