//! Account creation tokens: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_creation_tokens {
    ($storage:ident, $db:ty) => {
        impl $storage {
            /// Inserts an unused, unattached token (on `conn`, which may be a transaction's).
            async fn insert_creation_token(
                conn: &mut Conn,
                new: NewAccountCreationToken,
                now: DateTime<Utc>,
            ) -> StoreResult<AccountCreationToken> {
                let now = ts(now);
                let expire_at = new.expire_at.map(ts);
                let push = new.push.as_ref();
                let pn_provider = push.map(|p| p.provider.as_str().to_owned());
                let pn_param = push.map(|p| p.param.as_str().to_owned());
                let pn_prid = push.map(|p| p.prid.as_str().to_owned());
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO account_creation_tokens \
                     (token, domain, used, ip, user_agent, created_at, updated_at, expire_at, \
                     pn_provider, pn_param, pn_prid) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(&new.token)
                .bind(new.domain.as_str())
                .bind(false)
                .bind(&new.ip)
                .bind(&new.user_agent)
                .bind(now)
                .bind(now)
                .bind(expire_at)
                .bind(&pn_provider)
                .bind(&pn_param)
                .bind(&pn_prid);
                let id = Self::insert_id(&mut *conn, query)
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                            // No space has this domain.
                            StoreError::NotFound
                        }
                        _ => unique_as(Conflict::AccountCreationToken)(e),
                    })?;
                Ok(AccountCreationToken {
                    id: flexiapi_domain::model::AccountCreationTokenId(id),
                    token: new.token,
                    domain: new.domain,
                    used: false,
                    account_id: None,
                    ip: new.ip,
                    user_agent: new.user_agent,
                    created_at: now,
                    expire_at,
                    pn_provider,
                    pn_param,
                    pn_prid,
                })
            }
        }

        #[async_trait]
        impl AccountCreationTokenRepository for $storage {
            async fn create_creation_token(
                &self,
                new: NewAccountCreationToken,
                now: DateTime<Utc>,
            ) -> StoreResult<AccountCreationToken> {
                let mut conn = self.write_conn().await?;
                Self::insert_creation_token(&mut conn, new, now).await
            }

            async fn creation_token(
                &self,
                token: &str,
                domain: &Domain,
            ) -> StoreResult<Option<AccountCreationToken>> {
                let mut conn = self.conn().await?;
                Self::creation_token_in(&mut conn, token, domain).await
            }

            async fn spend_creation_token(
                &self,
                token: &str,
                domain: &Domain,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<AccountCreationToken>> {
                let now = ts(now);
                let mut conn = self.write_conn().await?;
                // One conditional update decides the race; a used row never changes again,
                // so reading it back afterwards is safe.
                let result = sqlx::query(Self::sql(
                    "UPDATE account_creation_tokens SET used = ?, updated_at = ? \
                     WHERE token = ? AND domain = ? AND used = ? \
                     AND (expire_at IS NULL OR expire_at > ?)",
                ))
                .bind(true)
                .bind(now)
                .bind(token)
                .bind(domain.as_str())
                .bind(false)
                .bind(now)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
                if result.rows_affected() != 1 {
                    return Ok(None);
                }
                Self::creation_token_in(&mut conn, token, domain).await
            }

            async fn consume_creation_token(
                &self,
                token: &str,
                domain: &Domain,
                account_id: AccountId,
            ) -> StoreResult<Option<AccountCreationToken>> {
                let mut conn = self.conn().await?;
                let exists: i64 =
                    sqlx::query_scalar(Self::sql("SELECT COUNT(*) FROM accounts WHERE id = ?"))
                        .bind(account_id.0)
                        .fetch_one(&mut *conn)
                        .await
                        .map_err(store_error)?;
                if exists == 0 {
                    return Err(StoreError::NotFound);
                }
                let result = sqlx::query(Self::sql(
                    "UPDATE account_creation_tokens SET used = ?, account_id = ? \
                     WHERE token = ? AND domain = ? AND used = ? AND account_id IS NULL",
                ))
                .bind(true)
                .bind(account_id.0)
                .bind(token)
                .bind(domain.as_str())
                .bind(false)
                .execute(&mut *conn)
                .await
                .map_err(not_found_on_foreign_key)?;
                if result.rows_affected() != 1 {
                    return Ok(None);
                }
                Self::creation_token_in(&mut conn, token, domain).await
            }

            async fn latest_pushed_creation_token(
                &self,
                domain: &Domain,
                target: &PushTarget,
                since: DateTime<Utc>,
            ) -> StoreResult<Option<DateTime<Utc>>> {
                crate::pushed_tokens::latest_pushed!(self, "account_creation_tokens", domain, target, since)
            }

            async fn delete_unused_creation_token(
                &self,
                token: &str,
                domain: &Domain,
            ) -> StoreResult<bool> {
                crate::pushed_tokens::delete_unused!(self, "account_creation_tokens", token, domain)
            }

            async fn has_used_creation_token(&self, account_id: AccountId) -> StoreResult<bool> {
                let used: i64 = sqlx::query_scalar(Self::sql(
                    "SELECT COUNT(*) FROM account_creation_tokens WHERE account_id = ? AND used = ?",
                ))
                .bind(account_id.0)
                .bind(true)
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(used > 0)
            }
        }
    };
}

pub(crate) use impl_creation_tokens;
