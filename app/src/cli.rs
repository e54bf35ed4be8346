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
    #[arg(
        long,
        global = true,
        env = "FLEXIAPI_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,

    /// A TOML configuration file (see README); command-line options and environment win.
    #[arg(long, global = true, env = "FLEXIAPI_CONFIG", hide_env_values = true)]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrates the database first).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "FLEXIAPI_BIND", hide_env_values = true)]
        bind: Option<String>,
        /// The Flexisip registrar's Redis, e.g. redis://127.0.0.1:6379, for the devices
        /// endpoints; without it they answer `{}`.
        #[arg(
            long = "redis",
            value_name = "URL",
            env = "FLEXIAPI_REDIS_URL",
            hide_env_values = true
        )]
        redis_url: Option<String>,
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
    /// Manage call and message statistics.
    #[command(subcommand)]
    Statistics(StatisticsCommand),
    /// Import an original (PHP) account manager's database: spaces (with their OIDC
    /// configuration), accounts, password hashes as they are (clear-text ones hashed with the
    /// space's algorithm), account types, dictionaries, contacts, API keys (hashed), account
    /// actions, contacts lists, tombstones, phone-country activation, call forwardings, external
    /// accounts and call and message statistics. What is already here is kept, so running it
    /// again changes nothing. Every row not imported is listed on stderr (table, id, reason).
    Import {
        /// The original database: mysql://user:pass@host/db, mariadb://..., or sqlite://PATH.
        #[arg(long)]
        from: String,
        /// Exit with an error when any row was skipped (what was imported stays).
        #[arg(long)]
        strict: bool,
    },
    /// Print the OpenAPI 3 document (JSON).
    Openapi,
    /// Copy a SQLite database, consistently, while the server runs (`VACUUM INTO`); for
    /// PostgreSQL and MariaDB use pg_dump or mariadb-dump (see README, "Backups and upgrades").
    Backup {
        /// The copy to write; it must not exist (created readable by its owner only).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Manage the `[files] directory` (voicemails).
    #[command(subcommand)]
    Files(FilesCommand),
}

#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// Delete the voicemails (of every space) created before a given age, with their files,
    /// and any file of the directory older than that (left by bulk deletions or a crash);
    /// prints how many of each.
    Clear {
        /// Age, e.g. `7d`, `12h`, `30m`, `90s` (a bare number is days).
        #[arg(long = "older-than", value_parser = parse_age)]
        older_than: chrono::Duration,
    },
}

#[derive(Debug, Subcommand)]
pub enum SpacesCommand {
    /// Create a space.
    Create(CreateSpaceArgs),
    /// List spaces, one a line: domain, host, name, super, expire_at (tab-separated).
    List,
    /// Change a space; options not given keep their value.
    Update(UpdateSpaceArgs),
    /// Delete a space and all its accounts.
    Delete {
        #[arg(long)]
        domain: String,
    },
    /// Mail each admin (with an e-mail address) of each space that expires within the next
    /// DAYS days, through the space's own e-mail server or `[mail]`. Prints how many were sent;
    /// fails when no mail transport is configured or a message could not be sent.
    #[command(name = "expiration-emails")]
    ExpirationEmails {
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
        /// The language of the messages (en, fr).
        #[arg(long, default_value = "en")]
        language: String,
    },
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
    #[command(flatten)]
    pub jwt: JwtArgs,
}

#[derive(Debug, Args)]
pub struct UpdateSpaceArgs {
    /// SIP domain of the space to change (it cannot change).
    #[arg(long)]
    pub domain: String,
    #[arg(long)]
    pub host: Option<String>,
    #[arg(long)]
    pub name: Option<String>,
    /// Whether its admins are super admins.
    #[arg(long = "super", value_name = "true|false")]
    pub super_space: Option<bool>,
    /// Expiry, RFC 3339, or `none` to remove it.
    #[arg(long, value_name = "RFC3339|none")]
    pub expire_at: Option<String>,
    /// Accounts the space may hold; 0 means unlimited.
    // Negative numbers reach the domain's rule (one line) rather than clap's usage error.
    #[arg(long, allow_negative_numbers = true)]
    pub max_accounts: Option<i64>,
    #[command(flatten)]
    pub jwt: JwtArgs,
}

/// JWT bearer authentication of a space. On update, options not given keep their value.
#[derive(Debug, Args)]
pub struct JwtArgs {
    /// PEM file holding the issuer's public key.
    #[arg(long, value_name = "FILE")]
    pub jwt_public_key: Option<PathBuf>,
    /// Accepted algorithms, comma-separated, among RS256, RS384, RS512, ES256, ES384, EdDSA
    /// [default: RS256,RS384,RS512].
    #[arg(long, value_name = "ALGS")]
    pub jwt_algorithms: Option<String>,
    /// Required `iss` claim.
    #[arg(long)]
    pub jwt_issuer: Option<String>,
    /// Required `aud` claim.
    #[arg(long)]
    pub jwt_audience: Option<String>,
    /// Claim holding the SIP identity [default: sip_identity].
    #[arg(long)]
    pub jwt_sip_identifier: Option<String>,
    /// Accept only JWT on the space's user endpoints (`--jwt-only false` to undo).
    #[arg(long, value_name = "true|false", num_args = 0..=1, default_missing_value = "true")]
    pub jwt_only: Option<bool>,
}

