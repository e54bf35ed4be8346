//! Auth tokens: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_auth_tokens {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl AuthTokenRepository for $storage {
            async fn create_auth_token(&self, token: AuthToken) -> StoreResult<()> {
                sqlx::query(Self::sql(
                    "INSERT INTO auth_tokens (token, domain, account_id, ip, user_agent, \
                     created_at) VALUES (?, ?, ?, ?, ?, ?)",
                ))
                .bind(&token.token)
                .bind(token.domain.as_str())
                .bind(token.account_id.map(|a| a.0))
                .bind(&token.ip)
                .bind(&token.user_agent)
                .bind(ts(token.created_at))
                .execute(self.writer())
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                        // No space has this domain.
                        StoreError::NotFound
                    }
                    _ => unique_as(Conflict::AuthToken)(e),
                })?;
                Ok(())
            }

            async fn auth_token(
                &self,
                token: &str,
                domain: &Domain,
            ) -> StoreResult<Option<AuthToken>> {
                let row: Option<AuthTokenRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    auth_token_columns!(),
                    " FROM auth_tokens WHERE token = ? AND domain = ?"
                )))
                .bind(token)
                .bind(domain.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                row.map(AuthToken::try_from).transpose()
            }

            async fn attach_auth_token(
                &self,
                token: &str,
                domain: &Domain,
                account_id: AccountId,
            ) -> StoreResult<bool> {
                let result = sqlx::query(Self::sql(
                    "UPDATE auth_tokens SET account_id = ? \
                     WHERE token = ? AND domain = ? AND account_id IS NULL",
                ))
                .bind(account_id.0)
                .bind(token)
                .bind(domain.as_str())
                .execute(self.writer())
                .await
                .map_err(store_error)?;
                Ok(result.rows_affected() == 1)
            }

            async fn take_attached_auth_token(
                &self,
                token: &str,
                domain: &Domain,
            ) -> StoreResult<Option<AuthToken>> {
                let Some(found) = self.auth_token(token, domain).await? else {
                    return Ok(None);
                };
                if found.account_id.is_none() {
                    return Ok(None);
                }
                // Whoever deletes the row took the token; the others see 0 rows.
                let result = sqlx::query(Self::sql(
                    "DELETE FROM auth_tokens \
                     WHERE token = ? AND domain = ? AND account_id IS NOT NULL",
                ))
                .bind(token)
                .bind(domain.as_str())
                .execute(self.writer())
                .await
                .map_err(store_error)?;
                Ok((result.rows_affected() == 1).then_some(found))
            }

            async fn purge_auth_tokens(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                Ok(
                    sqlx::query(Self::sql("DELETE FROM auth_tokens WHERE created_at < ?"))
                        .bind(ts(before))
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?
                        .rows_affected(),
                )
            }
        }
    };
}

pub(crate) use impl_auth_tokens;
