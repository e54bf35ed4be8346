//! The request path's statements on plain SQLite connections, run on the calling thread.
//!
//! sqlx runs every SQLite connection on a thread of its own: each statement is a message to that
//! thread and a wake-up back. On two cores that also run the HTTP workers, those thread switches
//! cost far more than the queries (BENCHMARKS.md: 70% of the server's CPU, SQLite itself under
//! 1%). The reads every authenticated request makes (the caller's key, nonce or account, the
//! failure budget, what `/accounts/me` shows) go through plain connections used directly by the
//! caller instead. In WAL mode a reader never waits for the writer, so the caller is held for the
//! query alone: microseconds on cached pages. Writes stay on sqlx's single writer.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    Account, AccountDetails, AccountId, ApiKey, DigestNonce, Domain, ProvisioningToken, Username,
};
use rusqlite::{Connection, OpenFlags, params, params_from_iter};

use super::rows::{decode_ts, encode_ts, read_row, sqlite_error};
use crate::rows::{
    AccountPasswordRow, ApiKeyRow, NonceRow, ProvisioningTokenRow, account_from_joined,
    account_password_columns, add_detail_row, api_key_columns, nonce_columns,
    provisioning_token_columns,
};

/// How many failures a key has in the window, and the oldest of them.
type FailureCount = (u64, Option<DateTime<Utc>>);

/// The account (every column) and its passwords, one row per password, for one `WHERE`.
macro_rules! account_with_passwords_where {
    ($condition:literal) => {
        concat!(
            "SELECT ",
            account_password_columns!(),
            " FROM accounts a LEFT JOIN passwords p ON p.account_id = a.id WHERE ",
            $condition,
            " ORDER BY p.algorithm"
        )
    };
}

/// Idle connections kept; more only exist while more threads read at once.
const MAX_IDLE: usize = 8;

/// Plain SQLite connections to one database file, for reads only.
#[derive(Debug)]
pub(crate) struct SqliteReader {
    path: PathBuf,
    busy_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
    /// The Digest nonce writes (one per Digest request): tried here first, given up to sqlx's
    /// writer the moment the database is busy.
    nonce_writer: Mutex<Option<Connection>>,
    closed: AtomicBool,
}

