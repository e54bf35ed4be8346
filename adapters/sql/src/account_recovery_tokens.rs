//! Account recovery tokens: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{AccountId, AccountRecoveryToken, AccountRecoveryTokenId, Domain};

use crate::error::bad_row;

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! account_recovery_token_columns {
    () => {
        "id, token, domain, used, account_id, pn_provider, pn_param, pn_prid, ip, user_agent, \
         created_at"
    };
}
pub(crate) use account_recovery_token_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct AccountRecoveryTokenRow {
    id: i64,
    token: String,
    domain: String,
    used: bool,
    account_id: Option<i64>,
    pn_provider: Option<String>,
    pn_param: Option<String>,
    pn_prid: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<AccountRecoveryTokenRow> for AccountRecoveryToken {
    type Error = StoreError;

    fn try_from(r: AccountRecoveryTokenRow) -> Result<Self, StoreError> {
        Ok(AccountRecoveryToken {
            id: AccountRecoveryTokenId(r.id),
            token: r.token,
            domain: Domain::parse(&r.domain)
                .map_err(|e| bad_row("account_recovery_tokens.domain", e))?,
            used: r.used,
            account_id: r.account_id.map(AccountId),
            pn_provider: r.pn_provider,
            pn_param: r.pn_param,
            pn_prid: r.pn_prid,
            ip: r.ip,
            user_agent: r.user_agent,
            created_at: r.created_at,
        })
    }
}

macro_rules! impl_account_recovery_tokens {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl AccountRecoveryTokenRepository for $storage {
            async fn create_account_recovery_token(
                &self,
                new: NewAccountRecoveryToken,
                now: DateTime<Utc>,
            ) -> StoreResult<AccountRecoveryToken> {
                let now = ts(now);
                let mut conn = self.write_conn().await?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO account_recovery_tokens \
                     (token, domain, used, pn_provider, pn_param, pn_prid, ip, user_agent, \
                     created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(&new.token)
                .bind(new.domain.as_str())
                .bind(false)
                .bind(&new.pn_provider)
                .bind(&new.pn_param)
                .bind(&new.pn_prid)
                .bind(&new.ip)
                .bind(&new.user_agent)
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut *conn, query).await.map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Backend("duplicate account recovery token".into())
                    } else {
                        not_found_on_foreign_key(e)
                    }
                })?;
                Ok(AccountRecoveryToken {
                    id: flexiapi_domain::model::AccountRecoveryTokenId(id),
                    token: new.token,
                    domain: new.domain,
                    used: false,
                    account_id: None,
                    pn_provider: new.pn_provider,
                    pn_param: new.pn_param,
                    pn_prid: new.pn_prid,
                    ip: new.ip,
                    user_agent: new.user_agent,
                    created_at: now,
                })
            }

            async fn account_recovery_token(
                &self,
                token: &str,
                domain: &Domain,
            ) -> StoreResult<Option<AccountRecoveryToken>> {
                let row: Option<crate::account_recovery_tokens::AccountRecoveryTokenRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::account_recovery_tokens::account_recovery_token_columns!(),
                        " FROM account_recovery_tokens WHERE token = ? AND domain = ?"
                    )))
                    .bind(token)
                    .bind(domain.as_str())
                    .fetch_optional(self.writer())
                    .await
                    .map_err(store_error)?;
                row.map(AccountRecoveryToken::try_from).transpose()
            }

            async fn use_account_recovery_token(
                &self,
                token: &str,
                domain: &Domain,
                account_id: Option<AccountId>,
                issued_after: Option<DateTime<Utc>>,
            ) -> StoreResult<Option<AccountRecoveryToken>> {
                // The conditional update is the race's referee; a used row never changes again.
                let query = match issued_after {
                    None => sqlx::query(Self::sql(
                        "UPDATE account_recovery_tokens SET used = ?, account_id = ? \
                         WHERE token = ? AND domain = ? AND used = ?",
                    ))
                    .bind(true)
                    .bind(account_id.map(|a| a.0))
                    .bind(token)
                    .bind(domain.as_str())
                    .bind(false),
                    Some(after) => sqlx::query(Self::sql(
                        "UPDATE account_recovery_tokens SET used = ?, account_id = ? \
                         WHERE token = ? AND domain = ? AND used = ? AND created_at > ?",
                    ))
                    .bind(true)
                    .bind(account_id.map(|a| a.0))
                    .bind(token)
                    .bind(domain.as_str())
                    .bind(false)
                    .bind(ts(after)),
                };
                let result = query
                    .execute(self.writer())
                    .await
                    .map_err(not_found_on_foreign_key)?;
                if result.rows_affected() != 1 {
                    return Ok(None);
                }
                self.account_recovery_token(token, domain).await
            }

            async fn latest_pushed_account_recovery_token(
                &self,
                domain: &Domain,
                target: &PushTarget,
                since: DateTime<Utc>,
            ) -> StoreResult<Option<DateTime<Utc>>> {
                crate::pushed_tokens::latest_pushed!(
                    self,
                    "account_recovery_tokens",
                    domain,
                    target,
                    since
                )
            }

            async fn delete_unused_account_recovery_token(
                &self,
                token: &str,
                domain: &Domain,
            ) -> StoreResult<bool> {
                crate::pushed_tokens::delete_unused!(self, "account_recovery_tokens", token, domain)
            }
        }
    };
}

pub(crate) use impl_account_recovery_tokens;
