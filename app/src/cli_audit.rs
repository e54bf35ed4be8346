//! The audit trail of changes made on the command line: actor `cli`, method `CLI`, the command
//! and what it changed (the account, the space) in place of the path, status 0, address `-`.

use flexiapi_domain::model::{AccountId, NewAuditEvent};

use crate::cli::{
    AccountArgs, AccountsCommand, ApiKeysCommand, Command, FilesCommand, SpacesCommand,
    StatisticsCommand,
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
        Command::Accounts(c) => match c {
            AccountsCommand::CreateAdmin { account, .. } => {
                Some(format!("accounts create-admin {}", sip(account)))
            }
            AccountsCommand::SetPassword { account, .. } => {
                Some(format!("accounts set-password {}", sip(account)))
            }
            AccountsCommand::Delete { account } => {
                Some(format!("accounts delete {}", sip(account)))
            }
            AccountsCommand::List { .. } => None,
            AccountsCommand::PurgeTombstones { older_than } => Some(format!(
                "accounts purge-tombstones --older-than {}s",
                older_than.num_seconds()
            )),
            AccountsCommand::ClearUnconfirmed { older_than, space } => Some(format!(
                "accounts clear-unconfirmed --older-than {}s --space {}",
                older_than.num_seconds(),
                space.as_deref().unwrap_or("*")
            )),
        },
        Command::ApiKeys(c) => match c {
            ApiKeysCommand::Create { account } => Some(format!("api-keys create {}", sip(account))),
            ApiKeysCommand::Revoke { account, id } => {
                Some(format!("api-keys revoke {} --id {id}", sip(account)))
            }
            ApiKeysCommand::List { .. } => None,
        },
        // A copy changes nothing the trail describes.
        Command::Backup { .. } => None,
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

/// What `command` changed, named as the API's trail names it (`space sip.example.org`,
/// `account sip:alice@sip.example.org`, `account sip:alice@sip.example.org, api_key 7`): the
/// command line knows identities, not ids. Empty for sweeps over many rows.
pub fn changed(command: &Command) -> String {
    match command {
        Command::Spaces(SpacesCommand::Create(args)) => format!("space {}", args.domain),
        Command::Spaces(SpacesCommand::Update(args)) => format!("space {}", args.domain),
        Command::Spaces(SpacesCommand::Delete { domain })
        | Command::Accounts(AccountsCommand::ClearUnconfirmed {
            space: Some(domain),
            ..
        }) => format!("space {domain}"),
        Command::Accounts(
            AccountsCommand::CreateAdmin { account, .. }
            | AccountsCommand::SetPassword { account, .. }
            | AccountsCommand::Delete { account },
        )
        | Command::ApiKeys(ApiKeysCommand::Create { account }) => {
            format!("account {}", sip(account))
        }
        Command::ApiKeys(ApiKeysCommand::Revoke { account, id }) => {
            format!("account {}, api_key {id}", sip(account))
        }
        _ => String::new(),
    }
}

fn sip(account: &AccountArgs) -> String {
    format!("sip:{}@{}", account.username, account.domain)
}

/// Records `what` (a [`subject`]) in the database's audit trail.
///
/// # Errors
/// The database cannot be opened or written.
pub async fn record(config: &Config, what: String, changed: String) -> anyhow::Result<()> {
    let db = Database::open(&config.database).await?;
    let services = services(db.storage.clone());
    let event = NewAuditEvent {
        // No account acts: 0 is none (the trail shows no actor id), `cli` says who.
        actor_id: AccountId(0),
        actor: "cli".into(),
        method: "CLI".into(),
        path: what,
        subject: changed,
        status: 0,
        ip: "-".into(),
        created_at: services.now(),
    };
    let recorded = services.record_audit_event(event).await;
    db.close().await;
    recorded.map_err(|e| anyhow::anyhow!("the change is made but not audited: {e}"))
}
