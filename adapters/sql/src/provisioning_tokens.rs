//! Provisioning tokens: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_provisioning_tokens {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl ProvisioningTokenRepository for $storage {
            async fn create_provisioning_token(
                &self,
                new: NewProvisioningToken,
                now: DateTime<Utc>,
            ) -> StoreResult<ProvisioningToken> {
                let now = ts(now);
                let mut tx = self.write().await?;
                sqlx::query(Self::sql(
                    "UPDATE provisioning_tokens SET used = ?, updated_at = ? \
                     WHERE account_id = ? AND used = ?",
                ))
                .bind(true)
                .bind(now)
                .bind(new.account_id.0)
                .bind(false)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO provisioning_tokens \
                     (account_id, token, used, ip, user_agent, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(new.account_id.0)
                .bind(&new.token)
                .bind(false)
                .bind(&new.ip)
                .bind(&new.user_agent)
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut *tx, query).await.map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(Conflict::ProvisioningToken)
                    } else {
                        not_found_on_foreign_key(e)
                    }
                })?;
                tx.commit().await.map_err(store_error)?;
                Ok(ProvisioningToken {
                    id: flexiapi_domain::model::ProvisioningTokenId(id),
                    account_id: new.account_id,
                    token: new.token,
                    used: false,
                    ip: new.ip,
                    user_agent: new.user_agent,
                    created_at: now,
                })
            }

            async fn current_provisioning_token(
                &self,
                account_id: AccountId,
            ) -> StoreResult<Option<ProvisioningToken>> {
                let row: Option<ProvisioningTokenRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    provisioning_token_columns!(),
                    " FROM provisioning_tokens WHERE account_id = ? AND used = ? \
                     ORDER BY id DESC LIMIT 1"
                )))
                .bind(account_id.0)
                .bind(false)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(ProvisioningToken::from))
            }

            async fn provisioning_token(
                &self,
                token: &str,
            ) -> StoreResult<Option<ProvisioningToken>> {
                let row: Option<ProvisioningTokenRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    provisioning_token_columns!(),
                    " FROM provisioning_tokens WHERE token = ?"
                )))
                .bind(token)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(ProvisioningToken::from))
            }

            async fn use_provisioning_token(
                &self,
                token: &str,
                issued_after: Option<DateTime<Utc>>,
            ) -> StoreResult<Option<ProvisioningToken>> {
                // The conditional update is the race's referee: only one call sees the row
                // still unused (and young enough). Once used, the row never changes again,
                // so reading it back afterwards is safe.
                let query = match issued_after {
                    None => sqlx::query(Self::sql(
                        "UPDATE provisioning_tokens SET used = ? WHERE token = ? AND used = ?",
                    ))
                    .bind(true)
                    .bind(token)
                    .bind(false),
                    Some(after) => sqlx::query(Self::sql(
                        "UPDATE provisioning_tokens SET used = ? \
                         WHERE token = ? AND used = ? AND created_at > ?",
                    ))
                    .bind(true)
                    .bind(token)
                    .bind(false)
                    .bind(ts(after)),
                };
                let result = query.execute(self.writer()).await.map_err(store_error)?;
                if result.rows_affected() != 1 {
                    return Ok(None);
                }
                self.provisioning_token(token).await
            }
        }

        impl $storage {
            /// Inserts a row of a table of pairs (`a`, `b`, timestamps); false when the pair
            /// is already there: the unique pair decides, so racing inserts make one row.
            async fn insert_pair(
                &self,
                sql: &'static str,
                a: i64,
                b: i64,
                now: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let now = ts(now);
                let result = sqlx::query(Self::sql(sql))
                    .bind(a)
                    .bind(b)
                    .bind(now)
                    .bind(now)
                    .execute(self.writer())
                    .await;
                match result {
                    Ok(_) => Ok(true),
                    Err(e) if is_unique_violation(&e) => Ok(false),
                    Err(e) => Err(not_found_on_foreign_key(e)),
                }
            }

            /// Deletes one pair; whether it was there.
            async fn delete_pair(&self, sql: &'static str, a: i64, b: i64) -> StoreResult<bool> {
                Ok(sqlx::query(Self::sql(sql))
                    .bind(a)
                    .bind(b)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?
                    .rows_affected()
                    > 0)
            }

            async fn creation_token_in(
                conn: &mut Conn,
                token: &str,
                domain: &Domain,
            ) -> StoreResult<Option<AccountCreationToken>> {
                let row: Option<CreationTokenRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    creation_token_columns!(),
                    " FROM account_creation_tokens WHERE token = ? AND domain = ?"
                )))
                .bind(token)
                .bind(domain.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(store_error)?;
                row.map(AccountCreationToken::try_from).transpose()
            }
        }
    };
}

pub(crate) use impl_provisioning_tokens;
