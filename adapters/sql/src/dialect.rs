//! What each backend supplies to the port implementations written once for all three
//! ([`Dialect`], [`RequestPath`]), and the rewrites of the shared SQL (standard, with `?`
//! placeholders) into a backend's own, each statement rewritten once ([`StatementCache`]).

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use flexiapi_domain::model::{
    Account, AccountDetails, AccountId, ApiKey, DigestNonce, Domain, Username,
};
use flexiapi_domain::ports::StoreResult;
use sqlx::pool::Pool;
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Database, SqlSafeStr, SqlStr, Transaction};

pub(crate) type QueryOf<'q, DB> = Query<'q, DB, <DB as Database>::Arguments>;

/// What a backend does differently, implemented by each storage struct so that the compiler
/// checks that every backend supplies all of it. The shared SQL double-quotes identifiers that
/// are reserved words (`key`); `sql` and `identifiers` turn them into backticks for MySQL.
pub(crate) trait Dialect {
    /// The sqlx database of this backend.
    type Db: Database;

    /// Locks the space row of the domain bound to `?` until the end of the transaction.
    const LOCK_SPACE: &'static str;

    /// Locks the account row of the id bound to `?` until the end of the transaction.
    const LOCK_ACCOUNT: &'static str;

    /// The super spaces' ids, locked until the end of the transaction.
    const LOCK_SUPER_SPACES: &'static str;

    /// Whether an `INSERT` can answer its rows (`RETURNING`).
    const RETURNING: bool;

    /// The upsert of one dictionary entry.
    const UPSERT_DICTIONARY_ENTRY: &'static str;

    /// The insert of a Digest nonce, binding opaque, nonce, username, domain, ip, nc, uses and
    /// created_at.
    const INSERT_NONCE: &'static str;

    /// The advance of a nonce's `nc` when it grows, binding nc, opaque and nc again.
    const ADVANCE_NONCE: &'static str;

    /// The pool of statements that write.
    fn writer(&self) -> &Pool<Self::Db>;

