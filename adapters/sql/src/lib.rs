//! sqlx implementations of the flexiapi ports for SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! One storage struct per backend ([`SqliteStorage`], [`PostgresStorage`], [`MySqlStorage`]), each
//! with its own pool, migrations (`migrations/<backend>/`) and SQL dialect; [`SqlDatabase`] picks
//! one from the URL scheme at run time. Queries are runtime `sqlx::query` calls, so building never
//! needs a database; the contract suite proves them against the three real servers.
//!
//! # Layout
//! - [`SqlDatabase`], [`Backend`], [`SqlError`]: connecting, migrating, handing out the storage.
//! - `storage`: the PostgreSQL and MySQL structs, their dialects and the shared helpers; one macro
//!   that expands every aggregate's port implementation per backend.
//! - `sqlite`: the SQLite struct, its dialect and its request path (the reads every request
//!   makes, on plain connections on the calling thread).
//! - `dialect`: the traits every backend implements, `Dialect` (placeholders, ids of inserts,
//!   write transactions, row locking) and `RequestPath` (where the request's reads run), and the
//!   rewrites of the shared SQL, each statement's once.
//! - `spaces`, `accounts`, `api_keys`, … (one module per aggregate): each port implementation,
//!   written once as a macro over the backend type.
//! - `rows`: row structs, their column lists (one definition for the `SELECT` and the decoding)
//!   and their conversion into domain entities.
//! - `error`: the one translation from `sqlx::Error` to `StoreError`.
//! - [`testing`] (feature `testing`): fresh, dropped databases for tests.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use flexiapi_domain::ports::Storage;
use sqlx::migrate::Migrator;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

mod account_actions;
mod account_recovery_tokens;
mod account_types;
mod accounts;
mod api_keys;
mod attempt_codes;
mod audit;
mod auth_failures;
mod auth_tokens;
mod call_forwardings;
mod carddavs;
mod change_codes;
mod contacts;
mod contacts_lists;
mod creation_request_tokens;
mod creation_tokens;
mod dialect;
mod dictionary;
mod error;
mod external_accounts;
pub mod legacy;
mod nonces;
mod phone_countries;
mod provisioning_tokens;
mod pushed_tokens;
mod recovery_codes;
mod registration_codes;
mod reset_password_tokens;
mod rows;
mod secrets;
mod space_email_servers;
mod spaces;
mod sqlite;
mod statistics;
mod storage;
#[cfg(feature = "testing")]
pub mod testing;
mod vcards;
mod voicemails;
mod wizards;

pub use sqlite::SqliteStorage;
pub use storage::{MySqlStorage, PostgresStorage};

static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");
static MYSQL_MIGRATOR: Migrator = sqlx::migrate!("migrations/mysql");

/// How long a caller waits for a pooled connection before the database counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Enough for a 2-core server; PostgreSQL's default limit is 100 connections.
pub(crate) const SERVER_POOL_SIZE: u32 = 10;
/// Readers of SQLite: WAL lets them run beside the writer; one per core is enough, as each
/// connection is also a thread of its own.
const SQLITE_READERS: u32 = 2;
/// How long SQLite waits for another writer before answering "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The database products this crate speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
    /// MySQL or MariaDB.
    MySql,
}

impl Backend {
    /// The backend a URL names by its scheme (`mariadb://` is MySQL), if any.
    pub fn from_url(url: &str) -> Option<Backend> {
        let scheme = url.split_once(':')?.0.to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            "mysql" | "mariadb" => Some(Backend::MySql),
            _ => None,
        }
    }
}

