//! Fresh, named, dropped databases for tests (feature `testing`).
//!
//! PostgreSQL and MySQL: connects to the maintenance URL from `FLEXIAPI_TEST_POSTGRES_URL` /
//! `FLEXIAPI_TEST_MYSQL_URL`, creates `flexiapi_t_<unix seconds>_<random>`, migrates it, and drops
//! it in [`TestDatabase::drop_database`]. The creation time in the name lets the first creation
//! of a process sweep databases older than an hour that crashed tests left behind. SQLite gets a
//! file in a temporary directory. A server that cannot be reached is an error, never a skip.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use flexiapi_domain::ports::Storage;
use sqlx::{AssertSqlSafe, Connection, Executor, MySqlConnection, PgConnection, Row};

use crate::{Backend, SqlDatabase, SqlError, mysql_scheme, one_line, redact_url};

pub const POSTGRES_URL_VAR: &str = "FLEXIAPI_TEST_POSTGRES_URL";
pub const MYSQL_URL_VAR: &str = "FLEXIAPI_TEST_MYSQL_URL";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/test";
const PREFIX: &str = "flexiapi_t_";
const STALE_AFTER_SECS: u64 = 3600;

static SWEPT: [AtomicBool; 2] = [AtomicBool::new(false), AtomicBool::new(false)];

/// A migrated database of its own, for one test.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    database: SqlDatabase,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    /// The directory is deleted when dropped.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Server {
        maintenance_url: String,
        name: String,
    },
}

impl TestDatabase {
    /// Creates and migrates a fresh database on `backend`.
    ///
    /// # Errors
    /// [`SqlError`] naming the server when it cannot be reached or refuses to create it.
    pub async fn create(backend: Backend) -> Result<TestDatabase, SqlError> {
        Self::create_with(backend, true).await
    }

    /// A fresh database without flexiapi's tables (to build another schema in it).
    ///
    /// # Errors
    /// As [`TestDatabase::create`].
    pub async fn create_blank(backend: Backend) -> Result<TestDatabase, SqlError> {
        Self::create_with(backend, false).await
    }

    async fn create_with(backend: Backend, migrate: bool) -> Result<TestDatabase, SqlError> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().map_err(|e| SqlError::TestDatabase {
                    url: "sqlite".into(),
                    reason: e.to_string(),
                })?;
                let url = format!("sqlite://{}", dir.path().join("test.sqlite").display());
                Self::open(url, Cleanup::Sqlite(dir), migrate).await
            }
            Backend::Postgres | Backend::MySql => {
                let maintenance_url = maintenance_url(backend);
                sweep_once(backend, &maintenance_url).await;
                let name = format!(
                    "{PREFIX}{}_{}",
                    unix_now(),
                    &uuid::Uuid::new_v4().simple().to_string()[..12]
                );
                let fail = |reason: String| SqlError::TestDatabase {
                    url: redact_url(&maintenance_url),
                    reason: format!(
                        "{reason} (set {} to a server where the user may create databases)",
                        if backend == Backend::Postgres {
                            POSTGRES_URL_VAR
                        } else {
                            MYSQL_URL_VAR
                        }
                    ),
                };
                admin_execute(
                    backend,
                    &maintenance_url,
                    &format!("CREATE DATABASE {name}"),
                )
                .await
                .map_err(|e| fail(one_line(&e)))?;
                let mut url = url::Url::parse(&maintenance_url).map_err(|e| fail(e.to_string()))?;
                url.set_path(&name);
                Self::open(
                    url.to_string(),
                    Cleanup::Server {
                        maintenance_url,
                        name,
                    },
                    migrate,
                )
                .await
            }
        }
    }

    async fn open(url: String, cleanup: Cleanup, migrate: bool) -> Result<TestDatabase, SqlError> {
        let database = SqlDatabase::connect(&url).await?;
        let test = TestDatabase {
            url,
            database,
            cleanup,
        };
        if !migrate {
            return Ok(test);
        }
        if let Err(e) = test.database.migrate().await {
            test.drop_database().await;
            return Err(e);
        }
        Ok(test)
    }

    /// The database's own URL (for a server process under test).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The migrated pool on this database.
    pub fn database(&self) -> &SqlDatabase {
        &self.database
    }

    /// Every port on this database.
    pub fn storage(&self) -> Arc<dyn Storage> {
        self.database.storage()
    }

    /// Closes the pool and drops the database. Failures are printed, not raised: the sweep of a
    /// later run removes what is left.
    pub async fn drop_database(self) {
        self.database.close().await;
        if let Cleanup::Server {
            maintenance_url,
            name,
        } = &self.cleanup
        {
            let backend = self.database.backend();
            if let Err(e) = admin_execute(backend, maintenance_url, &drop_sql(backend, name)).await
            {
                eprintln!("warning: cannot drop test database {name}: {e}");
            }
        }
    }
}

