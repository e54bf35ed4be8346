//! The flexiapi application: configuration, wiring of adapters to the domain, and the server's
//! lifecycle. `main.rs` only parses the command line and calls into here.

pub mod accounts_cmd;
pub mod cli;
pub mod cli_audit;
pub mod config;
pub mod connections;
pub mod import;
pub mod notify;
pub mod push;
pub mod spaces_cmd;
pub mod turn;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use flexiapi_adapters_http::i18n::Languages;
use flexiapi_adapters_http::{AppState, HttpSettings, SharedState};
use flexiapi_adapters_memory::MemoryStorage;
use flexiapi_adapters_redis::RedisRegistry;
use flexiapi_adapters_redis::b2bua::RedisB2buaNotifier;
use flexiapi_adapters_sql::SqlDatabase;
use flexiapi_domain::auth::{AuthSettings, Authenticator, FailureBudget, RequestBudget};
use flexiapi_domain::ports::{Clock, Storage, TokenSource};
use flexiapi_domain::service::{
    BlockingSettings, BootstrapCredentials, ChangeCodeSettings, ServiceSettings, Services,
};
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};
use rand::Rng;

use crate::config::Config;
use crate::connections::GuardedAcceptor;

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Secrets from the operating system's CSPRNG (through rand's thread generator).
#[derive(Debug, Default)]
pub struct RandomTokens;

impl TokenSource for RandomTokens {
    fn alphanumeric(&self, len: usize) -> String {
        rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(len)
            .map(char::from)
            .collect()
    }

    fn hex(&self, bytes: usize) -> String {
        let mut buf = vec![0u8; bytes];
        rand::rng().fill(&mut buf[..]);
        hex::encode(buf)
    }

    fn pin(&self) -> String {
        rand::rng().random_range(1000..=9999_u32).to_string()
    }
}

/// A lifetime in minutes from the configuration; 0 (or less): none, never expires.
fn minutes(n: i64) -> Option<chrono::Duration> {
    (n > 0).then(|| chrono::Duration::minutes(n))
}

/// An opened storage backend.
pub struct Database {
    pub storage: Arc<dyn Storage>,
    sql: Option<SqlDatabase>,
}

impl Database {
    /// Connects to `url` (`memory` for the in-memory adapter).
    ///
    /// # Errors
    /// A malformed URL or an unreachable database.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        if url == "memory" {
            return Ok(Self {
                storage: Arc::new(MemoryStorage::default()),
                sql: None,
            });
        }
        let sql = SqlDatabase::connect(url).await?;
        Ok(Self {
            storage: sql.storage(),
            sql: Some(sql),
        })
    }

    /// Applies migrations (nothing to do in memory).
    ///
    /// # Errors
    /// A failed migration.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        if let Some(sql) = &self.sql {
            sql.migrate().await?;
        }
        Ok(())
    }

    /// A consistent copy of a SQLite database into the new file `to`, taken while the server may
    /// be writing (see `SqlDatabase::backup_to`).
    ///
    /// # Errors
    /// `to` exists or cannot be written; the database is in memory, PostgreSQL or MySQL.
    pub async fn backup_to(&self, to: &std::path::Path) -> anyhow::Result<()> {
        match &self.sql {
            Some(sql) => Ok(sql.backup_to(to).await?),
            None => anyhow::bail!("an in-memory database has nothing to back up"),
        }
    }

    pub async fn close(&self) {
        if let Some(sql) = &self.sql {
            sql.close().await;
        }
    }
}

/// The domain services over `storage`, with the real clock and random source.
pub fn services(storage: Arc<dyn Storage>) -> Services {
    Services::new(storage, Arc::new(SystemClock), Arc::new(RandomTokens))
}

/// A bound, not yet running, server.
pub struct Application {
    addr: SocketAddr,
    acceptor: GuardedAcceptor,
    /// `metrics_bind`'s listener.
    metrics: Option<poem::listener::TcpAcceptor>,
    state: AppState,
    database: Database,
    /// A connection with no traffic for this long is closed (idle clients; slow request heads
    /// are the acceptor's).
    idle_timeout: Duration,
    /// Set when this start created the bootstrap space and admin.
    pub bootstrap: Option<BootstrapCredentials>,
    /// Adds the web pages' routes.
    pages: Box<dyn FnOnce(poem::Route) -> poem::Route + Send>,
}

impl Application {
    /// Opens and migrates the database, bootstraps an empty one, and binds the listener (port 0
    /// picks a free port).
    ///
    /// # Errors
    /// Configuration, database or bind failures.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`Application::build`] with another clock (tests move time with it).
    ///
    /// # Errors
    /// Configuration, database or bind failures.
    pub async fn build_with_clock(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let database = Database::open(&config.database).await?;
        Self::build_on(config, database, clock).await
    }