/// Why the database could not be opened or migrated. `Display` is one line for a CLI user, with
/// any password of the URL masked.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error(
        "unsupported database URL {url}: expected sqlite://, postgres://, postgresql://, mysql:// or mariadb://"
    )]
    UnknownScheme { url: String },
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot connect to the database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("cannot migrate the database {url}: {reason}")]
    Migrate { url: String, reason: String },
    /// The database holds the original (PHP) account manager's schema: migrating it in place
    /// would mix two schemas, so nothing is written.
    #[error(
        "the database {url} holds the original account manager's schema ({found}): flexiapi does not migrate it in place and wrote nothing; create an empty database and run `flexiapi --database <new database> import --from <this database>`"
    )]
    OriginalSchema { url: String, found: String },
    /// A database of the original account manager could not be read (`flexiapi import`).
    #[error("cannot read the original database {url}: {reason}")]
    Legacy { url: String, reason: String },
    /// `flexiapi backup` could not write its copy.
    #[error("cannot back up to {to}: {reason}")]
    Backup { to: String, reason: String },
    /// A test database could not be created or dropped (feature `testing`).
    #[error("test database on {url}: {reason}")]
    TestDatabase { url: String, reason: String },
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite {
        readers: SqlitePool,
        writer: SqlitePool,
        /// `None` for an in-memory database.
        reader: Option<Arc<sqlite::SqliteReader>>,
    },
    Postgres(PgPool),
    MySql(MySqlPool),
}

/// A pooled connection idle for longer than this is pinged before it is handed out.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(10);

