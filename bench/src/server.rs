//! The server under test: a child process running `flexiapi::Application`, on its own database.
//!
//! The child is this binary re-executed as `serve-child`. It opens the database, builds the
//! application exactly as `flexiapi serve` does (migrations, bootstrap, bind on a free port),
//! fills it through the repositories (the only way to fill the in-memory backend, which lives in
//! the server's process), prints one `READY {json}` line on stdout, and serves until its standard
//! input closes, then stops gracefully.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use flexiapi::config::Config;
use flexiapi::{Application, Database, SystemClock};
use flexiapi_adapters_sql::testing::TestDatabase;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncBufReadExt;

use crate::Plan;
use crate::client::JwtKeys;
use crate::seed;

/// The storage backends the bench knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Sqlite,
    Postgres,
    MySql,
}

impl Backend {
    /// Whether several server processes can share this backend's database (scale-out).
    pub fn is_shared(self) -> bool {
        matches!(self, Backend::Postgres | Backend::MySql)
    }

    /// The rows' label in scale-out mode: two processes on one database.
    pub fn scaled_name(self) -> &'static str {
        match self {
            Backend::Memory => "memory x2",
            Backend::Sqlite => "sqlite x2",
            Backend::Postgres => "postgres x2",
            Backend::MySql => "mysql x2",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::MySql => "mysql",
        }
    }

    pub fn from_name(name: &str) -> Option<Backend> {
        match name {
            "memory" => Some(Backend::Memory),
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            "mysql" | "mariadb" => Some(Backend::MySql),
            _ => None,
        }
    }
}

/// A database for one backend's runs, dropped at the end. SQLite gets a file in a temporary
/// folder; PostgreSQL and MySQL a fresh database on the servers the test suite uses
/// (`FLEXIAPI_TEST_POSTGRES_URL`, `FLEXIAPI_TEST_MYSQL_URL`). Successive account counts reuse it:
/// the child only adds the accounts that are missing.
pub enum BenchDatabase {
    Memory,
    Sql(TestDatabase),
}

impl BenchDatabase {
    pub async fn create(backend: Backend) -> anyhow::Result<Self> {
        let sql = match backend {
            Backend::Memory => return Ok(Self::Memory),
            Backend::Sqlite => flexiapi_adapters_sql::Backend::Sqlite,
            Backend::Postgres => flexiapi_adapters_sql::Backend::Postgres,
            Backend::MySql => flexiapi_adapters_sql::Backend::MySql,
        };
        let db = TestDatabase::create(sql).await?;
        // The server process opens its own pool; this one would only hold connections.
        db.database().close().await;
        Ok(Self::Sql(db))
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Memory => "memory",
            Self::Sql(db) => db.url(),
        }
    }

    pub async fn drop(self) {
        if let Self::Sql(db) = self {
            db.drop_database().await;
        }
    }
}

/// The child's command line.
#[derive(Debug, Clone, clap::Args)]
pub struct ChildArgs {
    /// Database URL, or `memory`.
    #[arg(long)]
    pub database: String,
    /// Accounts the bench space must hold.
    #[arg(long)]
    pub accounts: u64,
    /// PEM public key for RS256 tokens.
    #[arg(long)]
    pub rsa_public: PathBuf,
    /// PEM public key for ES256 tokens.
    #[arg(long)]
    pub ec_public: PathBuf,
    /// Fill the database, then exit without serving.
    #[arg(long)]
    pub seed_only: bool,
}

/// What the child tells the parent once it listens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ready {
    pub port: u16,
    /// Admin of the bench space (reads).
    pub admin_key: String,
    /// Admin of the write space (account creation).
    pub write_admin_key: String,
    /// Admin of the space with a quota (the scale-out mode's race on the account limit).
    pub limit_admin_key: String,
    /// User key of the bench user, bound to 127.0.0.1.
    pub user_key: String,
    /// Accounts in the bench space.
    pub accounts: u64,
    /// Failed authentications an address may make in the window (the server's
    /// `auth_failures_per_ip`).
    pub failures_per_ip: u64,
    pub seed_seconds: f64,
}

/// The children's `auth_failures_per_ip`: the bench fails no authentication but in the
/// scale-out mode's check of the budget.
const FAILURES_PER_IP: u64 = 20;