impl SqliteReader {
    pub(crate) fn new(path: PathBuf, busy_timeout: Duration) -> Self {
        Self {
            path,
            busy_timeout,
            idle: Mutex::new(Vec::new()),
            nonce_writer: Mutex::new(None),
            closed: AtomicBool::new(false),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(self.busy_timeout)?;
        // A reader by construction: a statement that writes is refused.
        conn.pragma_update(None, "query_only", true)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(conn)
    }

    /// Runs `f` on an idle connection (or a new one), then keeps the connection for the next
    /// caller.
    fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable("the database is closed".into()));
        }
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let conn = match idle {
            Some(conn) => conn,
            None => self.open().map_err(sqlite_error)?,
        };
        let result = f(&conn);
        if !self.closed.load(Ordering::Acquire)
            && let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
        result
    }

    /// Runs the write `f` on this reader's write connection unless another connection holds the
    /// write lock: then `None`, and the caller goes through sqlx's writer, which queues. Waiting
    /// here would hold a runtime thread, maybe the one that must drive the lock holder's
    /// transaction to its end.
    /// A constraint violation answers `on_constraint` when given.
    fn try_write<T>(
        &self,
        on_constraint: Option<Conflict>,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Option<Result<T, StoreError>> {
        if self.closed.load(Ordering::Acquire) {
            return Some(Err(StoreError::Unavailable(
                "the database is closed".into(),
            )));
        }
        let mut slot = self.nonce_writer.lock().ok()?;
        if slot.is_none() {
            let open = || -> rusqlite::Result<Connection> {
                let conn = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_WRITE
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )?;
                conn.busy_timeout(Duration::ZERO)?;
                // As sqlx's connections: WAL makes NORMAL safe (no fsync per commit).
                conn.pragma_update(None, "synchronous", "NORMAL")?;
                conn.set_prepared_statement_cache_capacity(8);
                Ok(conn)
            };
            *slot = Some(open().ok()?);
        }
        let conn = slot.as_ref()?;
        match f(conn) {
            Ok(value) => Some(Ok(value)),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) =>
            {
                None
            }
            Err(e) => Some(Err(match (on_constraint, e.sqlite_error_code()) {
                (Some(conflict), Some(rusqlite::ErrorCode::ConstraintViolation)) => {
                    StoreError::Conflict(conflict)
                }
                _ => sqlite_error(e),
            })),
        }
    }

    /// [`flexiapi_domain::ports::NonceStore::advance_nonce`], or `None`: use sqlx's writer.
    pub(crate) fn try_advance_nonce(
        &self,
        opaque: &str,
        nc: i64,
    ) -> Option<Result<bool, StoreError>> {
        self.try_write(None, |conn| {
            conn.prepare_cached(
                "UPDATE digest_nonces SET nc = ?, uses = uses + 1 WHERE opaque = ? AND nc < ?",
            )?
            .execute(params![nc, opaque, nc])
            .map(|changed| changed == 1)
        })
    }

    /// [`flexiapi_domain::ports::NonceStore::insert_nonce`], or `None`: use sqlx's writer.
    pub(crate) fn try_insert_nonce(&self, nonce: &DigestNonce) -> Option<Result<(), StoreError>> {
        self.try_write(Some(Conflict::Nonce), |conn| {
            conn.prepare_cached(
                "INSERT INTO digest_nonces \
                 (opaque, nonce, username, domain, ip, nc, uses, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )?
            .execute(params![
                nonce.opaque,
                nonce.nonce,
                nonce.username,
                nonce.domain,
                nonce.ip,
                nonce.nc,
                nonce.uses,
                encode_ts(nonce.created_at)
            ])
            .map(|_| ())
        })
    }

    /// Drops the idle connections; every later read answers `Unavailable`.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
        if let Ok(mut writer) = self.nonce_writer.lock() {
            writer.take();
        }
    }

    pub(crate) fn account_by_id(&self, id: AccountId) -> Result<Option<Account>, StoreError> {
        self.read(|conn| {
            joined_account(
                conn,
                account_with_passwords_where!("a.id = ?"),
                params![id.0],
            )
        })
    }

    pub(crate) fn account_by_identity(
        &self,
        username: &Username,
        domain: &Domain,
    ) -> Result<Option<Account>, StoreError> {
        self.read(|conn| {
            joined_account(
                conn,
                account_with_passwords_where!("a.username = ? AND a.domain = ?"),
                params![username.as_str(), domain.as_str()],
            )
        })
    }

    pub(crate) fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>, StoreError> {
        self.read(|conn| {
            optional_row(
                conn,
                concat!(
                    "SELECT ",
                    api_key_columns!(),
                    " FROM api_keys WHERE key_hash = ?"
                ),
                params![key_hash],
                |row| read_row(row, ApiKeyRow::read_columns)?.try_into(),
            )
        })
    }

    /// The key and its account, read on this thread one after the other: no round trip to
    /// save here, so no join to maintain.
    pub(crate) fn api_key_with_account(
        &self,
        key_hash: &str,
    ) -> Result<Option<(ApiKey, Account)>, StoreError> {
        let Some(key) = self.api_key_by_hash(key_hash)? else {
            return Ok(None);
        };
        Ok(self.account_by_id(key.account_id)?.map(|a| (key, a)))
    }

    pub(crate) fn nonce_by_opaque(&self, opaque: &str) -> Result<Option<DigestNonce>, StoreError> {
        self.read(|conn| {
            optional_row(
                conn,
                concat!(
                    "SELECT ",
                    nonce_columns!(),
                    " FROM digest_nonces WHERE opaque = ?"
                ),
                params![opaque],
                |row| Ok(read_row(row, NonceRow::read_columns)?.into()),
            )
        })
    }

    pub(crate) fn auth_failures_since(
        &self,
        keys: &[&str],
        since: DateTime<Utc>,
    ) -> Result<Vec<FailureCount>, StoreError> {
        let since = encode_ts(since);
        self.read(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT COUNT(*), MIN(created_at) FROM auth_failures \
                     WHERE failure_key = ? AND created_at > ?",
                )
                .map_err(sqlite_error)?;
            keys.iter()
                .map(|key| {
                    let (count, oldest): (i64, Option<String>) = stmt
                        .query_row(params![key, since], |row| Ok((row.get(0)?, row.get(1)?)))
                        .map_err(sqlite_error)?;
                    let oldest = oldest
                        .map(|t| decode_ts("auth_failures.created_at", &t))
                        .transpose()?;
                    Ok((count.max(0) as u64, oldest))
                })
                .collect()
        })
    }

    /// [`flexiapi_domain::ports::AccountRepository::account_details`], in one statement (two when
    /// an account has a provisioning token).
    pub(crate) fn account_details(
        &self,
        ids: &[AccountId],
    ) -> Result<BTreeMap<AccountId, AccountDetails>, StoreError> {
        let mut details: BTreeMap<AccountId, AccountDetails> = ids
            .iter()
            .map(|id| (*id, AccountDetails::default()))
            .collect();
        if ids.is_empty() {
            return Ok(details);
        }
        let list = vec!["?"; ids.len()].join(", ");
        let sql = format!(
            "SELECT account_id, 'd', id, \"key\", value FROM account_dictionary_entries \
             WHERE account_id IN ({list}) \
             UNION ALL SELECT l.account_id, 't', t.id, t.\"key\", NULL FROM account_account_type l \
             JOIN account_types t ON t.id = l.account_type_id WHERE l.account_id IN ({list}) \
             UNION ALL SELECT account_id, 'a', id, \"key\", code FROM account_actions \
             WHERE account_id IN ({list}) \
             UNION ALL SELECT account_id, 'p', id, token, NULL FROM provisioning_tokens \
             WHERE used = 0 AND account_id IN ({list}) \
             UNION ALL SELECT account_id, 'e', id, '', NULL FROM email_change_codes \
             WHERE code IS NOT NULL AND account_id IN ({list}) \
             UNION ALL SELECT account_id, 'f', id, '', NULL FROM phone_change_codes \
             WHERE code IS NOT NULL AND account_id IN ({list}) \
             UNION ALL SELECT account_id, 'c', space_carddav_server_id, '', NULL \
             FROM account_carddav_credentials WHERE account_id IN ({list}) \
             ORDER BY 1, 2, 3"
        );
        let bound = ids.iter().map(|id| id.0).cycle().take(ids.len() * 7);
        self.read(|conn| {
            let mut tokens: Vec<(i64, i64)> = Vec::new();
            {
                let mut stmt = conn.prepare_cached(&sql).map_err(sqlite_error)?;
                let mut rows = stmt.query(params_from_iter(bound)).map_err(sqlite_error)?;
                while let Some(row) = rows.next().map_err(sqlite_error)? {
                    let row = (
                        row.get(0).map_err(sqlite_error)?,
                        row.get(1).map_err(sqlite_error)?,
                        row.get(2).map_err(sqlite_error)?,
                        row.get(3).map_err(sqlite_error)?,
                        row.get(4).map_err(sqlite_error)?,
                    );
                    add_detail_row(&mut details, &mut tokens, row);
                }
            }
            if !tokens.is_empty() {
                let list = vec!["?"; tokens.len()].join(", ");
                let sql = format!(
                    concat!(
                        "SELECT ",
                        provisioning_token_columns!(),
                        " FROM provisioning_tokens WHERE id IN ({})"
                    ),
                    list
                );
                let mut stmt = conn.prepare(&sql).map_err(sqlite_error)?;
                let mut rows = stmt
                    .query(params_from_iter(tokens.iter().map(|(_, id)| *id)))
                    .map_err(sqlite_error)?;
                while let Some(row) = rows.next().map_err(sqlite_error)? {
                    let token =
                        ProvisioningToken::from(read_row(row, ProvisioningTokenRow::read_columns)?);
                    if let Some(d) = details.get_mut(&token.account_id) {
                        d.provisioning_token = Some(token);
                    }
                }
            }
            Ok(())
        })?;
        Ok(details)
    }
}

/// The first row of `sql`, decoded, if any.
fn optional_row<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    decode: impl FnOnce(&rusqlite::Row<'_>) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(sqlite_error)?;
    let mut rows = stmt.query(params).map_err(sqlite_error)?;
    match rows.next().map_err(sqlite_error)? {
        Some(row) => decode(row).map(Some),
        None => Ok(None),
    }
}

fn joined_account(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Option<Account>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(sqlite_error)?;
    let mut rows = stmt.query(params).map_err(sqlite_error)?;
    let mut joined = Vec::with_capacity(2);
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        joined.push(read_row(row, AccountPasswordRow::read_columns)?);
    }
    account_from_joined(joined)
}