/// The server pools' check before handing out a connection. sqlx's default pings every time: one
/// more round trip per statement. A connection in steady use is handed out as it is (should a
/// restarted server have closed it, the request path's reads are retried once, see
/// `error::retry_if_connection_lost`); one that sat idle, which a restart or a firewall more
/// likely dropped unseen, is pinged first and replaced when it does not answer.
async fn ping_if_idle<C: sqlx::Connection>(
    conn: &mut C,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> Result<bool, sqlx::Error> {
    if meta.idle_for < PING_WHEN_IDLE_FOR {
        return Ok(true);
    }
    Ok(conn.ping().await.is_ok())
}

/// Creates a missing SQLite database file readable by its owner only; SQLite then gives its
/// `-wal` and `-shm` files the same mode. Errors are left for the connection to report.
fn create_private(path: &std::path::Path) {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let _ = open.open(path);
}

/// A connected pool of one backend.
#[derive(Debug, Clone)]
pub struct SqlDatabase {
    pool: Pool,
    /// The URL with its password masked, for messages.
    display_url: String,
}

impl SqlDatabase {
    /// Connects to `sqlite://relative/path.sqlite`, `sqlite:///abs/path`, `sqlite::memory:`,
    /// `postgres://`, `postgresql://`, `mysql://` or `mariadb://` (treated as MySQL). SQLite files
    /// are created when missing.
    ///
    /// # Errors
    /// [`SqlError::UnknownScheme`], [`SqlError::InvalidUrl`] or [`SqlError::Connect`].
    pub async fn connect(url: &str) -> Result<SqlDatabase, SqlError> {
        let display_url = redact_url(url);
        let invalid = |e: sqlx::Error| SqlError::InvalidUrl {
            url: display_url.clone(),
            reason: one_line(&e),
        };
        let connect = |e: sqlx::Error| SqlError::Connect {
            url: display_url.clone(),
            reason: one_line(&e),
        };
        let pool = match Backend::from_url(url) {
            None => {
                return Err(SqlError::UnknownScheme {
                    url: display_url.clone(),
                });
            }
            Some(Backend::Sqlite) => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(invalid)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT);
                let in_memory = url.contains(":memory:") || url.contains("mode=memory");
                if !in_memory {
                    create_private(options.get_filename());
                }
                // No ping before each use: a connection to a local file does not go stale, and the
                // ping is one more round trip to the connection's thread for every query.
                let pool_options = SqlitePoolOptions::new()
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .test_before_acquire(false);
                // SQLite lets one connection write at a time, and a connection that finds the
                // database locked sleeps in its busy handler (1 ms, then longer). Writes go
                // through a pool of one connection instead, where they queue without sleeping.
                let single = pool_options
                    .clone()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
                let writer = single
                    .clone()
                    .connect_with(options.clone())
                    .await
                    .map_err(connect)?;
                let reader = (!in_memory).then(|| {
                    Arc::new(sqlite::SqliteReader::new(
                        options.get_filename().to_owned(),
                        SQLITE_BUSY_TIMEOUT,
                    ))
                });
                let readers = if in_memory {
                    // Each connection would get its own empty in-memory database, and closing the
                    // only one would lose the data: the one connection does everything.
                    writer.clone()
                } else {
                    pool_options
                        .max_connections(SQLITE_READERS)
                        .connect_with(options)
                        .await
                        .map_err(connect)?
                };
                Pool::Sqlite {
                    readers,
                    writer,
                    reader,
                }
            }
            Some(Backend::Postgres) => {
                let options = PgConnectOptions::from_str(url).map_err(invalid)?;
                probe::<sqlx::PgConnection>(&options)
                    .await
                    .map_err(connect)?;
                Pool::Postgres(
                    PgPoolOptions::new()
                        .max_connections(SERVER_POOL_SIZE)
                        .acquire_timeout(ACQUIRE_TIMEOUT)
                        .test_before_acquire(false)
                        .before_acquire(|conn, meta| Box::pin(ping_if_idle(conn, meta)))
                        .connect_lazy_with(options),
                )
            }
            Some(Backend::MySql) => {
                let url = match url.split_once(':') {
                    Some((_, rest)) => format!("mysql:{rest}"),
                    None => url.to_owned(),
                };
                let options = MySqlConnectOptions::from_str(&url).map_err(invalid)?;
                probe::<sqlx::MySqlConnection>(&options)
                    .await
                    .map_err(connect)?;
                Pool::MySql(
                    MySqlPoolOptions::new()
                        .max_connections(SERVER_POOL_SIZE)
                        .acquire_timeout(ACQUIRE_TIMEOUT)
                        .test_before_acquire(false)
                        .before_acquire(|conn, meta| Box::pin(ping_if_idle(conn, meta)))
                        // InnoDB's default (REPEATABLE READ) takes gap locks on searches, and
                        // two concurrent "retire this account's tokens, insert a new one" then
                        // deadlock. READ COMMITTED, as PostgreSQL, locks only rows it finds.
                        .after_connect(|conn, _| {
                            Box::pin(async move {
                                sqlx::Executor::execute(
                                    conn,
                                    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                                )
                                .await
                                .map(|_| ())
                            })
                        })
                        .connect_lazy_with(options),
                )
            }
        };
        Ok(SqlDatabase { pool, display_url })
    }

    /// Writes a consistent copy of a SQLite database to `to` (`VACUUM INTO`, on a reader
    /// connection: writers go on meanwhile, and the copy holds every transaction committed before
    /// it started, including those still in the WAL). `to` must not exist; it is created `0600`.
    ///
    /// # Errors
    /// [`SqlError::Backup`]: `to` exists or cannot be written, or the database is not a SQLite
    /// file (PostgreSQL and MySQL have their own dump tools).
    pub async fn backup_to(&self, to: &std::path::Path) -> Result<(), SqlError> {
        let fail = |reason: String| SqlError::Backup {
            to: to.display().to_string(),
            reason,
        };
        let Pool::Sqlite { readers, .. } = &self.pool else {
            return Err(fail(match self.backend() {
                Backend::Postgres => "this is a PostgreSQL database: use pg_dump".to_owned(),
                _ => "this is a MySQL/MariaDB database: use mariadb-dump (or mysqldump)".to_owned(),
            }));
        };
        // Created here, empty, so an existing file is refused rather than replaced (VACUUM INTO
        // writes into an empty file) and the copy is private from its first byte.
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        open.open(to).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => fail("the file exists; choose a new name".into()),
            _ => fail(e.to_string()),
        })?;
        let target = to
            .to_str()
            .ok_or_else(|| fail("the path is not valid UTF-8".into()))?
            .to_owned();
        let result = sqlx::query("VACUUM INTO ?1")
            .bind(target)
            .execute(readers)
            .await;
        if let Err(e) = result {
            let _ = std::fs::remove_file(to);
            return Err(fail(one_line(&e)));
        }
        Ok(())
    }

    /// Which backend the URL selected.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite { .. } => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
            Pool::MySql(_) => Backend::MySql,
        }
    }

    /// The URL this database was opened with, password masked.
    pub fn display_url(&self) -> &str {
        &self.display_url
    }

    /// Applies the embedded migrations of the backend; already applied ones are skipped, and
    /// PostgreSQL/MySQL take a lock so concurrent starts are safe. Then adds the phone countries
    /// of the domain's list the database lacks (`phone_countries`).
    ///
    /// # Errors
    /// [`SqlError::Migrate`] with the failing migration's reason.
    pub async fn migrate(&self) -> Result<(), SqlError> {
        if let Some(found) = self.original_schema().await? {
            return Err(SqlError::OriginalSchema {
                url: self.display_url.clone(),
                found,
            });
        }
        let result = match &self.pool {
            Pool::Sqlite { writer, .. } => SQLITE_MIGRATOR.run(writer).await,
            Pool::Postgres(pool) => POSTGRES_MIGRATOR.run(pool).await,
            Pool::MySql(pool) => MYSQL_MIGRATOR.run(pool).await,
        };
        let fail = |reason: String| SqlError::Migrate {
            url: self.display_url.clone(),
            reason: reason.replace('\n', " "),
        };
        result.map_err(|e| fail(e.to_string()))?;
        let seeded = match &self.pool {
            Pool::Sqlite {
                readers, writer, ..
            } => {
                SqliteStorage::new(readers.clone(), writer.clone())
                    .seed_phone_countries()
                    .await
            }
            Pool::Postgres(pool) => {
                PostgresStorage::new(pool.clone())
                    .seed_phone_countries()
                    .await
            }
            Pool::MySql(pool) => MySqlStorage::new(pool.clone()).seed_phone_countries().await,
        };
        seeded.map(|_| ()).map_err(|e| fail(e.to_string()))
    }

    /// What marks the database as the original account manager's, if it is one: Laravel's
    /// `migrations` table, or an `accounts` (or `spaces`) table without sqlx's
    /// `_sqlx_migrations`, the marker of ours. Only reads the catalogue.
    ///
    /// # Errors
    /// [`SqlError::Migrate`] when the catalogue cannot be read.
    pub async fn original_schema(&self) -> Result<Option<String>, SqlError> {
        const SQLITE: &str = "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name IN ('migrations', 'accounts', 'spaces', '_sqlx_migrations')";
        const POSTGRES: &str = "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() \
             AND table_name IN ('migrations', 'accounts', 'spaces', '_sqlx_migrations')";
        const MYSQL: &str = "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE() \
             AND table_name IN ('migrations', 'accounts', 'spaces', '_sqlx_migrations')";
        let tables: Result<Vec<String>, sqlx::Error> = match &self.pool {
            Pool::Sqlite { writer, .. } => sqlx::query_scalar(SQLITE).fetch_all(writer).await,
            Pool::Postgres(pool) => sqlx::query_scalar(POSTGRES).fetch_all(pool).await,
            Pool::MySql(pool) => sqlx::query_scalar(MYSQL).fetch_all(pool).await,
        };
        let tables = tables.map_err(|e| SqlError::Migrate {
            url: self.display_url.clone(),
            reason: one_line(&e),
        })?;
        Ok(original_marker(&tables))
    }

    /// Every port, on this pool.
    pub fn storage(&self) -> Arc<dyn Storage> {
        match &self.pool {
            Pool::Sqlite {
                readers,
                writer,
                reader,
            } => {
                let storage = SqliteStorage::new(readers.clone(), writer.clone());
                Arc::new(match reader {
                    Some(reader) => storage.with_reader(reader.clone()),
                    None => storage,
                })
            }
            Pool::Postgres(pool) => Arc::new(PostgresStorage::new(pool.clone())),
            Pool::MySql(pool) => Arc::new(MySqlStorage::new(pool.clone())),
        }
    }

    /// Closes every connection; storages handed out before answer `Unavailable` afterwards.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite {
                readers,
                writer,
                reader,
            } => {
                if let Some(reader) = reader {
                    reader.close();
                }
                readers.close().await;
                writer.close().await;
            }
            Pool::Postgres(pool) => pool.close().await,
            Pool::MySql(pool) => pool.close().await,
        }
    }
}

