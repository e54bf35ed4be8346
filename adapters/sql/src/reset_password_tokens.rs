//! Reset-password links: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.
//! A link belongs to its account's space: every lookup joins the account.

use chrono::{DateTime, Utc};
use flexiapi_domain::model::{AccountId, Email, ResetPasswordToken, ResetPasswordTokenId};

/// Column list of `SELECT`s over `reset_password_email_tokens t`, as a literal for `concat!`.
macro_rules! reset_password_token_columns {
    () => {
        "t.id AS id, t.token AS token, t.account_id AS account_id, t.email AS email, \
         t.used AS used, t.ip AS ip, t.user_agent AS user_agent, t.created_at AS created_at"
    };
}
pub(crate) use reset_password_token_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct ResetPasswordTokenRow {
    id: i64,
    token: String,
    account_id: i64,
    email: String,
    used: bool,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<ResetPasswordTokenRow> for ResetPasswordToken {
    fn from(r: ResetPasswordTokenRow) -> Self {
        ResetPasswordToken {
            id: ResetPasswordTokenId(r.id),
            token: r.token,
            account_id: AccountId(r.account_id),
            email: Email::unchecked(r.email),
            used: r.used,
            ip: r.ip,
            user_agent: r.user_agent,
            created_at: r.created_at,
        }
    }
}

macro_rules! impl_reset_password_tokens {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl ResetPasswordTokenRepository for $storage {
            async fn create_reset_password_token(
                &self,
                new: NewResetPasswordToken,
                now: DateTime<Utc>,
            ) -> StoreResult<ResetPasswordToken> {
                let now = ts(now);
                let mut conn = self.write_conn().await?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO reset_password_email_tokens \
                     (token, account_id, email, used, ip, user_agent, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(&new.token)
                .bind(new.account_id.0)
                .bind(new.email.as_str())
                .bind(false)
                .bind(&new.ip)
                .bind(&new.user_agent)
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut *conn, query).await.map_err(|e| {
                    if is_unique_violation(&e) {
                        // Random tokens colliding: astronomically rare; retrying is the fix.
                        StoreError::Backend("duplicate reset-password token".into())
                    } else {
                        not_found_on_foreign_key(e)
                    }
                })?;
                Ok(ResetPasswordToken {
                    id: flexiapi_domain::model::ResetPasswordTokenId(id),
                    token: new.token,
                    account_id: new.account_id,
                    email: new.email,
                    used: false,
                    ip: new.ip,
                    user_agent: new.user_agent,
                    created_at: now,
                })
            }

            async fn reset_password_token(
                &self,
                token: &str,
                domain: &Domain,
            ) -> StoreResult<Option<ResetPasswordToken>> {
                let row: Option<crate::reset_password_tokens::ResetPasswordTokenRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::reset_password_tokens::reset_password_token_columns!(),
                        " FROM reset_password_email_tokens t \
                         JOIN accounts a ON a.id = t.account_id \
                         WHERE t.token = ? AND a.domain = ?"
                    )))
                    .bind(token)
                    .bind(domain.as_str())
                    .fetch_optional(self.writer())
                    .await
                    .map_err(store_error)?;
                Ok(row.map(ResetPasswordToken::from))
            }

            async fn use_reset_password_token(
                &self,
                token: &str,
                domain: &Domain,
                issued_after: Option<DateTime<Utc>>,
            ) -> StoreResult<Option<ResetPasswordToken>> {
                // The conditional update is the race's referee; a used row never changes again.
                let query = match issued_after {
                    None => sqlx::query(Self::sql(
                        "UPDATE reset_password_email_tokens SET used = ? \
                         WHERE token = ? AND used = ? \
                         AND account_id IN (SELECT id FROM accounts WHERE domain = ?)",
                    ))
                    .bind(true)
                    .bind(token)
                    .bind(false)
                    .bind(domain.as_str()),
                    Some(after) => sqlx::query(Self::sql(
                        "UPDATE reset_password_email_tokens SET used = ? \
                         WHERE token = ? AND used = ? \
                         AND account_id IN (SELECT id FROM accounts WHERE domain = ?) \
                         AND created_at > ?",
                    ))
                    .bind(true)
                    .bind(token)
                    .bind(false)
                    .bind(domain.as_str())
                    .bind(ts(after)),
                };
                let result = query.execute(self.writer()).await.map_err(store_error)?;
                if result.rows_affected() != 1 {
                    return Ok(None);
                }
                self.reset_password_token(token, domain).await
            }
        }
    };
}

pub(crate) use impl_reset_password_tokens;
