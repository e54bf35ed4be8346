//! PostgreSQL's and MySQL's storage and what their dialects do differently (each one's
//! [`Dialect`]: placeholder syntax, how an insert returns its id, how a write transaction starts,
//! row locking; SQLite's are in `crate::sqlite`), the helpers the aggregates share, and
//! [`impl_storage!`], which expands every aggregate's port implementation (one module each,
//! `crate::spaces`, `crate::accounts`, …, written once with `?` placeholders) per backend.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use flexiapi_domain::model::{
    Account, AccountDetails, AccountId, ApiKey, DigestNonce, Domain, Username,
};
use flexiapi_domain::ports::StoreResult;
use sqlx::mysql::{MySql, MySqlConnection, MySqlPool};
use sqlx::postgres::{PgConnection, PgPool, Postgres};
use sqlx::{Row, SqlSafeStr, SqlStr, Transaction};

use crate::dialect::{
    Dialect, QueryOf, RequestPath, StatementCache, backtick_identifiers, dollar_placeholders,
};
use crate::error::retry_if_connection_lost;

/// Every port on one backend: the imports and shared helpers, then each aggregate's macro.
/// `$storage` implements [`Dialect`] with `Db = $db`, and [`RequestPath`].
macro_rules! impl_storage {
    ($storage:ident, $db:ty) => {
        const _: () = {
            // The dialect's database is the one the SQL here is written for.
            fn _dialect_db<S: $crate::dialect::Dialect<Db = $db>>() {}
            let _ = _dialect_db::<$storage>;

            use async_trait::async_trait;
            use chrono::{DateTime, Utc};
            use flexiapi_domain::error::{Conflict, StoreError};
            use flexiapi_domain::model::{
                Account, AccountChanges, AccountDetails, AccountId, AccountQuery, ApiKey, ApiKeyId,
                ApiKeyUsage,
                AuthToken, DigestNonce, Domain, NewAccount, NewApiKey, NewProvisioningToken,
                NewSpace, Page, Password, ProvisioningToken, Space, Username, AccountAction,
                AccountActionId, AccountCreationToken, AccountType, AccountTypeId,
                NewAccountCreationToken, PhoneCountry, ContactsList, ContactsListId, SpaceId,
                AccountCreationRequestToken, NewAccountCreationRequestToken, PushTarget,
            };
            use flexiapi_domain::model::{
                AccountTypeKey, ActionCode, ActionKey, ContactsListTitle, DtmfProtocol, Email,
                PhoneNumber,
            };
            use flexiapi_domain::ports::{
                AccountActionRepository, AccountCreationTokenRepository, AccountTypeRepository,
                AccountCreationRequestTokenRepository,
                ContactRepository, ContactsListRepository, PhoneCountryRepository,
            };
            use flexiapi_domain::ports::{
                AccountRepository, ApiKeyRepository, AuthTokenRepository, DictionaryRepository,
                NonceStore, ProvisioningTokenRepository, SpaceRepository, Storage, StoreResult,
            };
            use flexiapi_domain::ports::{AuditRepository, AuthFailureStore};
            use flexiapi_domain::model::{ChangeCode, ChangeCodeId, ChangeTarget, NewChangeCode};
            use flexiapi_domain::ports::ChangeCodeRepository;
            use crate::change_codes::{ChangeCodeRow, change_code_columns};
            use flexiapi_domain::model::{
                AccountRecoveryToken, NewAccountRecoveryToken, NewRecoveryCode,
                NewRegistrationCode, NewResetPasswordToken, RecoveryCode, RegistrationCode,
                ResetPasswordToken,
            };
            use flexiapi_domain::ports::{
                AccountRecoveryTokenRepository, RecoveryCodeRepository,
                RegistrationCodeRepository, ResetPasswordTokenRepository, SecretStore,
            };
            use std::collections::BTreeMap;

            use crate::dialect::{Dialect as _, RequestPath as _};
            use crate::storage::{BULK_ROWS, like_pattern};
            use crate::error::{is_unique_violation, not_found_on_foreign_key, store_error, unique_as};
            use crate::rows::*;

            type Conn = <$db as sqlx::Database>::Connection;

            impl $storage {
                async fn conn(&self) -> StoreResult<sqlx::pool::PoolConnection<$db>> {
                    self.pool.acquire().await.map_err(store_error)
                }

                /// A connection for a write outside a transaction.
                async fn write_conn(&self) -> StoreResult<sqlx::pool::PoolConnection<$db>> {
                    self.writer().acquire().await.map_err(store_error)
                }

                async fn write(&self) -> StoreResult<sqlx::Transaction<'static, $db>> {
                    self.begin_write().await.map_err(store_error)
                }

                /// Locks the super spaces until the end of the transaction (SQLite: its
                /// `BEGIN IMMEDIATE` already did) and says whether the space with id `id` is the
                /// only one: of racing deletions or demotions, the later one sees the earlier.
                async fn is_last_super_space(conn: &mut Conn, id: i64) -> StoreResult<bool> {
                    let supers: Vec<i64> = sqlx::query_scalar(Self::sql(Self::LOCK_SUPER_SPACES))
                        .fetch_all(&mut *conn)
                        .await
                        .map_err(store_error)?;
                    Ok(supers == [id])
                }

                async fn space_by_id(conn: &mut Conn, id: i64) -> StoreResult<Option<Space>> {
                    let row: Option<SpaceRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        space_columns!(),
                        " FROM spaces WHERE id = ?"
                    )))
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    row.map(Space::try_from).transpose()
                }

                /// After a unique violation on `spaces`: which of domain, host or name is taken
                /// by another space. Asked outside the failed transaction (PostgreSQL refuses
                /// statements in an aborted one).
                async fn space_conflict(
                    &self,
                    except_id: i64,
                    domain: &str,
                    host: &str,
                    name: &str,
                ) -> StoreError {
                    let rows = sqlx::query(Self::sql(
                        "SELECT domain, host, name FROM spaces \
                         WHERE id <> ? AND (domain = ? OR host = ? OR name = ?)",
                    ))
                    .bind(except_id)
                    .bind(domain)
                    .bind(host)
                    .bind(name)
                    .fetch_all(&self.pool)
                    .await;
                    let rows = match rows {
                        Ok(rows) => rows,
                        Err(e) => return store_error(e),
                    };
                    let taken = |column: &str, value: &str| {
                        rows.iter().any(|r| {
                            r.try_get::<String, _>(column).is_ok_and(|v| v == value)
                        })
                    };
                    if taken("domain", domain) {
                        StoreError::Conflict(Conflict::SpaceDomain)
                    } else if taken("host", host) {
                        StoreError::Conflict(Conflict::SpaceHost)
                    } else if taken("name", name) {
                        StoreError::Conflict(Conflict::SpaceName)
                    } else {
                        // The other space went away meanwhile: still a conflict, on something.
                        StoreError::Conflict(Conflict::SpaceName)
                    }
                }

                /// The domain's account count, kept by the `account_counts` triggers (migration 15).
                async fn account_count(conn: &mut Conn, domain: &str) -> StoreResult<i64> {
                    let count: Option<i64> = sqlx::query_scalar(Self::sql(
                        "SELECT accounts FROM account_counts WHERE domain = ?",
                    ))
                    .bind(domain)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    Ok(count.unwrap_or_default())
                }

                async fn passwords_of(conn: &mut Conn, ids: &[i64]) -> StoreResult<Vec<PasswordRow>> {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut builder = sqlx::QueryBuilder::<$db>::new(
                        "SELECT account_id, password, algorithm FROM passwords WHERE account_id IN (",
                    );
                    let mut list = builder.separated(", ");
                    for id in ids {
                        list.push_bind(*id);
                    }
                    // Sorted here: an ORDER BY on the index's columns made PostgreSQL walk the
                    // whole (account_id, algorithm) index, filtering, rather than look the ids
                    // up (seconds per page at a million accounts).
                    builder.push(")");
                    let mut rows = builder
                        .build_query_as::<PasswordRow>()
                        .fetch_all(&mut *conn)
                        .await
                        .map_err(store_error)?;
                    rows.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                    Ok(rows)
                }

                /// Accounts with their passwords, in the order of `rows`.
                async fn with_passwords(
                    conn: &mut Conn,
                    rows: Vec<AccountRow>,
                ) -> StoreResult<Vec<Account>> {
                    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                    let mut passwords = Self::passwords_of(conn, &ids).await?;
                    rows.into_iter()
                        .map(|row| {
                            let mine = passwords
                                .extract_if(.., |p| p.account_id == row.id)
                                .map(Password::try_from)
                                .collect::<StoreResult<Vec<_>>>()?;
                            row.into_account(mine)
                        })
                        .collect()
                }

                async fn one_account(
                    conn: &mut Conn,
                    row: Option<AccountRow>,
                ) -> StoreResult<Option<Account>> {
                    match row {
                        None => Ok(None),
                        Some(row) => Ok(Self::with_passwords(conn, vec![row]).await?.pop()),
                    }
                }

                async fn account_in(conn: &mut Conn, id: i64) -> StoreResult<Option<Account>> {
                    let rows: Vec<AccountPasswordRow> = sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        account_password_columns!(),
                        " FROM accounts a LEFT JOIN passwords p ON p.account_id = a.id \
                         WHERE a.id = ? ORDER BY p.algorithm"
                    )))
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    account_from_joined(rows)
                }

                async fn insert_passwords(
                    conn: &mut Conn,
                    account_id: i64,
                    passwords: &[Password],
                ) -> StoreResult<()> {
                    for p in passwords {
                        sqlx::query(Self::sql(
                            "INSERT INTO passwords (account_id, password, algorithm) VALUES (?, ?, ?)",
                        ))
                        .bind(account_id)
                        .bind(&p.hash)
                        .bind(p.algorithm.as_str())
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| {
                            if is_unique_violation(&e) {
                                StoreError::Backend(format!(
                                    "two {} passwords given for one account",
                                    p.algorithm
                                ))
                            } else {
                                store_error(e)
                            }
                        })?;
                    }
                    Ok(())
                }

                async fn insert_dictionary(
                    conn: &mut Conn,
                    account_id: i64,
                    dictionary: &BTreeMap<String, String>,
                    now: DateTime<Utc>,
                ) -> StoreResult<()> {
                    for (key, value) in dictionary {
                        sqlx::query(Self::sql(
                            "INSERT INTO account_dictionary_entries \
                             (account_id, \"key\", value, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                        ))
                        .bind(account_id)
                        .bind(key)
                        .bind(value)
                        .bind(now)
                        .bind(now)
                        .execute(&mut *conn)
                        .await
                        .map_err(store_error)?;
                    }
                    Ok(())
                }

                async fn insert_api_key(conn: &mut Conn, new: NewApiKey) -> StoreResult<ApiKey> {
                    let created_at = ts(new.created_at);
                    let (kind, ip) = kind_columns(&new.kind);
                    let query = sqlx::query(Self::insert_sql(
                        "INSERT INTO api_keys \
                         (account_id, key_hash, name, kind, ip, last_used_at, requests, created_at) \
                         VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                    ))
                    .bind(new.account_id.0)
                    .bind(&new.key_hash)
                    .bind(&new.name)
                    .bind(kind)
                    .bind(ip)
                    .bind(created_at)
                    .bind(created_at);
                    let id = Self::insert_id(&mut *conn, query)
                        .await
                        .map_err(unique_as(Conflict::ApiKey))?;
                    Ok(ApiKey {
                        id: ApiKeyId(id),
                        account_id: new.account_id,
                        key_hash: new.key_hash,
                        name: new.name,
                        kind: new.kind,
                        last_used_at: created_at,
                        requests: 0,
                        created_at,
                    })
                }
            }

            crate::spaces::impl_spaces!($storage, $db);
            crate::accounts::impl_accounts!($storage, $db);
            crate::api_keys::impl_api_keys!($storage, $db);
            crate::nonces::impl_nonces!($storage, $db);
            crate::audit::impl_audit!($storage, $db);
            crate::auth_failures::impl_auth_failures!($storage, $db);
            crate::auth_tokens::impl_auth_tokens!($storage, $db);
            crate::dictionary::impl_dictionary!($storage, $db);
            crate::provisioning_tokens::impl_provisioning_tokens!($storage, $db);
            crate::creation_tokens::impl_creation_tokens!($storage, $db);
            crate::creation_request_tokens::impl_creation_request_tokens!($storage, $db);
            crate::account_types::impl_account_types!($storage, $db);
            crate::account_actions::impl_account_actions!($storage, $db);
            crate::phone_countries::impl_phone_countries!($storage, $db);
            crate::contacts::impl_contacts!($storage, $db);
            crate::contacts_lists::impl_contacts_lists!($storage, $db);
            crate::space_email_servers::impl_space_email_servers!($storage, $db);
            crate::change_codes::impl_change_codes!($storage, $db, Email, "email_change_codes", "email");
            crate::change_codes::impl_change_codes!($storage, $db, PhoneNumber, "phone_change_codes", "phone");
            crate::recovery_codes::impl_recovery_codes!($storage, $db);
            crate::registration_codes::impl_registration_codes!($storage, $db);
            crate::reset_password_tokens::impl_reset_password_tokens!($storage, $db);
            crate::account_recovery_tokens::impl_account_recovery_tokens!($storage, $db);
            crate::secrets::impl_secrets!($storage, $db);
            crate::call_forwardings::impl_call_forwardings!($storage, $db);
            crate::external_accounts::impl_external_accounts!($storage, $db);
            crate::voicemails::impl_voicemails!($storage, $db);
            crate::statistics::impl_statistics!($storage, $db);
            crate::wizards::impl_wizards!($storage, $db);
            crate::vcards::impl_vcards!($storage, $db);
            crate::carddavs::impl_carddavs!($storage, $db);

            #[async_trait]
            impl Storage for $storage {
                async fn ping(&self) -> StoreResult<()> {
                    sqlx::query(Self::sql("SELECT 1"))
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?;
                    Ok(())
                }

                fn pool_usage(&self) -> Option<flexiapi_domain::ports::PoolUsage> {
                    Some(flexiapi_domain::ports::PoolUsage {
                        open: self.pool.size(),
                        idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
                        max: self.pool.options().get_max_connections(),
                    })
                }
            }
        };
    };
}