fn maintenance_url(backend: Backend) -> String {
    let (var, default) = match backend {
        Backend::MySql => (MYSQL_URL_VAR, DEFAULT_MYSQL_URL),
        _ => (POSTGRES_URL_VAR, DEFAULT_POSTGRES_URL),
    };
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

fn drop_sql(backend: Backend, name: &str) -> String {
    match backend {
        // FORCE ends sessions a failed test may have left open.
        Backend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        _ => format!("DROP DATABASE IF EXISTS {name}"),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// Runs one statement on the maintenance database. `sql` only ever holds names this module made.
async fn admin_execute(backend: Backend, url: &str, sql: &str) -> Result<(), sqlx::Error> {
    match backend {
        Backend::Postgres => {
            let mut conn = PgConnection::connect(url).await?;
            conn.execute(AssertSqlSafe(sql.to_owned())).await?;
            conn.close().await
        }
        Backend::MySql => {
            let mut conn = MySqlConnection::connect(&mysql_scheme(url)).await?;
            conn.execute(AssertSqlSafe(sql.to_owned())).await?;
            conn.close().await
        }
        Backend::Sqlite => Ok(()),
    }
}

/// Drops `flexiapi_t_*` databases older than an hour, once per process and backend. Best effort.
async fn sweep_once(backend: Backend, url: &str) {
    let slot = usize::from(backend == Backend::MySql);
    if SWEPT[slot].swap(true, Ordering::SeqCst) {
        return;
    }
    let names: Result<Vec<String>, sqlx::Error> = async {
        let rows = match backend {
            Backend::Postgres => {
                let mut conn = PgConnection::connect(url).await?;
                sqlx::query("SELECT datname AS name FROM pg_database WHERE datname LIKE 'flexiapi!_t!_%' ESCAPE '!'")
                    .fetch_all(&mut conn)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<String, _>("name"))
                    .collect::<Result<Vec<_>, _>>()?
            }
            _ => {
                let mut conn = MySqlConnection::connect(&mysql_scheme(url)).await?;
                sqlx::query("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'flexiapi!_t!_%' ESCAPE '!'")
                    .fetch_all(&mut conn)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<String, _>("name"))
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        Ok(rows)
    }
    .await;
    let now = unix_now();
    for name in names.unwrap_or_default() {
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        let valid = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if valid && created.is_some_and(|at| now.saturating_sub(at) > STALE_AFTER_SECS) {
            let _ = admin_execute(backend, url, &drop_sql(backend, &name)).await;
        }
    }
}

/// The SQL Flexisip is configured with (`soci-password-request`,
/// `soci-users-with-phones-request`), run verbatim on a database as Flexisip would: `:name`
/// placeholders replaced by the backend's, like soci does.
pub mod flexisip {
    use sqlx::{AssertSqlSafe, Connection, MySqlConnection, PgConnection, Row, SqliteConnection};

    use crate::Backend;

    pub const PASSWORD_REQUEST: &str = "select password, algorithm from passwords where account_id = \
        (select id from accounts where username = :id and domain = :domain and activated = true)";
    pub const PHONES_REQUEST: &str = "select username, domain from accounts where activated = true \
        and (username in (:phones) or phone in (:phones))";

    /// Replaces `:name` placeholders (in order) by the backend's.
    pub fn bind_style(sql: &str, backend: Backend) -> String {
        let mut out = String::new();
        let mut n = 0;
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if c == ':' && chars.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                while chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    chars.next();
                }
                n += 1;
                match backend {
                    Backend::Postgres => out.push_str(&format!("${n}")),
                    _ => out.push('?'),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    /// Runs `sql` with two text binds and reads two text columns, sorted.
    async fn two_columns(
        url: &str,
        backend: Backend,
        sql: &str,
        binds: (&str, &str),
        columns: (&str, &str),
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        let sql = bind_style(sql, backend);
        macro_rules! run {
            ($conn:ty) => {{
                let mut c = <$conn>::connect(url).await?;
                let rows = sqlx::query(AssertSqlSafe(sql))
                    .bind(binds.0)
                    .bind(binds.1)
                    .fetch_all(&mut c)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get::<String, _>(columns.0)?,
                            r.try_get::<String, _>(columns.1)?,
                        ))
                    })
                    .collect::<Result<Vec<_>, sqlx::Error>>()?
            }};
        }
        let mut out = match backend {
            Backend::Postgres => run!(PgConnection),
            Backend::MySql => run!(MySqlConnection),
            Backend::Sqlite => run!(SqliteConnection),
        };
        out.sort();
        Ok(out)
    }

    /// `(password, algorithm)` rows Flexisip reads for `user@domain`.
    ///
    /// # Errors
    /// Connection or query failures.
    pub async fn passwords(
        url: &str,
        backend: Backend,
        user: &str,
        domain: &str,
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        two_columns(
            url,
            backend,
            PASSWORD_REQUEST,
            (user, domain),
            ("password", "algorithm"),
        )
        .await
    }

    /// `(username, domain)` rows Flexisip reads for one number, matched first as a username
    /// (`username_in`), then as a phone (`phone_in`).
    ///
    /// # Errors
    /// Connection or query failures.
    pub async fn users_with_phones(
        url: &str,
        backend: Backend,
        username_in: &str,
        phone_in: &str,
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        two_columns(
            url,
            backend,
            PHONES_REQUEST,
            (username_in, phone_in),
            ("username", "domain"),
        )
        .await
    }
}
