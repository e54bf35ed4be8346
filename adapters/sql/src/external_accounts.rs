//! Each account's external account: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    AccountId, ExternalAccount, ExternalAccountId, PasswordAlgorithm, SipProtocol,
};

use crate::error::bad_row;

/// The columns of `external_accounts`, as a literal for `concat!`.
macro_rules! external_account_columns {
    () => {
        "id, account_id, username, domain, password, algorithm, realm, registrar, \
         outbound_proxy, protocol, created_at, updated_at"
    };
}
pub(crate) use external_account_columns;

#[derive(sqlx::FromRow)]
pub(crate) struct ExternalAccountRow {
    id: i64,
    account_id: i64,
    username: String,
    domain: String,
    password: String,
    algorithm: String,
    realm: Option<String>,
    registrar: Option<String>,
    outbound_proxy: Option<String>,
    protocol: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ExternalAccountRow> for ExternalAccount {
    type Error = StoreError;

    fn try_from(r: ExternalAccountRow) -> Result<Self, StoreError> {
        Ok(ExternalAccount {
            id: ExternalAccountId(r.id),
            account_id: AccountId(r.account_id),
            username: r.username,
            domain: r.domain,
            password: r.password,
            algorithm: r
                .algorithm
                .parse::<PasswordAlgorithm>()
                .map_err(|_| bad_row("external_accounts.algorithm", &r.algorithm))?,
            realm: r.realm,
            registrar: r.registrar,
            outbound_proxy: r.outbound_proxy,
            protocol: SipProtocol::parse(&r.protocol)
                .ok_or_else(|| bad_row("external_accounts.protocol", &r.protocol))?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

macro_rules! impl_external_accounts {
    ($storage:ident, $db:ty) => {
        impl $storage {
            async fn external_account_in(
                conn: &mut Conn,
                account: AccountId,
            ) -> StoreResult<Option<flexiapi_domain::model::ExternalAccount>> {
                let row: Option<crate::external_accounts::ExternalAccountRow> =
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        crate::external_accounts::external_account_columns!(),
                        " FROM external_accounts WHERE account_id = ?"
                    )))
                    .bind(account.0)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                row.map(TryInto::try_into).transpose()
            }
        }

        #[async_trait]
        impl flexiapi_domain::ports::ExternalAccountRepository for $storage {
            async fn external_account_of(
                &self,
                account: AccountId,
            ) -> StoreResult<Option<flexiapi_domain::model::ExternalAccount>> {
                let mut conn = self.conn().await?;
                Self::external_account_in(&mut conn, account).await
            }

            async fn put_external_account(
                &self,
                account: AccountId,
                external: &flexiapi_domain::model::NewExternalAccount,
                now: DateTime<Utc>,
            ) -> StoreResult<(flexiapi_domain::model::ExternalAccount, bool)> {
                let now = ts(now);
                let mut tx = self.write().await?;
                // A no-op write is a portable row lock on the account (SQLite's write transaction
                // is already exclusive): concurrent writers for one account take turns, so
                // exactly one finds no row and inserts.
                sqlx::query(Self::sql("UPDATE accounts SET id = id WHERE id = ?"))
                    .bind(account.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                let exists: i64 =
                    sqlx::query_scalar(Self::sql("SELECT COUNT(*) FROM accounts WHERE id = ?"))
                        .bind(account.0)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(store_error)?;
                if exists == 0 {
                    return Err(StoreError::NotFound);
                }
                let existing = Self::external_account_in(&mut tx, account).await?;
                // With the account locked, the only unique key left to break is the address.
                let on_unique = unique_as(Conflict::ExternalAccountIdentity);
                if existing.is_some() {
                    sqlx::query(Self::sql(
                        "UPDATE external_accounts SET username = ?, domain = ?, \
                         password = COALESCE(?, password), algorithm = ?, realm = ?, \
                         registrar = ?, outbound_proxy = ?, protocol = ?, updated_at = ? \
                         WHERE account_id = ?",
                    ))
                    .bind(&external.username)
                    .bind(&external.domain)
                    .bind(&external.password)
                    .bind(external.algorithm.as_str())
                    .bind(&external.realm)
                    .bind(&external.registrar)
                    .bind(&external.outbound_proxy)
                    .bind(external.protocol.as_str())
                    .bind(now)
                    .bind(account.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(on_unique)?;
                } else {
                    let password = external.password.as_ref().ok_or(StoreError::NotFound)?;
                    sqlx::query(Self::sql(
                        "INSERT INTO external_accounts (account_id, username, domain, password, \
                         algorithm, realm, registrar, outbound_proxy, protocol, created_at, \
                         updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ))
                    .bind(account.0)
                    .bind(&external.username)
                    .bind(&external.domain)
                    .bind(password)
                    .bind(external.algorithm.as_str())
                    .bind(&external.realm)
                    .bind(&external.registrar)
                    .bind(&external.outbound_proxy)
                    .bind(external.protocol.as_str())
                    .bind(now)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(on_unique)?;
                }
                let stored = Self::external_account_in(&mut tx, account)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                tx.commit().await.map_err(store_error)?;
                Ok((stored, existing.is_none()))
            }

            async fn delete_external_account(
                &self,
                account: AccountId,
            ) -> StoreResult<Option<flexiapi_domain::model::ExternalAccount>> {
                let mut tx = self.write().await?;
                let existing = Self::external_account_in(&mut tx, account).await?;
                if existing.is_some() {
                    sqlx::query(Self::sql("DELETE FROM external_accounts WHERE account_id = ?"))
                        .bind(account.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                }
                tx.commit().await.map_err(store_error)?;
                Ok(existing)
            }
        }
    };
}

pub(crate) use impl_external_accounts;