pub(crate) use impl_storage;

/// `username`, `email` or `phone` contains the pattern, lower-cased on both sides. `!` escapes
/// LIKE wildcards because it needs no escaping itself in any of the three dialects.
macro_rules! search_condition {
    () => {
        "(LOWER(username) LIKE ? ESCAPE '!' OR LOWER(email) LIKE ? ESCAPE '!' \
         OR LOWER(phone) LIKE ? ESCAPE '!')"
    };
}
pub(crate) use search_condition;

/// The LIKE pattern for a search: the term lower-cased with its wildcards escaped, or everything.
pub(crate) fn like_pattern(search: Option<&str>) -> String {
    let Some(term) = search.filter(|s| !s.is_empty()) else {
        return "%".to_owned();
    };
    let mut pattern = String::from("%");
    for c in term.to_lowercase().chars() {
        if matches!(c, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// SQLite's and PostgreSQL's upsert of one dictionary entry.
pub(crate) const UPSERT_DICTIONARY_ENTRY_ON_CONFLICT: &str = "INSERT INTO account_dictionary_entries \
     (account_id, \"key\", value, created_at, updated_at) VALUES (?, ?, ?, ?, ?) \
     ON CONFLICT (account_id, \"key\") DO UPDATE SET value = excluded.value, \
     updated_at = excluded.updated_at";

/// The nonce statements of SQLite and MySQL (see [`Dialect::INSERT_NONCE`]).
pub(crate) const INSERT_NONCE: &str = "INSERT INTO digest_nonces \
     (opaque, nonce, username, domain, ip, nc, uses, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
pub(crate) const ADVANCE_NONCE: &str =
    "UPDATE digest_nonces SET nc = ?, uses = uses + 1 WHERE opaque = ? AND nc < ?";

/// PostgreSQL commits the nonce writes asynchronously (`synchronous_commit` off for their own
/// transaction only): they are visible to every process at once, as any commit, but do not wait
/// for the WAL flush, Digest's one write per request. A crash of the database server may lose
/// the last fraction of a second of them: a nonce issued then is unknown (the client is
/// challenged again), an `nc` advanced then may be answered once more, from the nonce's own
/// client address. Accounts, keys and every other write stay durable.
const INSERT_NONCE_ASYNC_COMMIT: &str = "INSERT INTO digest_nonces \
     (opaque, nonce, username, domain, ip, nc, uses, created_at) \
     SELECT ?, ?, ?, ?, ?, ?, ?, ? \
     FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit";
const ADVANCE_NONCE_ASYNC_COMMIT: &str = "UPDATE digest_nonces SET nc = ?, uses = uses + 1 \
     FROM (SELECT set_config('synchronous_commit', 'off', true)) AS async_commit \
     WHERE opaque = ? AND nc < ?";

/// Rows per multi-row statement of `insert_accounts`: 13 parameters each,
/// well under SQLite's 32766 and PostgreSQL's and MySQL's 65535.
pub(crate) const BULK_ROWS: usize = 500;

/// The request path of a backend that runs it on its pool like every other statement: its reads
/// are made again, once, when their connection was lost (see `retry_if_connection_lost`).
macro_rules! pooled_request_path {
    ($storage:ident) => {
        impl RequestPath for $storage {
            async fn request_account_by_id(&self, id: AccountId) -> StoreResult<Option<Account>> {
                retry_if_connection_lost(|| self.pooled_account_by_id(id)).await
            }

            async fn request_account_by_identity(
                &self,
                username: &Username,
                domain: &Domain,
            ) -> StoreResult<Option<Account>> {
                retry_if_connection_lost(|| self.pooled_account_by_identity(username, domain)).await
            }

            async fn request_account_details(
                &self,
                ids: &[AccountId],
            ) -> StoreResult<BTreeMap<AccountId, AccountDetails>> {
                retry_if_connection_lost(|| self.pooled_account_details(ids)).await
            }

            async fn request_api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
                retry_if_connection_lost(|| self.pooled_api_key_by_hash(key_hash)).await
            }

            async fn request_api_key_with_account(
                &self,
                key_hash: &str,
            ) -> StoreResult<Option<(ApiKey, Account)>> {
                retry_if_connection_lost(|| self.pooled_api_key_with_account(key_hash)).await
            }

            async fn request_insert_nonce(&self, nonce: DigestNonce) -> StoreResult<()> {
                self.pooled_insert_nonce(nonce).await
            }

            async fn request_nonce_by_opaque(
                &self,
                opaque: &str,
            ) -> StoreResult<Option<DigestNonce>> {
                retry_if_connection_lost(|| self.pooled_nonce_by_opaque(opaque)).await
            }

            async fn request_advance_nonce(&self, opaque: &str, nc: i64) -> StoreResult<bool> {
                self.pooled_advance_nonce(opaque, nc).await
            }

            async fn request_auth_failures_since(
                &self,
                keys: &[&str],
                since: DateTime<Utc>,
            ) -> StoreResult<Vec<(u64, Option<DateTime<Utc>>)>> {
                retry_if_connection_lost(|| self.pooled_auth_failures_since(keys, since)).await
            }
        }
    };
}

/// PostgreSQL. Account creation under `max_accounts` locks the space row (`FOR UPDATE`).
#[derive(Debug, Clone)]
pub struct PostgresStorage {
    pool: PgPool,
}

impl PostgresStorage {
    /// Every port on `pool`, which must be migrated ([`crate::SqlDatabase::migrate`]).
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// The PostgreSQL text of each statement, rewritten once.
static POSTGRES_SQL: StatementCache = StatementCache::new();
/// The PostgreSQL text of each insert answering its id, rewritten once.
static POSTGRES_INSERT_SQL: StatementCache = StatementCache::new();

impl Dialect for PostgresStorage {
    type Db = Postgres;

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    const LOCK_SPACE: &'static str = "SELECT id FROM spaces WHERE domain = ? FOR UPDATE";
    const LOCK_ACCOUNT: &'static str = "SELECT id FROM accounts WHERE id = ? FOR UPDATE";

    /// The super spaces' ids, locked in id order (no deadlock between two such transactions).
    const LOCK_SUPER_SPACES: &'static str =
        "SELECT id FROM spaces WHERE super = TRUE ORDER BY id FOR UPDATE";

    const RETURNING: bool = true;

    const UPSERT_DICTIONARY_ENTRY: &'static str = UPSERT_DICTIONARY_ENTRY_ON_CONFLICT;

    const INSERT_NONCE: &'static str = INSERT_NONCE_ASYNC_COMMIT;

    const ADVANCE_NONCE: &'static str = ADVANCE_NONCE_ASYNC_COMMIT;

    fn sql(sql: &'static str) -> SqlStr {
        // The rewrite only renumbers placeholders of constant SQL.
        POSTGRES_SQL.get(sql, dollar_placeholders)
    }

    /// The start of a `QueryBuilder` statement (which writes its own placeholders).
    fn identifiers(sql: &'static str) -> String {
        sql.to_owned()
    }

    fn insert_sql(sql: &'static str) -> SqlStr {
        POSTGRES_INSERT_SQL.get(sql, |sql| {
            format!("{} RETURNING id", dollar_placeholders(sql))
        })
    }

    async fn insert_id(
        conn: &mut PgConnection,
        query: QueryOf<'_, Postgres>,
    ) -> Result<i64, sqlx::Error> {
        query.fetch_one(conn).await?.try_get("id")
    }

    /// Until autovacuum gets to it, the planner would plan with the statistics of the tables
    /// before the import (one listing went from an index walk to sorting a million rows).
    async fn analyze_accounts(&self) -> Result<(), sqlx::Error> {
        sqlx::query("ANALYZE accounts, passwords")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.pool.begin().await
    }
}

pooled_request_path!(PostgresStorage);
impl_storage!(PostgresStorage, Postgres);

/// MySQL and MariaDB. Ids come from `LAST_INSERT_ID()` (MySQL has no `RETURNING`); account
/// creation under `max_accounts` locks the space row (`FOR UPDATE`).
#[derive(Debug, Clone)]
pub struct MySqlStorage {
    pool: MySqlPool,
}

impl MySqlStorage {
    /// Every port on `pool`, which must be migrated ([`crate::SqlDatabase::migrate`]).
    pub fn new(pool: MySqlPool) -> Self {
        Self { pool }
    }
}

/// The MySQL text of each statement with quoted identifiers, rewritten once.
static MYSQL_SQL: StatementCache = StatementCache::new();

impl Dialect for MySqlStorage {
    type Db = MySql;

    fn writer(&self) -> &MySqlPool {
        &self.pool
    }

    const LOCK_SPACE: &'static str = "SELECT id FROM spaces WHERE domain = ? FOR UPDATE";
    const LOCK_ACCOUNT: &'static str = "SELECT id FROM accounts WHERE id = ? FOR UPDATE";

    /// The super spaces' ids, locked in id order (no deadlock between two such transactions).
    const LOCK_SUPER_SPACES: &'static str =
        "SELECT id FROM spaces WHERE super = TRUE ORDER BY id FOR UPDATE";

    /// MySQL has no `RETURNING`: the ids are read back by identity.
    const RETURNING: bool = false;

    const UPSERT_DICTIONARY_ENTRY: &'static str = "INSERT INTO account_dictionary_entries \
         (account_id, `key`, value, created_at, updated_at) VALUES (?, ?, ?, ?, ?) \
         ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)";

    // InnoDB's flush at commit is a server-wide setting only: these commits stay durable.
    const INSERT_NONCE: &'static str = INSERT_NONCE;

    const ADVANCE_NONCE: &'static str = ADVANCE_NONCE;

    fn sql(sql: &'static str) -> SqlStr {
        if sql.contains('"') {
            // The rewrite only changes quoting characters of constant SQL.
            MYSQL_SQL.get(sql, backtick_identifiers)
        } else {
            sql.into_sql_str()
        }
    }

    fn insert_sql(sql: &'static str) -> SqlStr {
        Self::sql(sql)
    }

    /// The start of a `QueryBuilder` statement, with MySQL's identifier quotes.
    fn identifiers(sql: &'static str) -> String {
        Self::sql(sql).as_str().to_owned()
    }

    async fn insert_id(
        conn: &mut MySqlConnection,
        query: QueryOf<'_, MySql>,
    ) -> Result<i64, sqlx::Error> {
        let id = query.execute(conn).await?.last_insert_id();
        i64::try_from(id).map_err(|e| sqlx::Error::Decode(Box::new(e)))
    }

    /// InnoDB recomputes its statistics itself once a tenth of a table changed.
    async fn analyze_accounts(&self) -> Result<(), sqlx::Error> {
        Ok(())
    }

    async fn begin_write(&self) -> Result<Transaction<'static, MySql>, sqlx::Error> {
        self.pool.begin().await
    }
}

pooled_request_path!(MySqlStorage);
impl_storage!(MySqlStorage, MySql);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_match_wildcards_literally() {
        assert_eq!(like_pattern(None), "%");
        assert_eq!(like_pattern(Some("")), "%");
        assert_eq!(like_pattern(Some("Al_1%!")), "%al!_1!%!!%");
    }
}
