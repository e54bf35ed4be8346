//! SQLite: the storage ([`SqliteStorage`]), its dialect, and its request path.
//!
//! The request path is what every authenticated request asks of storage (its credentials, nonce,
//! failure budget and account, [`RequestPath`]). sqlx runs each SQLite connection on a thread of
//! its own, and on two cores those thread switches cost far more than the queries (BENCHMARKS.md),
//! so these run on plain connections on the calling thread instead ([`reader`]), rows read by
//! column position ([`rows`]). Everything else, and every write but the Digest nonces', goes
//! through sqlx.

mod reader;
mod rows;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use flexiapi_domain::model::{
    Account, AccountDetails, AccountId, ApiKey, DigestNonce, Domain, Username,
};
use flexiapi_domain::ports::StoreResult;
use sqlx::sqlite::{Sqlite, SqliteConnection, SqlitePool};
use sqlx::{Row, SqlSafeStr, SqlStr, Transaction};

pub(crate) use self::reader::SqliteReader;
use crate::dialect::{Dialect, QueryOf, RequestPath, StatementCache};
use crate::storage::{
    ADVANCE_NONCE, INSERT_NONCE, UPSERT_DICTIONARY_ENTRY_ON_CONFLICT, impl_storage,
};

/// SQLite. Write transactions start with `BEGIN IMMEDIATE`: taking the write lock up front means
/// a transaction never fails half-way trying to upgrade a read lock, and it serializes the
/// check-then-insert of `max_accounts`.
#[derive(Debug, Clone)]
pub struct SqliteStorage {
    pool: SqlitePool,
    /// One connection: SQLite has one writer at a time, and writers that meet in SQLite sleep
    /// in its busy handler, while here they queue.
    writer: SqlitePool,
    /// The request path, on the calling thread; `None` for an in-memory database (which only
    /// sqlx's one connection sees): the request path then goes through sqlx too.
    reader: Option<Arc<SqliteReader>>,
}

impl SqliteStorage {
    /// Every port, reading on `pool` and writing on `writer` (which may be the same pool; give it
    /// one connection), migrated ([`crate::SqlDatabase::migrate`]).
    pub fn new(pool: SqlitePool, writer: SqlitePool) -> Self {
        Self {
            pool,
            writer,
            reader: None,
        }
    }

    /// The request path through `reader` instead of `pool` (same database file).
    pub(crate) fn with_reader(mut self, reader: Arc<SqliteReader>) -> Self {
        self.reader = Some(reader);
        self
    }
}

/// The SQLite text of each insert answering its id, written once.
static SQLITE_INSERT_SQL: StatementCache = StatementCache::new();

impl Dialect for SqliteStorage {
    type Db = Sqlite;

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    const LOCK_SPACE: &'static str = "SELECT id FROM spaces WHERE domain = ?";
    /// The `BEGIN IMMEDIATE` transaction already holds the write lock.
    const LOCK_ACCOUNT: &'static str = "SELECT id FROM accounts WHERE id = ?";

    /// The super spaces' ids; the `BEGIN IMMEDIATE` transaction already holds the write lock.
    const LOCK_SUPER_SPACES: &'static str = "SELECT id FROM spaces WHERE super = TRUE ORDER BY id";

    const RETURNING: bool = true;

    const UPSERT_DICTIONARY_ENTRY: &'static str = UPSERT_DICTIONARY_ENTRY_ON_CONFLICT;

    const INSERT_NONCE: &'static str = INSERT_NONCE;

    const ADVANCE_NONCE: &'static str = ADVANCE_NONCE;

    fn sql(sql: &'static str) -> SqlStr {
        sql.into_sql_str()
    }

    /// The start of a `QueryBuilder` statement (which writes its own placeholders).
    fn identifiers(sql: &'static str) -> String {
        sql.to_owned()
    }

    fn insert_sql(sql: &'static str) -> SqlStr {
        // Only a constant suffix is added to constant SQL.
        SQLITE_INSERT_SQL.get(sql, |sql| format!("{sql} RETURNING id"))
    }

    async fn insert_id(
        conn: &mut SqliteConnection,
        query: QueryOf<'_, Sqlite>,
    ) -> Result<i64, sqlx::Error> {
        query.fetch_one(conn).await?.try_get("id")
    }

    /// Nothing: SQLite's planner goes by the indexes, not by statistics.
    async fn analyze_accounts(&self) -> Result<(), sqlx::Error> {
        Ok(())
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }
}

/// On the reader when there is one; the nonce writes there only while no other connection holds
/// the write lock, else through sqlx's writer, which queues.
impl RequestPath for SqliteStorage {
    async fn request_account_by_id(&self, id: AccountId) -> StoreResult<Option<Account>> {
        match &self.reader {
            Some(reader) => reader.account_by_id(id),
            None => self.pooled_account_by_id(id).await,
        }
    }

    async fn request_account_by_identity(
        &self,
        username: &Username,
        domain: &Domain,
    ) -> StoreResult<Option<Account>> {
        match &self.reader {
            Some(reader) => reader.account_by_identity(username, domain),
            None => self.pooled_account_by_identity(username, domain).await,
        }
    }

    async fn request_account_details(
        &self,
        ids: &[AccountId],
    ) -> StoreResult<BTreeMap<AccountId, AccountDetails>> {
        match &self.reader {
            Some(reader) => reader.account_details(ids),
            None => self.pooled_account_details(ids).await,
        }
    }

    async fn request_api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
        match &self.reader {
            Some(reader) => reader.api_key_by_hash(key_hash),
            None => self.pooled_api_key_by_hash(key_hash).await,
        }
    }

    async fn request_api_key_with_account(
        &self,
        key_hash: &str,
    ) -> StoreResult<Option<(ApiKey, Account)>> {
        match &self.reader {
            Some(reader) => reader.api_key_with_account(key_hash),
            None => self.pooled_api_key_with_account(key_hash).await,
        }
    }

    async fn request_insert_nonce(&self, nonce: DigestNonce) -> StoreResult<()> {
        if let Some(result) = self
            .reader
            .as_ref()
            .and_then(|r| r.try_insert_nonce(&nonce))
        {
            return result;
        }
        self.pooled_insert_nonce(nonce).await
    }

    async fn request_nonce_by_opaque(&self, opaque: &str) -> StoreResult<Option<DigestNonce>> {
        match &self.reader {
            Some(reader) => reader.nonce_by_opaque(opaque),
            None => self.pooled_nonce_by_opaque(opaque).await,
        }
    }

    async fn request_advance_nonce(&self, opaque: &str, nc: i64) -> StoreResult<bool> {
        if let Some(result) = self
            .reader
            .as_ref()
            .and_then(|r| r.try_advance_nonce(opaque, nc))
        {
            return result;
        }
        self.pooled_advance_nonce(opaque, nc).await
    }

    async fn request_auth_failures_since(
        &self,
        keys: &[&str],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(u64, Option<DateTime<Utc>>)>> {
        match &self.reader {
            Some(reader) => reader.auth_failures_since(keys, since),
            None => self.pooled_auth_failures_since(keys, since).await,
        }
    }
}

impl_storage!(SqliteStorage, Sqlite);