/// The child process: see the module documentation.
pub fn child_main(args: ChildArgs) -> anyhow::Result<bool> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FLEXIAPI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    // The same runtime as `flexiapi serve`: one worker per core.
    let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
    runtime.block_on(async {
        let mut config = Config::load(
            None,
            Some(args.database.clone()),
            Some("127.0.0.1:0".into()),
            None,
        )?;
        // Every load connection comes from 127.0.0.1: one address asking for thousands of
        // challenges a second (me-digest-handshake) is the load, not an abuse to refuse.
        config.digest_challenges_per_ip = 0;
        config.auth_tokens_per_ip = 0;
        // Small enough for the scale-out mode to spend it in a few requests.
        config.auth_failures_per_ip = FAILURES_PER_IP;
        let database = Database::open(&config.database).await?;
        let app = Application::build_on(&config, database, Arc::new(SystemClock)).await?;
        let started = Instant::now();
        let seeded = seed::seed(&app.services(), &args).await?;
        if args.seed_only {
            return Ok(true);
        }
        let ready = Ready {
            port: app.addr().port(),
            admin_key: seeded.admin_key,
            write_admin_key: seeded.write_admin_key,
            limit_admin_key: seeded.limit_admin_key,
            user_key: seeded.user_key,
            accounts: seeded.accounts,
            failures_per_ip: config.auth_failures_per_ip,
            seed_seconds: started.elapsed().as_secs_f64(),
        };
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "READY {}", serde_json::to_string(&ready)?)?;
        stdout.flush()?;
        drop(stdout);
        app.run_until(stdin_closed()).await?;
        Ok(true)
    })
}

/// Completes when the parent closes our standard input (or dies).
pub(crate) async fn stdin_closed() {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = String::new();
        let mut stdin = std::io::stdin().lock();
        while matches!(stdin.read_line(&mut sink), Ok(n) if n > 0) {
            sink.clear();
        }
        let _ = tx.send(());
    });
    let _ = rx.await;
}

/// The parent's handle on a running child.
pub struct Server {
    child: tokio::process::Child,
    pub ready: Ready,
    pid: u32,
    /// The floor's database folder, deleted with it.
    _dir: Option<tempfile::TempDir>,
}

/// Filling a million accounts into PostgreSQL takes a few minutes on two cores.
const START_TIMEOUT: Duration = Duration::from_secs(1800);

impl Server {
    pub async fn start(
        plan: &Plan,
        database: &BenchDatabase,
        accounts: u64,
        keys: &JwtKeys,
    ) -> anyhow::Result<Server> {
        let started = Instant::now();
        if let BenchDatabase::Sql(_) = database {
            // A server starts on a filled database: a process of its own fills it first, so
            // that what the filling allocated is not in the measured server's RSS.
            let mut seeder = Self::child_command(plan, database, accounts, keys)?;
            let status = seeder
                .arg("--seed-only")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .status()
                .await
                .context("cannot start the filling process")?;
            if !status.success() {
                bail!("filling the database failed ({status})");
            }
        }
        let filled_in = started.elapsed().as_secs_f64();
        let command = Self::child_command(plan, database, accounts, keys)?;
        let mut server = Self::spawn(command, None).await?;
        server.ready.seed_seconds += filled_in;
        Ok(server)
    }

    /// `serve-child` on `database` with `accounts`.
    fn child_command(
        plan: &Plan,
        database: &BenchDatabase,
        accounts: u64,
        keys: &JwtKeys,
    ) -> anyhow::Result<tokio::process::Command> {
        let mut command = Self::command()?;
        command
            .arg("serve-child")
            .arg("--database")
            .arg(database.url())
            .arg("--accounts")
            .arg(accounts.to_string())
            .arg("--rsa-public")
            .arg(keys.rsa_public_path())
            .arg("--ec-public")
            .arg(keys.ec_public_path())
            .env("FLEXIAPI_LOG", &plan.server_log);
        Ok(command)
    }

    /// The floor server (`floor`), on a SQLite file in `dir`.
    pub async fn start_floor(dir: tempfile::TempDir) -> anyhow::Result<Server> {
        let mut command = Self::command()?;
        command.arg("serve-floor").arg("--dir").arg(dir.path());
        Self::spawn(command, Some(dir)).await
    }

    fn command() -> anyhow::Result<tokio::process::Command> {
        let exe = std::env::current_exe().context("cannot find this executable")?;
        Ok(tokio::process::Command::new(exe))
    }

    async fn spawn(
        mut command: tokio::process::Command,
        dir: Option<tempfile::TempDir>,
    ) -> anyhow::Result<Server> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("cannot start the server process")?;
        let pid = child.id().context("the server process has no id")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(START_TIMEOUT, async {
            while let Some(line) = lines.next_line().await? {
                if let Some(json) = line.strip_prefix("READY ") {
                    return Ok::<_, anyhow::Error>(Some(serde_json::from_str::<Ready>(json)?));
                }
            }
            Ok(None)
        })
        .await
        .context("the server did not start in time")??;
        let Some(ready) = ready else {
            let status = child.wait().await?;
            bail!("the server exited before it was ready ({status})");
        };
        Ok(Server {
            child,
            ready,
            pid,
            _dir: dir,
        })
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.ready.port))
    }

    /// The child's resident set size now, in KiB (Linux).
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// Closes the child's standard input (its shutdown signal) and waits for it to finish.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        drop(self.child.stdin.take());
        match tokio::time::timeout(Duration::from_secs(60), self.child.wait()).await {
            Ok(status) => {
                let status = status?;
                if !status.success() {
                    bail!("the server exited with {status}");
                }
            }
            Err(_) => {
                self.child.kill().await?;
                bail!("the server did not stop in time");
            }
        }
        Ok(())
    }
}
