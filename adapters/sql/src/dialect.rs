//! What each backend supplies to the port implementations written once for all three
//! ([`Dialect`]), and the rewrites of the shared SQL (standard, with `?` placeholders) into a
//! backend's own.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};

use sqlx::pool::Pool;
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Database, SqlSafeStr, SqlStr, Transaction};

use crate::sqlite_reader::SqliteReader;

pub(crate) type QueryOf<'q, DB> = Query<'q, DB, <DB as Database>::Arguments>;

/// What a backend does differently, implemented by each storage struct so that the compiler
/// checks that every backend supplies all of it. The shared SQL double-quotes identifiers that
/// are reserved words (`key`); `sql` and `identifiers` turn them into backticks for MySQL.
pub(crate) trait Dialect {
    /// The sqlx database of this backend.
    type Db: Database;

    /// Locks the space row of the domain bound to `?` until the end of the transaction.
    const LOCK_SPACE: &'static str;

    /// The super spaces' ids, locked until the end of the transaction.
    const LOCK_SUPER_SPACES: &'static str;

    /// Whether an `INSERT` can answer its rows (`RETURNING`).
    const RETURNING: bool;

    /// What refreshes the planner's statistics after a bulk insert, if it needs it.
    const ANALYZE_ACCOUNTS: Option<&'static str>;

    /// The upsert of one dictionary entry.
    const UPSERT_DICTIONARY_ENTRY: &'static str;

    /// The pool of statements that write.
    fn writer(&self) -> &Pool<Self::Db>;

    /// The hottest reads on the calling thread, where the backend has such a path.
    fn fast(&self) -> Option<&SqliteReader>;

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

    /// Starts a write transaction.
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<Transaction<'static, Self::Db>, sqlx::Error>> + Send;
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
