//! Account creation request tokens: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    AccountCreationRequestToken, AccountCreationRequestTokenId, AccountCreationTokenId,
};

use crate::error::bad_row;

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! creation_request_token_columns {
    () => {
        "id, token, domain, used, validated_at, acc_creation_token_id, ip, user_agent, created_at"
    };
}
pub(crate) use creation_request_token_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct CreationRequestTokenRow {
    id: i64,
    token: String,
    domain: String,
    used: bool,
    validated_at: Option<DateTime<Utc>>,
    acc_creation_token_id: Option<i64>,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<CreationRequestTokenRow> for AccountCreationRequestToken {
    type Error = StoreError;

    fn try_from(r: CreationRequestTokenRow) -> Result<Self, StoreError> {
        Ok(AccountCreationRequestToken {
            id: AccountCreationRequestTokenId(r.id),
            token: r.token,
            domain: flexiapi_domain::model::Domain::parse(&r.domain)
                .map_err(|e| bad_row("account_creation_request_tokens.domain", e))?,
            used: r.used,
            validated_at: r.validated_at,
            acc_creation_token_id: r.acc_creation_token_id.map(AccountCreationTokenId),
            ip: r.ip,
            user_agent: r.user_agent,
            created_at: r.created_at,
        })
    }
}

macro_rules! impl_creation_request_tokens {
    ($storage:ident, $db:ty) => {
        impl $storage {
            async fn creation_request_token_in(
                conn: &mut Conn,
                token: &str,
                domain: &Domain,
            ) -> StoreResult<Option<AccountCreationRequestToken>> {
                let row: Option<crate::creation_request_tokens::CreationRequestTokenRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::creation_request_tokens::creation_request_token_columns!(),
                        " FROM account_creation_request_tokens WHERE token = ? AND domain = ?"
                    )))
                    .bind(token)
                    .bind(domain.as_str())
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                row.map(AccountCreationRequestToken::try_from).transpose()
            }
        }

        #[async_trait]
        impl AccountCreationRequestTokenRepository for $storage {
            async fn create_creation_request_token(
                &self,
                new: NewAccountCreationRequestToken,
                now: DateTime<Utc>,
            ) -> StoreResult<AccountCreationRequestToken> {
                let now = ts(now);
                let mut conn = self.write_conn().await?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO account_creation_request_tokens \
                     (token, domain, used, ip, user_agent, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(&new.token)
                .bind(new.domain.as_str())
                .bind(false)
                .bind(&new.ip)
                .bind(&new.user_agent)
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut *conn, query)
                    .await
                    .map_err(|e| match &e {
                        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                            // No space has this domain.
                            StoreError::NotFound
                        }
                        _ => unique_as(Conflict::AccountCreationRequestToken)(e),
                    })?;
                Ok(AccountCreationRequestToken {
                    id: flexiapi_domain::model::AccountCreationRequestTokenId(id),
                    token: new.token,
                    domain: new.domain,
                    used: false,
                    validated_at: None,
                    acc_creation_token_id: None,
                    ip: new.ip,
                    user_agent: new.user_agent,
                    created_at: now,
                })
            }

            async fn creation_request_token(
                &self,
                token: &str,
                domain: &Domain,
            ) -> StoreResult<Option<AccountCreationRequestToken>> {
                let mut conn = self.conn().await?;
                Self::creation_request_token_in(&mut conn, token, domain).await
            }

            async fn validate_creation_request_token(
                &self,
                token: &str,
                domain: &Domain,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<AccountCreationRequestToken>> {
                let now = ts(now);
                let mut conn = self.write_conn().await?;
                // A validated token keeps its first time: validating twice changes nothing.
                let result = sqlx::query(Self::sql(
                    "UPDATE account_creation_request_tokens \
                     SET validated_at = COALESCE(validated_at, ?), updated_at = ? \
                     WHERE token = ? AND domain = ? AND used = ?",
                ))
                .bind(now)
                .bind(now)
                .bind(token)
                .bind(domain.as_str())
                .bind(false)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
                if result.rows_affected() != 1 {
                    return Ok(None);
                }
                Self::creation_request_token_in(&mut conn, token, domain).await
            }

            async fn exchange_creation_request_token(
                &self,
                token: &str,
                domain: &Domain,
                new: NewAccountCreationToken,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<AccountCreationToken>> {
                let stamp = ts(now);
                let mut tx = self.write().await?;
                // The conditional update decides the race: it locks the row until the commit,
                // and a concurrent one then finds it used.
                let claimed = sqlx::query(Self::sql(
                    "UPDATE account_creation_request_tokens SET used = ?, updated_at = ? \
                     WHERE token = ? AND domain = ? AND used = ? AND validated_at IS NOT NULL",
                ))
                .bind(true)
                .bind(stamp)
                .bind(token)
                .bind(domain.as_str())
                .bind(false)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?
                .rows_affected();
                if claimed != 1 {
                    // Dropping the transaction rolls it back.
                    return Ok(None);
                }
                let created = Self::insert_creation_token(&mut tx, new, now).await?;
                sqlx::query(Self::sql(
                    "UPDATE account_creation_request_tokens SET acc_creation_token_id = ? \
                     WHERE token = ? AND domain = ?",
                ))
                .bind(created.id.0)
                .bind(token)
                .bind(domain.as_str())
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                tx.commit().await.map_err(store_error)?;
                Ok(Some(created))
            }
        }
    };
}

pub(crate) use impl_creation_request_tokens;
