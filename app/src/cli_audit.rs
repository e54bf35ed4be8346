//! The audit trail of changes made on the command line: actor `cli`, method `CLI`, the command
//! and what it changed (the account, the space) in place of the path, status 0, address `-`.

use flexiapi_domain::model::{AccountId, NewAuditEvent};

use crate::cli::{
    AccountsCommand, ApiKeysCommand, Command, FilesCommand, SpacesCommand, StatisticsCommand,
};
use crate::config::Config;
use crate::{Database, services};

/// What `command` changes, as its audit line; `None` for the commands that only read (or, for
/// `migrate` and `serve`, change no data an admin owns). Exhaustive on purpose: a new command
/// must say whether it is audited.
pub fn subject(command: &Command) -> Option<String> {
    match command {
        Command::Serve { .. } | Command::Migrate | Command::Openapi => None,
        Command::Spaces(c) => match c {
            SpacesCommand::Create(args) => Some(format!("spaces create {}", args.domain)),
            SpacesCommand::Update(args) => Some(format!("spaces update {}", args.domain)),
            SpacesCommand::Delete { domain } => Some(format!("spaces delete {domain}")),
            SpacesCommand::List | SpacesCommand::ExpirationEmails { .. } => None,
        },
        Command::Accounts(c) => Some(match c {
            AccountsCommand::CreateAdmin {
                username, domain, ..
            } => format!("accounts create-admin sip:{username}@{domain}"),
            AccountsCommand::PurgeTombstones { older_than } => format!(
                "accounts purge-tombstones --older-than {}s",
                older_than.num_seconds()
            ),
            AccountsCommand::ClearUnconfirmed { older_than, space } => format!(
                "accounts clear-unconfirmed --older-than {}s --space {}",
                older_than.num_seconds(),
                space.as_deref().unwrap_or("*")
            ),
        }),
        Command::ApiKeys(ApiKeysCommand::Create { username, domain }) => {
            Some(format!("api-keys create sip:{username}@{domain}"))
        }
        Command::Statistics(StatisticsCommand::Clear { older_than }) => Some(format!(
            "statistics clear --older-than {}s",
            older_than.num_seconds()
        )),
        // The source may be a database URL with a password in it: not recorded.
        Command::Import { .. } => Some("import".into()),
        Command::Files(FilesCommand::Clear { older_than }) => Some(format!(
            "files clear --older-than {}s",
            older_than.num_seconds()
        )),
    }
}

/// Records `what` (a [`subject`]) in the database's audit trail.
///
/// # Errors
/// The database cannot be opened or written.
pub async fn record(config: &Config, what: String) -> anyhow::Result<()> {
    let db = Database::open(&config.database).await?;
    let services = services(db.storage.clone());
    let event = NewAuditEvent {
        // No account acts: 0 is none (the trail shows no actor id), `cli` says who.
        actor_id: AccountId(0),
        actor: "cli".into(),
        method: "CLI".into(),
        path: what,
        status: 0,
        ip: "-".into(),
        created_at: services.now(),
    };
    let recorded = services.record_audit_event(event).await;
    db.close().await;
    recorded.map_err(|e| anyhow::anyhow!("the change is made but not audited: {e}"))
}
