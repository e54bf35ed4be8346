//! Recovery codes: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{AccountId, Recipient, RecoveryCode, RecoveryCodeId};

use crate::error::bad_row;

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! recovery_code_columns {
    () => {
        "id, account_id, code, email, phone, attempts, ip, user_agent, created_at"
    };
}
pub(crate) use recovery_code_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct RecoveryCodeRow {
    id: i64,
    account_id: i64,
    code: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    attempts: i64,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<RecoveryCodeRow> for RecoveryCode {
    type Error = StoreError;

    fn try_from(r: RecoveryCodeRow) -> Result<Self, StoreError> {
        Ok(RecoveryCode {
            id: RecoveryCodeId(r.id),
            account_id: AccountId(r.account_id),
            code: r.code,
            recipient: Recipient::from_columns(r.email, r.phone)
                .ok_or_else(|| bad_row("recovery_codes.email", "NULL"))?,
            ip: r.ip,
            user_agent: r.user_agent,
            attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
            created_at: r.created_at,
        })
    }
}

macro_rules! impl_recovery_codes {
    ($storage:ident, $db:ty) => {
        impl $storage {
            async fn recovery_code_by_id(&self, id: i64) -> StoreResult<Option<RecoveryCode>> {
                let row: Option<crate::recovery_codes::RecoveryCodeRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::recovery_codes::recovery_code_columns!(),
                        " FROM recovery_codes WHERE id = ?"
                    )))
                    .bind(id)
                    .fetch_optional(self.writer())
                    .await
                    .map_err(store_error)?;
                row.map(RecoveryCode::try_from).transpose()
            }
        }

        #[async_trait]
        impl RecoveryCodeRepository for $storage {
            async fn create_recovery_code(
                &self,
                new: NewRecoveryCode,
                now: DateTime<Utc>,
            ) -> StoreResult<RecoveryCode> {
                let now = ts(now);
                let mut tx = self.write().await?;
                sqlx::query(Self::sql(
                    "UPDATE recovery_codes SET code = NULL, updated_at = ? \
                     WHERE account_id = ? AND code IS NOT NULL",
                ))
                .bind(now)
                .bind(new.account_id.0)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO recovery_codes \
                     (account_id, code, email, phone, attempts, ip, user_agent, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
                ))
                .bind(new.account_id.0)
                .bind(&new.code)
                .bind(new.recipient.email().map(|e| e.as_str().to_owned()))
                .bind(new.recipient.phone().map(|p| p.as_str().to_owned()))
                .bind(&new.ip)
                .bind(&new.user_agent)
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut *tx, query)
                    .await
                    .map_err(not_found_on_foreign_key)?;
                tx.commit().await.map_err(store_error)?;
                Ok(RecoveryCode {
                    id: flexiapi_domain::model::RecoveryCodeId(id),
                    account_id: new.account_id,
                    code: Some(new.code),
                    recipient: new.recipient,
                    ip: new.ip,
                    user_agent: new.user_agent,
                    attempts: 0,
                    created_at: now,
                })
            }

            async fn live_recovery_code(
                &self,
                account_id: AccountId,
            ) -> StoreResult<Option<RecoveryCode>> {
                let row: Option<crate::recovery_codes::RecoveryCodeRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::recovery_codes::recovery_code_columns!(),
                        " FROM recovery_codes WHERE account_id = ? AND code IS NOT NULL \
                         ORDER BY id DESC LIMIT 1"
                    )))
                    .bind(account_id.0)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                row.map(RecoveryCode::try_from).transpose()
            }

            async fn fail_recovery_code(
                &self,
                id: flexiapi_domain::model::RecoveryCodeId,
                max_attempts: u32,
            ) -> StoreResult<Option<RecoveryCode>> {
                if !crate::attempt_codes::fail_code!(self, "recovery_codes", id.0, max_attempts) {
                    return Ok(None);
                }
                self.recovery_code_by_id(id.0).await
            }

            async fn spend_recovery_code(
                &self,
                id: flexiapi_domain::model::RecoveryCodeId,
                code: &str,
                max_attempts: u32,
            ) -> StoreResult<bool> {
                crate::attempt_codes::spend_code!(self, "recovery_codes", id.0, code, max_attempts)
            }

            async fn recovery_codes_created_since(
                &self,
                account_id: AccountId,
                since: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let count: i64 = sqlx::query_scalar(Self::sql(
                    "SELECT COUNT(*) FROM recovery_codes WHERE account_id = ? AND created_at >= ?",
                ))
                .bind(account_id.0)
                .bind(ts(since))
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(u64::try_from(count).unwrap_or_default())
            }
        }
    };
}

pub(crate) use impl_recovery_codes;
