//! The command line: `flexiapi [--database URL] [--config FILE] <command>`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "flexiapi",
    version,
    about = "A Flexisip Account Manager REST API server"
)]
pub struct Cli {
    /// Database: sqlite://PATH (default sqlite://flexiapi.sqlite, created if missing),
    /// postgres://..., mysql://..., or `memory`.
    #[arg(long, global = true, env = "FLEXIAPI_DATABASE_URL")]
    pub database: Option<String>,

    /// A TOML configuration file (see README); command-line options and environment win.
    #[arg(long, global = true, env = "FLEXIAPI_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrates the database first).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "FLEXIAPI_BIND")]
        bind: Option<String>,
    },
    /// Apply the database migrations.
    Migrate,
    /// Manage spaces.
    #[command(subcommand)]
    Spaces(SpacesCommand),
    /// Manage accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Manage API keys.
    #[command(subcommand, name = "api-keys")]
    ApiKeys(ApiKeysCommand),
    /// Print the OpenAPI 3 document (JSON).
    Openapi,
}

#[derive(Debug, Subcommand)]
pub enum SpacesCommand {
    /// Create a space.
    Create(CreateSpaceArgs),
}

#[derive(Debug, Args)]
pub struct CreateSpaceArgs {
    /// SIP domain of the space.
    #[arg(long)]
    pub domain: String,
    /// HTTP host that serves it.
    #[arg(long)]
    pub host: String,
    /// Display name [default: the domain].
    #[arg(long)]
    pub name: Option<String>,
    /// Make it a super space (its admins are super admins).
    #[arg(long = "super")]
    pub super_space: bool,
    /// Expiry, RFC 3339 (e.g. 2030-01-01T00:00:00Z).
    #[arg(long)]
    pub expire_at: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create, or promote, an activated admin account.
    #[command(name = "create-admin")]
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long)]
        domain: String,
        #[arg(long)]
        password: String,
        /// MD5 or SHA-256.
        #[arg(long, default_value = "SHA-256")]
        algorithm: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeysCommand {
    /// Create a stable admin API key and print it alone on stdout.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        domain: String,
    },
}