impl JwtArgs {
    pub fn is_empty(&self) -> bool {
        self.jwt_public_key.is_none()
            && self.jwt_algorithms.is_none()
            && self.jwt_issuer.is_none()
            && self.jwt_audience.is_none()
            && self.jwt_sip_identifier.is_none()
            && self.jwt_only.is_none()
    }
}

/// Where a password comes from. Prefer `--password-stdin` (or the prompt on a terminal):
/// `--password` shows in the process list of the machine.
#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// The password on the command line (other users of the machine can see it: prefer
    /// --password-stdin).
    #[arg(long, conflicts_with = "password_stdin")]
    pub password: Option<String>,
    /// Read the password from the first line of standard input. Without this and --password,
    /// it is asked for when standard input is a terminal.
    #[arg(long)]
    pub password_stdin: bool,
}

/// An account, by its SIP identity's parts.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// The account's username.
    #[arg(long)]
    pub username: String,
    /// The account's SIP domain (its space).
    #[arg(long)]
    pub domain: String,
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create an activated admin account, or promote an existing account to admin (its
    /// password is kept unless --reset-password is given).
    #[command(name = "create-admin")]
    CreateAdmin {
        #[command(flatten)]
        account: AccountArgs,
        #[command(flatten)]
        password: PasswordArgs,
        /// Hash algorithm of the password: MD5 or SHA-256.
        #[arg(long, default_value = "SHA-256")]
        algorithm: String,
        /// On an existing account, replace its passwords with the one given.
        #[arg(long)]
        reset_password: bool,
    },
    /// List accounts, one a line: id, SIP identity, activated, admin, e-mail (tab-separated).
    List {
        /// Only the space of this SIP domain [default: every space].
        #[arg(long)]
        domain: Option<String>,
        /// Only accounts whose username, e-mail or phone contains this text.
        #[arg(long)]
        search: Option<String>,
    },
    /// Replace an account's passwords with a new one (no old password asked, as an admin).
    #[command(name = "set-password")]
    SetPassword {
        #[command(flatten)]
        account: AccountArgs,
        #[command(flatten)]
        password: PasswordArgs,
        /// Hash algorithm: MD5 or SHA-256 [default: the space's default algorithm].
        #[arg(long)]
        algorithm: Option<String>,
    },
    /// Delete an account (leaves a tombstone, as every deletion).
    Delete {
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Forget the usernames of accounts deleted before a given age, so they can be registered
    /// again.
    #[command(name = "purge-tombstones")]
    PurgeTombstones {
        /// Age, e.g. `7d`, `12h`, `30m`, `90s` (a bare number is days).
        #[arg(long = "older-than", value_parser = parse_age)]
        older_than: chrono::Duration,
    },
    /// Delete the accounts never activated (abandoned sign-ups; not those an admin deactivated)
    /// created before a given age, leaving tombstones as any deletion; prints how many.
    #[command(name = "clear-unconfirmed")]
    ClearUnconfirmed {
        /// Age, e.g. `30d`, `12h` (a bare number is days).
        #[arg(long = "older-than", value_parser = parse_age)]
        older_than: chrono::Duration,
        /// Only the space of this SIP domain [default: every space].
        #[arg(long = "space", value_name = "DOMAIN")]
        space: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum StatisticsCommand {
    /// Delete the messages sent and calls initiated before a given age, in every space, with
    /// their devices; prints how many.
    Clear {
        /// Age, e.g. `30d`, `12h` (a bare number is days).
        #[arg(long = "older-than", value_parser = parse_age)]
        older_than: chrono::Duration,
    },
}

/// `7d`, `12h`, `30m`, `90s`, or a bare number of days.
///
/// # Errors
/// A text naming the expected format.
pub fn parse_age(raw: &str) -> Result<chrono::Duration, String> {
    let raw = raw.trim();
    let (number, unit) = match raw.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => raw.split_at(i),
        None => (raw, "d"),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| format!("expected an age like 7d, 12h, 30m or 90s, got {raw:?}"))?;
    match unit {
        "d" => Ok(chrono::Duration::days(n)),
        "h" => Ok(chrono::Duration::hours(n)),
        "m" => Ok(chrono::Duration::minutes(n)),
        "s" => Ok(chrono::Duration::seconds(n)),
        _ => Err(format!(
            "expected an age like 7d, 12h, 30m or 90s, got {raw:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_age;

    #[test]
    fn ages_take_a_unit_or_default_to_days() {
        assert_eq!(parse_age("7d"), Ok(chrono::Duration::days(7)));
        assert_eq!(parse_age("12h"), Ok(chrono::Duration::hours(12)));
        assert_eq!(parse_age("30m"), Ok(chrono::Duration::minutes(30)));
        assert_eq!(parse_age("90s"), Ok(chrono::Duration::seconds(90)));
        assert_eq!(parse_age("3"), Ok(chrono::Duration::days(3)));
        assert!(parse_age("3w").is_err());
        assert!(parse_age("d").is_err());
    }
}

#[derive(Debug, Subcommand)]
pub enum ApiKeysCommand {
    /// Create a stable admin API key for an admin account and print it alone on stdout.
    Create {
        #[command(flatten)]
        account: AccountArgs,
    },
    /// List an account's API keys, one a line: id, kind (admin, or user and its address),
    /// name, last used, requests (tab-separated; the keys themselves are never stored).
    List {
        #[command(flatten)]
        account: AccountArgs,
    },
    /// Delete one of an account's API keys.
    Revoke {
        #[command(flatten)]
        account: AccountArgs,
        /// The key's id (see `api-keys list`).
        #[arg(long)]
        id: i64,
    },
}