    /// The shared SQL `sql` in this dialect.
    fn sql(sql: &'static str) -> SqlStr;

    /// The start of a `QueryBuilder` statement (which writes its own placeholders).
    fn identifiers(sql: &'static str) -> String;

    /// The shared `INSERT` `sql` in this dialect, made to answer the id if it can (`RETURNING`).
    fn insert_sql(sql: &'static str) -> SqlStr;

    /// Runs an insert made from [`Dialect::insert_sql`] and answers the new row's id.
    fn insert_id(
        conn: &mut <Self::Db as Database>::Connection,
        query: QueryOf<'_, Self::Db>,
    ) -> impl Future<Output = Result<i64, sqlx::Error>> + Send;

    /// Refreshes the planner's statistics of `accounts` and `passwords` after a bulk insert, where
    /// the planner needs it.
    fn analyze_accounts(&self) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

    /// Starts a write transaction.
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

/// Where each backend runs what every authenticated request asks of storage: its credentials,
/// nonce, failure budget and account. The port methods of these call their hook here. PostgreSQL
/// and MySQL run them on their pool like any other statement (the `pooled_*` methods, written
/// once in the aggregates' macros); SQLite on the calling thread (`crate::sqlite`).
pub(crate) trait RequestPath {
    /// [`AccountRepository::account_by_id`](flexiapi_domain::ports::AccountRepository::account_by_id).
    fn request_account_by_id(
        &self,
        id: AccountId,
    ) -> impl Future<Output = StoreResult<Option<Account>>> + Send;

    /// [`AccountRepository::account_by_identity`](flexiapi_domain::ports::AccountRepository::account_by_identity).
    fn request_account_by_identity(
        &self,
        username: &Username,
        domain: &Domain,
    ) -> impl Future<Output = StoreResult<Option<Account>>> + Send;

    /// [`AccountRepository::account_details`](flexiapi_domain::ports::AccountRepository::account_details).
    fn request_account_details(
        &self,
        ids: &[AccountId],
    ) -> impl Future<Output = StoreResult<BTreeMap<AccountId, AccountDetails>>> + Send;

    /// [`ApiKeyRepository::api_key_by_hash`](flexiapi_domain::ports::ApiKeyRepository::api_key_by_hash).
    fn request_api_key_by_hash(
        &self,
        key_hash: &str,
    ) -> impl Future<Output = StoreResult<Option<ApiKey>>> + Send;

    /// [`ApiKeyRepository::api_key_with_account`](flexiapi_domain::ports::ApiKeyRepository::api_key_with_account).
    fn request_api_key_with_account(
        &self,
        key_hash: &str,
    ) -> impl Future<Output = StoreResult<Option<(ApiKey, Account)>>> + Send;

    /// [`NonceStore::insert_nonce`](flexiapi_domain::ports::NonceStore::insert_nonce).
    fn request_insert_nonce(
        &self,
        nonce: DigestNonce,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// [`NonceStore::nonce_by_opaque`](flexiapi_domain::ports::NonceStore::nonce_by_opaque).
    fn request_nonce_by_opaque(
        &self,
        opaque: &str,
    ) -> impl Future<Output = StoreResult<Option<DigestNonce>>> + Send;

    /// [`NonceStore::advance_nonce`](flexiapi_domain::ports::NonceStore::advance_nonce).
    fn request_advance_nonce(
        &self,
        opaque: &str,
        nc: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// [`AuthFailureStore::auth_failures_since`](flexiapi_domain::ports::AuthFailureStore::auth_failures_since).
    fn request_auth_failures_since(
        &self,
        keys: &[&str],
        since: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Vec<(u64, Option<DateTime<Utc>>)>>> + Send;
}

/// Statement texts rewritten once each: keyed by the constant SQL they were rewritten from, so
/// the map holds at most one entry per statement written in this crate.
pub(crate) struct StatementCache(RwLock<Option<HashMap<&'static str, Arc<str>>>>);

impl StatementCache {
    pub(crate) const fn new() -> Self {
        Self(RwLock::new(None))
    }

    /// `rewrite(sql)`, computed on the first call for this `sql` only.
    pub(crate) fn get(&self, sql: &'static str, rewrite: impl FnOnce(&str) -> String) -> SqlStr {
        let cached = self
            .0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .and_then(|map| map.get(sql).cloned());
        let text = match cached {
            Some(text) => text,
            None => {
                let text: Arc<str> = rewrite(sql).into();
                self.0
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert_with(HashMap::new)
                    .entry(sql)
                    .or_insert(text)
                    .clone()
            }
        };
        // Only a rewrite of constant SQL.
        AssertSqlSafe(text).into_sql_str()
    }
}

/// PostgreSQL wants `$1, $2, …` where the shared SQL says `?`.
pub(crate) fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let (mut n, mut quoted) = (0, false);
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// MySQL quotes identifiers with backticks where the shared SQL (standard) uses double quotes.
pub(crate) fn backtick_identifiers(sql: &str) -> String {
    let mut quoted = false;
    sql.chars()
        .map(|c| match c {
            '\'' => {
                quoted = !quoted;
                c
            }
            '"' if !quoted => '`',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            dollar_placeholders("a = ? AND b LIKE ? ESCAPE '?' OR c = ?"),
            "a = $1 AND b LIKE $2 ESCAPE '?' OR c = $3"
        );
    }

    #[test]
    fn statements_are_rewritten_once_each() {
        static CACHE: StatementCache = StatementCache::new();
        let mut rewrites = 0;
        for _ in 0..2 {
            let sql = CACHE.get("a = ?", |sql| {
                rewrites += 1;
                dollar_placeholders(sql)
            });
            assert_eq!(sql.as_str(), "a = $1");
        }
        assert_eq!(rewrites, 1);
    }

    #[test]
    fn mysql_quotes_identifiers_with_backticks_outside_literals() {
        assert_eq!(
            backtick_identifiers(r#"SELECT "key" FROM t WHERE v = '"x"'"#),
            r#"SELECT `key` FROM t WHERE v = '"x"'"#
        );
    }
}
