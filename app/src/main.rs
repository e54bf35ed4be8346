//! The `flexiapi` binary: parses the command line and dispatches; errors are one line on stderr.

use std::io::{IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use clap::Parser;
use flexiapi::cli::{
    AccountsCommand, Cli, Command, FilesCommand, SpacesCommand, StatisticsCommand,
};
use flexiapi::config::{Config, LogFormat};
use flexiapi::notify::Transports;
use flexiapi::{Application, Database, services, shutdown_signal};
use flexiapi_domain::service::ServiceError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Log lines on standard error, filtered by `FLEXIAPI_LOG` (default `info`), in `log_format`;
/// colours only on a terminal.
fn init_logs(format: LogFormat) {
    // poem announces each listener itself; `serve` says it once, with the bootstrap's context.
    let filter = tracing_subscriber::EnvFilter::try_from_env("FLEXIAPI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,poem::server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

/// A use-case error as one line a CLI user understands: the API's English messages.
fn explain(e: ServiceError) -> anyhow::Error {
    if let ServiceError::UnknownSpace(domain) = &e {
        return anyhow!("no space has the domain {domain}");
    }
    let english = "en".parse().unwrap_or_default();
    let api = flexiapi_adapters_http::error::ApiError::from(e);
    if api.field_errors.is_empty() {
        anyhow!("{}", api.message.render(&english))
    } else {
        let messages: Vec<String> = api
            .field_errors
            .iter()
            .map(|(_, m)| m.render(&english))
            .collect();
        anyhow!("{}", messages.join(" "))
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let (bind, redis_url) = match &cli.command {
        Command::Serve { bind, redis_url } => (bind.clone(), redis_url.clone()),
        _ => (None, None),
    };
    if let Command::Openapi = cli.command {
        println!("{}", flexiapi_adapters_http::openapi_json());
        return Ok(());
    }
    let config = Config::load(cli.config.as_deref(), cli.database, bind, redis_url)?;
    init_logs(config.log_format);
    let audited = flexiapi::cli_audit::subject(&cli.command);
    let changed = flexiapi::cli_audit::changed(&cli.command);
    let outcome = match cli.command {
        Command::Serve { .. } => serve(&config).await,
        Command::Migrate => {
            let db = Database::open(&config.database).await?;
            db.migrate().await?;
            db.close().await;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Spaces(command) => {
            let db = open_migrated(&config).await?;
            let mut services = services(db.storage.clone());
            // Only the command that sends needs (and announces) the transports.
            if matches!(command, SpacesCommand::ExpirationEmails { .. }) {
                services = services.with_notifier(Arc::new(
                    Transports::build(config.mail.as_ref(), config.sms_ovh.as_ref())?.notifier(),
                ));
            }
            let result = flexiapi::spaces_cmd::run(command, &services, explain).await;
            db.close().await;
            print!("{}", result?);
            Ok(())
        }
        Command::Accounts(
            command @ (AccountsCommand::CreateAdmin { .. }
            | AccountsCommand::List { .. }
            | AccountsCommand::SetPassword { .. }
            | AccountsCommand::Delete { .. }),
        ) => {
            let db = open_migrated(&config).await?;
            let result = flexiapi::accounts_cmd::run_accounts(
                command,
                &services(db.storage.clone()),
                explain,
            )
            .await;
            db.close().await;
            print!("{}", result?);
            Ok(())
        }
        Command::Accounts(AccountsCommand::PurgeTombstones { older_than }) => {
            let db = open_migrated(&config).await?;
            let purged = db
                .storage
                .purge_tombstones(chrono::Utc::now() - older_than)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            db.close().await;
            println!("purged {purged} tombstones");
            Ok(())
        }
        Command::Accounts(AccountsCommand::ClearUnconfirmed { older_than, space }) => {
            let db = open_migrated(&config).await?;
            let cleared = services(db.storage.clone())
                .clear_unconfirmed_accounts(space.as_deref(), older_than)
                .await
                .map_err(explain);
            db.close().await;
            println!("deleted {} unconfirmed accounts", cleared?);
            Ok(())
        }
        Command::Statistics(StatisticsCommand::Clear { older_than }) => {
            let db = open_migrated(&config).await?;
            let cleared = services(db.storage.clone())
                .clear_statistics(older_than)
                .await
                .map_err(explain);
            db.close().await;
            println!("deleted {} call and message statistics", cleared?);
            Ok(())
        }
        Command::ApiKeys(command) => {
            let db = open_migrated(&config).await?;
            let result = flexiapi::accounts_cmd::run_api_keys(
                command,
                &services(db.storage.clone()),
                explain,
            )
            .await;
            db.close().await;
            print!("{}", result?);
            Ok(())
        }
        Command::Import { from, strict } => {
            let db = open_migrated(&config).await?;
            let summary = flexiapi::import::run(db.storage.clone(), &from).await;
            db.close().await;
            let summary = summary?;
            for skip in &summary.skips {
                eprintln!("{skip}");
            }
            print!("{summary}");
            if strict && summary.skipped() > 0 {
                anyhow::bail!("{} rows were skipped (--strict)", summary.skipped());
            }
            Ok(())
        }
        Command::Openapi => Ok(()),
        Command::Backup { to } => {
            let db = Database::open(&config.database).await?;
            let result = db.backup_to(&to).await;
            db.close().await;
            result?;
            println!("backed up to {}", to.display());
            Ok(())
        }
        Command::Files(FilesCommand::Clear { older_than }) => {
            let db = open_migrated(&config).await?;
            let files = flexiapi_adapters_http::LocalFiles::new(
                &config.files_directory,
                config.max_upload_size,
            );
            let cutoff = chrono::Utc::now() - older_than;
            let cleared = services(db.storage.clone())
                .with_files(Arc::new(files.clone()))
                .clear_voicemails_created_before(cutoff)
                .await
                .map_err(explain);
            db.close().await;
            let cleared = cleared?;
            // A file is written after its voicemail is created: one older than the cutoff
            // belongs to no voicemail left.
            let swept = files
                .remove_older_than(cutoff.into())
                .await
                .with_context(|| format!("cannot clear {}", config.files_directory.display()))?;
            println!("deleted {cleared} voicemails and {swept} other files");
            Ok(())
        }
    };
    // Only a change that was made is recorded.
    if outcome.is_ok()
        && let Some(what) = audited
    {
        flexiapi::cli_audit::record(&config, what, changed).await?;
    }
    outcome
}

async fn open_migrated(config: &Config) -> anyhow::Result<Database> {
    let db = Database::open(&config.database).await?;
    db.migrate().await?;
    Ok(db)
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    if let Some(creds) = &app.bootstrap {
        let text = format!(
            "flexiapi: created the super space `localhost` and its admin.\n  SIP identity: {}\n  password:     {}\n  admin API key: {}\n  try: curl -H 'accept: application/json' -H 'x-api-key: {}' http://localhost:{}/api/accounts/me\n",
            creds.identity,
            creds.password,
            creds.api_key,
            creds.api_key,
            app.addr().port()
        );
        let written = write_initial_credentials(&config.database, &text);
        if written.is_none() || std::io::stdout().is_terminal() {
            println!("\n{text}");
        }
    }
    match app.metrics_addr() {
        Some(metrics) => tracing::info!(addr = %app.addr(), %metrics, "listening"),
        None => tracing::info!(addr = %app.addr(), "listening"),
    }
    notify_ready();
    app.run_until(shutdown_signal()).await
}

/// Writes the first start's credentials to `initial-credentials`, beside a SQLite database file,
/// else in the working directory, readable by its owner only, and logs where; `None` when there
/// is nowhere to write them (an in-memory database) or writing failed (logged).
fn write_initial_credentials(database: &str, text: &str) -> Option<PathBuf> {
    let in_memory = database == "memory"
        || database.contains("mode=memory")
        || (database.starts_with("sqlite") && flexiapi::config::sqlite_file(database).is_none());
    if in_memory {
        return None;
    }
    let dir = flexiapi::config::sqlite_file(database)
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let path = dir.join("initial-credentials");
    // A file left by an earlier installation is replaced, never reused with its old mode.
    let _ = std::fs::remove_file(&path);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    match written {
        Ok(()) => {
            let shown = std::path::absolute(&path).unwrap_or(path);
            tracing::info!(path = %shown.display(), "initial credentials written (readable by its owner only)");
            Some(shown)
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot write the initial credentials");
            None
        }
    }
}

/// Tells systemd (`Type=notify`) the server listens: `READY=1` on `$NOTIFY_SOCKET`, when set.
fn notify_ready() {
    use std::os::unix::net::UnixDatagram;
    let Some(socket) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let sent = UnixDatagram::unbound().and_then(|sock| {
        let bytes = socket.as_encoded_bytes();
        let addr = match bytes.strip_prefix(b"@") {
            // An abstract socket (Linux).
            Some(name) => <std::os::unix::net::SocketAddr as std::os::linux::net::SocketAddrExt>::from_abstract_name(name)?,
            None => std::os::unix::net::SocketAddr::from_pathname(&socket)?,
        };
        sock.send_to_addr(b"READY=1", &addr)
    });
    if let Err(e) = sent {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}