    /// [`Application::build_with_clock`] on a database the caller opened (and may have filled,
    /// which is the only way to fill `memory` before serving); `config.database` is not used.
    ///
    /// # Errors
    /// Configuration, migration or bind failures.
    pub async fn build_on(
        config: &Config,
        database: Database,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let languages = Languages::new(&config.languages).map_err(anyhow::Error::msg)?;
        let transports = notify::Transports::build(config.mail.as_ref(), config.sms_ovh.as_ref())?;
        database.migrate().await?;
        let mut services = Services::new(database.storage.clone(), clock, Arc::new(RandomTokens))
            .with_provisioning_token_ttl(Some(chrono::Duration::minutes(
                config.provisioning_token_expiration_minutes,
            )))
            .with_settings(ServiceSettings {
                account_creation_token_ttl: minutes(
                    config.account_creation_token_expiration_minutes,
                ),
                recovery_code_ttl: minutes(config.recovery_code_expiration_minutes),
                reset_password_token_ttl: minutes(
                    config.reset_password_email_token_expiration_minutes,
                ),
                account_recovery_token_ttl: minutes(
                    config.account_recovery_token_expiration_minutes,
                ),
                account_creation_token_retry: minutes(config.account_creation_token_retry_minutes),
                account_recovery_token_retry: minutes(config.account_recovery_token_retry_minutes),
                change_codes: ChangeCodeSettings {
                    email_ttl: minutes(config.email_change_code_expiration_minutes),
                    phone_ttl: minutes(config.phone_change_code_expiration_minutes),
                },
                blocking: BlockingSettings {
                    period: chrono::Duration::minutes(config.blocking_time_period_check),
                    max_events: config.blocking_amount_events_authorized_during_period,
                },
                turn: config.turn.clone(),
            });
        tracing::info!("{}", turn::describe(config.turn.as_ref()));
        if let Some(url) = &config.redis_url {
            let registry = RedisRegistry::new(url, flexiapi_adapters_redis::DEFAULT_TIMEOUT)
                .map_err(anyhow::Error::msg)?;
            let registry = Arc::new(registry);
            services = services
                .with_registrar(registry.clone())
                .with_b2bua(Arc::new(RedisB2buaNotifier::new(registry)));
        }
        let files = flexiapi_adapters_http::LocalFiles::new(
            &config.files_directory,
            config.max_upload_size,
        );
        services = services.with_files(Arc::new(files.clone()));
        services = services.with_notifier(Arc::new(transports.notifier()));
        let (pusher, push_line) = config.push.pusher()?;
        tracing::info!("{push_line}");
        services = services.with_pusher(pusher);
        if let Some(socket) = &config.linphone_daemon_socket {
            tracing::info!(socket = %socket.display(), "POST /api/messages sends through linphone-daemon");
            services = services.with_sip_messenger(Arc::new(
                flexiapi_adapters_notify::LinphoneDaemon::new(
                    socket,
                    config.linphone_daemon_timeout,
                ),
            ));
        }
        let bootstrap = services
            .bootstrap()
            .await
            .map_err(|e| anyhow::anyhow!("cannot create the first space and admin: {e}"))?;
        let authenticator = Authenticator::new(
            database.storage.clone(),
            services.clock.clone(),
            services.tokens.clone(),
            AuthSettings {
                user_api_key_ttl: chrono::Duration::minutes(config.api_key_expiration_minutes),
                nonce_ttl: chrono::Duration::seconds(config.nonce_expiration_seconds),
                nonce_max_uses: config.nonce_max_uses,
                failures: FailureBudget {
                    per_account: config.auth_failures_per_account,
                    per_account_total: config.auth_failures_per_account_total,
                    per_ip: config.auth_failures_per_ip,
                    window: chrono::Duration::seconds(config.auth_failure_window_seconds),
                },
                requests: RequestBudget {
                    digest_challenges_per_ip: config.digest_challenges_per_ip,
                    auth_tokens_per_ip: config.auth_tokens_per_ip,
                    window: chrono::Duration::seconds(config.unauthenticated_window_seconds),
                    codes_sent_per_ip: config.codes_sent_per_ip,
                    codes_sent_per_recipient: config.codes_sent_per_recipient,
                },
            },
        );
        // One budget for Digest, wrong old passwords and auth tokens.
        let services = services.with_budgets(authenticator.budgets().clone());
        // The forms' key comes from the database: every process on it signs alike.
        let secret = services
            .web_secret()
            .await
            .map_err(|e| anyhow::anyhow!("cannot read the web pages' secret: {e}"))?;
        let pages = flexiapi_adapters_web::pages(&secret, config.captcha.clone())
            .map_err(anyhow::Error::msg)?;
        let state = AppState::new(SharedState {
            metrics: Arc::new(flexiapi_adapters_http::api_metrics()),
            services,
            authenticator,
            settings: HttpSettings {
                languages,
                max_body_bytes: config.max_body_bytes,
                trusted_proxies: config.trusted_proxies.clone(),
                client_certificate_header: config.client_certificate_header.clone(),
                public_scheme: config.public_scheme,
                public_port: config.public_port,
                files,
                metrics_elsewhere: config.metrics_bind.is_some(),
            },
        });
        let acceptor = TcpListener::bind(config.bind.clone())
            .into_acceptor()
            .await
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .context("the listener has no address")?;
        let metrics = match &config.metrics_bind {
            Some(bind) => Some(
                TcpListener::bind(bind.clone())
                    .into_acceptor()
                    .await
                    .with_context(|| format!("cannot listen on {bind} (metrics_bind)"))?,
            ),
            None => None,
        };
        let acceptor = GuardedAcceptor::new(
            acceptor,
            Duration::from_secs(config.header_read_timeout_seconds),
            config.max_connections,
        );
        Ok(Self {
            addr,
            acceptor,
            metrics,
            state,
            database,
            idle_timeout: Duration::from_secs(config.idle_timeout_seconds),
            bootstrap,
            pages: Box::new(pages),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `metrics_bind` listener's address, when there is one.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics
            .as_ref()?
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
    }

    /// The use cases over this application's storage (tests arrange data with it).
    pub fn services(&self) -> Services {
        self.state.services.clone()
    }

    /// Serves until `shutdown` completes, then finishes requests in flight (up to 30 s) and
    /// flushes pending API key usage.
    ///
    /// # Errors
    /// Server I/O failures.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let authenticator = self.state.authenticator.clone();
        let maintenance = tokio::spawn(maintenance(
            authenticator.clone(),
            self.state.services.clone(),
            self.state.settings.languages.fallback().to_string(),
        ));
        // The metrics listener lives as long as the main one (aborted with it).
        let metrics = self.metrics.map(|acceptor| {
            let app = flexiapi_adapters_http::metrics_app(self.state.clone());
            tokio::spawn(async move {
                if let Err(e) = Server::new_with_acceptor(acceptor).run(app).await {
                    tracing::error!(error = %e, "the metrics listener failed");
                }
            })
        });
        let app = flexiapi_adapters_http::app_with(self.state, self.pages);
        let result = Server::new_with_acceptor(self.acceptor)
            .idle_timeout(self.idle_timeout)
            .run_with_graceful_shutdown(app, shutdown, Some(Duration::from_secs(30)))
            .await;
        maintenance.abort();
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        if let Err(e) = authenticator.flush_usage().await {
            tracing::warn!(error = %e, "could not flush API key usage");
        }
        self.database.close().await;
        result.context("server failed")
    }
}

/// Coalesced writes and purges, off the request path.
async fn maintenance(authenticator: Authenticator, services: Services, language: String) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    let mut ticks: u64 = 0;
    loop {
        tick.tick().await;
        ticks += 1;
        if let Err(e) = authenticator.flush_usage().await {
            tracing::warn!(error = %e, "could not flush API key usage");
        }
        if ticks.is_multiple_of(12) {
            match authenticator.purge_expired().await {
                Ok((nonces, keys)) if nonces + keys > 0 => {
                    tracing::info!(nonces, keys, "purged expired nonces and idle user keys");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "purge failed"),
            }
            if let Err(e) = authenticator.purge_failures().await {
                tracing::warn!(error = %e, "could not purge old authentication failures");
            }
            match services.purge_stale_sign_ups().await {
                Ok(n) if n > 0 => tracing::info!(sign_ups = n, "purged stale sign-ups"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not purge stale sign-ups"),
            }
            match services.purge_expired_auth_tokens().await {
                Ok(tokens) if tokens > 0 => tracing::info!(tokens, "purged expired auth tokens"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not purge expired auth tokens"),
            }
            // Voicemails whose mail failed at upload time are tried again (with a limit).
            match services.mail_voicemails(&language).await {
                Ok(sent) if sent > 0 => tracing::info!(sent, "mailed voicemails"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not mail voicemails"),
            }
        }
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
