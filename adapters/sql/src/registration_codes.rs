//! Pending sign-ups: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    Domain, Password, PasswordAlgorithm, Recipient, RegistrationCode, RegistrationCodeId, Username,
};

use crate::error::bad_row;

/// Column list of `SELECT`s, as a literal for `concat!`.
macro_rules! registration_code_columns {
    () => {
        "id, domain, username, password, algorithm, email, phone, code, attempts, ip, \
         user_agent, created_at"
    };
}
pub(crate) use registration_code_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct RegistrationCodeRow {
    id: i64,
    domain: String,
    username: String,
    password: String,
    algorithm: String,
    email: Option<String>,
    phone: Option<String>,
    code: Option<String>,
    attempts: i64,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<RegistrationCodeRow> for RegistrationCode {
    type Error = StoreError;

    fn try_from(r: RegistrationCodeRow) -> Result<Self, StoreError> {
        let algorithm: PasswordAlgorithm = r
            .algorithm
            .parse()
            .map_err(|e| bad_row("registration_codes.algorithm", e))?;
        Ok(RegistrationCode {
            id: RegistrationCodeId(r.id),
            domain: Domain::parse(&r.domain)
                .map_err(|e| bad_row("registration_codes.domain", e))?,
            username: Username::parse(&r.username)
                .map_err(|e| bad_row("registration_codes.username", e))?,
            password: Password {
                algorithm,
                hash: r.password,
            },
            recipient: Recipient::from_columns(r.email, r.phone)
                .ok_or_else(|| bad_row("registration_codes.email", "NULL"))?,
            code: r.code,
            attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
            ip: r.ip,
            user_agent: r.user_agent,
            created_at: r.created_at,
        })
    }
}

macro_rules! impl_registration_codes {
    ($storage:ident, $db:ty) => {
        impl $storage {
            async fn registration_code_by_id(
                &self,
                id: i64,
            ) -> StoreResult<Option<RegistrationCode>> {
                let row: Option<crate::registration_codes::RegistrationCodeRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::registration_codes::registration_code_columns!(),
                        " FROM registration_codes WHERE id = ?"
                    )))
                    .bind(id)
                    .fetch_optional(self.writer())
                    .await
                    .map_err(store_error)?;
                row.map(RegistrationCode::try_from).transpose()
            }
        }

        #[async_trait]
        impl RegistrationCodeRepository for $storage {
            async fn create_registration_code(
                &self,
                new: NewRegistrationCode,
                now: DateTime<Utc>,
            ) -> StoreResult<RegistrationCode> {
                let now = ts(now);
                let mut conn = self.write_conn().await?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO registration_codes \
                     (domain, username, password, algorithm, email, phone, code, attempts, ip, \
                     user_agent, created_at, updated_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                ))
                .bind(new.domain.as_str())
                .bind(new.username.as_str())
                .bind(&new.password.hash)
                .bind(new.password.algorithm.as_str())
                .bind(new.recipient.email().map(|e| e.as_str().to_owned()))
                .bind(new.recipient.phone().map(|p| p.as_str().to_owned()))
                .bind(&new.code)
                .bind(&new.ip)
                .bind(&new.user_agent)
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut *conn, query)
                    .await
                    .map_err(not_found_on_foreign_key)?;
                Ok(RegistrationCode {
                    id: flexiapi_domain::model::RegistrationCodeId(id),
                    domain: new.domain,
                    username: new.username,
                    password: new.password,
                    recipient: new.recipient,
                    code: Some(new.code),
                    attempts: 0,
                    ip: new.ip,
                    user_agent: new.user_agent,
                    created_at: now,
                })
            }

            async fn registration_code(
                &self,
                id: flexiapi_domain::model::RegistrationCodeId,
                domain: &Domain,
            ) -> StoreResult<Option<RegistrationCode>> {
                let row: Option<crate::registration_codes::RegistrationCodeRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::registration_codes::registration_code_columns!(),
                        " FROM registration_codes WHERE id = ? AND domain = ?"
                    )))
                    .bind(id.0)
                    .bind(domain.as_str())
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(store_error)?;
                row.map(RegistrationCode::try_from).transpose()
            }

            async fn fail_registration_code(
                &self,
                id: flexiapi_domain::model::RegistrationCodeId,
                max_attempts: u32,
            ) -> StoreResult<Option<RegistrationCode>> {
                if !crate::attempt_codes::fail_code!(self, "registration_codes", id.0, max_attempts) {
                    return Ok(None);
                }
                self.registration_code_by_id(id.0).await
            }

            async fn spend_registration_code(
                &self,
                id: flexiapi_domain::model::RegistrationCodeId,
                code: &str,
                max_attempts: u32,
            ) -> StoreResult<bool> {
                crate::attempt_codes::spend_code!(self, "registration_codes", id.0, code, max_attempts)
            }

            async fn delete_registration_code(
                &self,
                id: flexiapi_domain::model::RegistrationCodeId,
            ) -> StoreResult<bool> {
                let result = sqlx::query(Self::sql("DELETE FROM registration_codes WHERE id = ?"))
                    .bind(id.0)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?;
                Ok(result.rows_affected() > 0)
            }

            async fn purge_registration_codes(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                let result =
                    sqlx::query(Self::sql("DELETE FROM registration_codes WHERE created_at < ?"))
                        .bind(ts(before))
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?;
                Ok(result.rows_affected())
            }
        }
    };
}

pub(crate) use impl_registration_codes;