/// Which of `tables` (names found in the database) marks the original's schema.
fn original_marker(tables: &[String]) -> Option<String> {
    let has = |name: &str| tables.iter().any(|t| t.eq_ignore_ascii_case(name));
    if has("_sqlx_migrations") {
        // Ours (Laravel never creates this table).
        return None;
    }
    if has("migrations") {
        return Some("a `migrations` table of Laravel".into());
    }
    ["accounts", "spaces"]
        .into_iter()
        .find(|t| has(t))
        .map(|t| format!("a table `{t}` without flexiapi's `_sqlx_migrations`"))
}

/// Opens and closes one connection. The pool would retry a refused connection until its acquire
/// timeout and then report only "timed out"; a single attempt keeps the real reason.
async fn probe<C: sqlx::Connection>(options: &C::Options) -> Result<(), sqlx::Error> {
    let connection = tokio::time::timeout(ACQUIRE_TIMEOUT, C::connect_with(options))
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    connection.close().await
}

/// The URL with any password replaced by `***`; unparsable URLs keep only their scheme.
/// sqlx knows MySQL URLs as `mysql://`; MariaDB users write `mariadb://`.
pub(crate) fn mysql_scheme(url: &str) -> String {
    match url.split_once(':') {
        Some(("mariadb", rest)) => format!("mysql:{rest}"),
        _ => url.to_owned(),
    }
}

fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            parsed.to_string()
        }
        Err(_) => match url.split_once("://") {
            Some((scheme, rest)) => match rest.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://***@{host}"),
                None => url.to_owned(),
            },
            None => url.to_owned(),
        },
    }
}

/// An sqlx error as the one line a CLI user reads.
fn one_line(e: &sqlx::Error) -> String {
    let text = match e {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Configuration(c) => c.to_string(),
        sqlx::Error::PoolTimedOut => "timed out".to_owned(),
        other => other.to_string(),
    };
    text.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(m: &Migrator) -> Vec<(i64, String)> {
        m.iter()
            .map(|m| (m.version, m.description.to_string()))
            .collect()
    }

    #[test]
    fn the_three_migrators_list_the_same_versions_and_descriptions() {
        let sqlite = versions(&SQLITE_MIGRATOR);
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, versions(&POSTGRES_MIGRATOR));
        assert_eq!(sqlite, versions(&MYSQL_MIGRATOR));
    }

    #[test]
    fn passwords_never_appear_in_displayed_urls() {
        assert_eq!(
            redact_url("postgres://bob:s3cret@db:5432/x"),
            "postgres://bob:***@db:5432/x"
        );
        assert_eq!(
            redact_url("mysql://root@127.0.0.1/test"),
            "mysql://root@127.0.0.1/test"
        );
        assert!(!redact_url("mysql://u:p@ss@host/db").contains("p@ss"));
    }

    #[tokio::test]
    async fn unknown_schemes_and_malformed_urls_are_clear_errors() {
        let err = SqlDatabase::connect("oracle://u:secret@h/db")
            .await
            .unwrap_err();
        assert!(matches!(err, SqlError::UnknownScheme { .. }));
        assert!(!err.to_string().contains("secret"));
        let err = SqlDatabase::connect("nonsense").await.unwrap_err();
        assert!(matches!(err, SqlError::UnknownScheme { .. }), "{err}");
        let err = SqlDatabase::connect("postgres://u:secret@[bad/db")
            .await
            .unwrap_err();
        assert!(matches!(err, SqlError::InvalidUrl { .. }), "{err}");
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[tokio::test]
    async fn a_dead_server_is_a_one_line_connect_error() {
        // Port 1 on loopback: nothing listens there, so the refusal is immediate.
        let err = SqlDatabase::connect("postgres://postgres:pw@127.0.0.1:1/x")
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, SqlError::Connect { .. }), "{text}");
        assert!(
            text.starts_with("cannot connect to the database postgres://"),
            "{text}"
        );
        assert!(!text.contains("pw@") && !text.contains('\n'), "{text}");
    }

    #[tokio::test]
    async fn the_original_schema_is_told_from_ours_by_its_tables() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(original_marker(&[]), None, "empty: ours to create");
        assert_eq!(
            original_marker(&names(&["accounts", "_sqlx_migrations"])),
            None
        );
        assert!(
            original_marker(&names(&["migrations"]))
                .unwrap()
                .contains("Laravel")
        );
        assert!(
            original_marker(&names(&["ACCOUNTS"]))
                .unwrap()
                .contains("accounts")
        );
        assert!(original_marker(&names(&["spaces"])).is_some());
    }

    #[tokio::test]
    async fn an_in_memory_sqlite_database_migrates_twice_and_answers() {
        let db = SqlDatabase::connect("sqlite::memory:").await.unwrap();
        assert_eq!(db.backend(), Backend::Sqlite);
        db.migrate().await.unwrap();
        db.migrate().await.unwrap();
        db.storage().ping().await.unwrap();
        db.close().await;
    }
}
