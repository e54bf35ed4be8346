//! `flexiapi accounts ...` and `flexiapi api-keys ...`: the account and API key use cases from
//! the command line, with the API's validation.

use std::io::{BufRead, IsTerminal};

use anyhow::{anyhow, bail};
use flexiapi_domain::model::{ApiKeyId, ApiKeyKind, PasswordAlgorithm};
use flexiapi_domain::service::{ServiceError, Services};

use crate::cli::{AccountsCommand, ApiKeysCommand, PasswordArgs};

/// Accounts a listing asks the storage for at a time.
const LIST_PAGE: u64 = 100;

/// The password `args` give: the first line of standard input (`--password-stdin`), the
/// option, or, when `needed` and standard input is a terminal, typed twice at a prompt.
/// `None`: none given and none needed.
///
/// # Errors
/// An empty standard input, two different typed passwords, or none where one is `needed`.
pub fn read_password(args: &PasswordArgs, needed: bool) -> anyhow::Result<Option<String>> {
    if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\n', '\r']).to_owned();
        if password.is_empty() {
            bail!("--password-stdin: no password on standard input");
        }
        return Ok(Some(password));
    }
    if let Some(password) = &args.password {
        return Ok(Some(password.clone()));
    }
    if !needed {
        return Ok(None);
    }
    if !std::io::stdin().is_terminal() {
        bail!("a password is needed: give it on standard input with --password-stdin");
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Password (again): ")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(Some(first))
}

fn algorithm(raw: &str) -> anyhow::Result<PasswordAlgorithm> {
    raw.parse()
        .map_err(|_| anyhow!("--algorithm must be MD5 or SHA-256"))
}

/// Runs one `accounts` command and returns what to print on stdout.
///
/// # Errors
/// Bad options, a missing password, and the use cases' errors (through `explain`).
pub async fn run_accounts(
    command: AccountsCommand,
    services: &Services,
    explain: fn(ServiceError) -> anyhow::Error,
) -> anyhow::Result<String> {
    match command {
        AccountsCommand::CreateAdmin {
            account,
            password,
            algorithm: alg,
            reset_password,
        } => {
            let alg = algorithm(&alg)?;
            let exists = services
                .account_named(&account.username, &account.domain)
                .await
                .is_ok();
            let password = read_password(&password, !exists || reset_password)?;
            let made = services
                .create_or_promote_admin(
                    &account.username,
                    &account.domain,
                    password.as_deref(),
                    alg,
                    reset_password,
                )
                .await
                .map_err(explain)?;
            let what = match (exists, reset_password) {
                (false, _) => "created",
                (true, false) => "promoted (password kept)",
                (true, true) => "promoted (password replaced)",
            };
            Ok(format!(
                "admin {} {what} (id {})\n",
                made.identity(),
                made.id.0
            ))
        }
        AccountsCommand::List { domain, search } => {
            let mut spaces = services.list_spaces().await.map_err(explain)?;
            if let Some(domain) = &domain {
                spaces.retain(|s| s.domain.as_str() == domain);
                if spaces.is_empty() {
                    bail!("no space has the domain {domain} (see `flexiapi spaces list`)");
                }
            }
            let mut out = String::new();
            for space in spaces {
                let mut page = 1;
                loop {
                    let listed = services
                        .list_accounts(&space.domain, page, LIST_PAGE, search.clone())
                        .await
                        .map_err(explain)?;
                    for a in &listed.items {
                        out.push_str(&format!(
                            "{}\t{}\t{}\t{}\t{}\n",
                            a.id.0,
                            a.identity(),
                            a.activated,
                            a.admin,
                            a.email.as_ref().map_or("", |e| e.as_str())
                        ));
                    }
                    if page >= listed.last_page() {
                        break;
                    }
                    page += 1;
                }
            }
            Ok(out)
        }
        AccountsCommand::SetPassword {
            account,
            password,
            algorithm: alg,
        } => {
            let alg = alg.as_deref().map(algorithm).transpose()?;
            // The account first: no prompt for one that does not exist.
            services
                .account_named(&account.username, &account.domain)
                .await
                .map_err(explain)?;
            let Some(password) = read_password(&password, true)? else {
                bail!("a password is needed");
            };
            let changed = services
                .set_account_password(&account.username, &account.domain, &password, alg)
                .await
                .map_err(explain)?;
            Ok(format!("password of {} replaced\n", changed.identity()))
        }
        AccountsCommand::Delete { account } => {
            let found = services
                .account_named(&account.username, &account.domain)
                .await
                .map_err(explain)?;
            services.delete_account(found.id).await.map_err(explain)?;
            Ok(format!(
                "deleted {} (id {})\n",
                found.identity(),
                found.id.0
            ))
        }
        other => bail!("not an accounts command here: {other:?}"),
    }
}

/// Runs one `api-keys` command and returns what to print on stdout.
///
/// # Errors
/// A non-admin account for `create`, an unknown key, and the use cases' errors.
pub async fn run_api_keys(
    command: ApiKeysCommand,
    services: &Services,
    explain: fn(ServiceError) -> anyhow::Error,
) -> anyhow::Result<String> {
    match command {
        ApiKeysCommand::Create { account } => {
            let found = services
                .account_named(&account.username, &account.domain)
                .await
                .map_err(explain)?;
            if !found.admin {
                bail!(
                    "{} is not an admin: its key would only act as the account itself; \
                     promote it first with `flexiapi accounts create-admin`",
                    found.identity()
                );
            }
            let key = services
                .create_admin_api_key(&account.username, &account.domain)
                .await
                .map_err(explain)?;
            Ok(format!("{key}\n"))
        }
        ApiKeysCommand::List { account } => {
            let found = services
                .account_named(&account.username, &account.domain)
                .await
                .map_err(explain)?;
            let keys = services.api_keys_of(&found).await.map_err(explain)?;
            Ok(keys
                .iter()
                .map(|k| {
                    let kind = match &k.kind {
                        ApiKeyKind::Admin => "admin".to_owned(),
                        ApiKeyKind::User { ip } => format!("user {ip}"),
                    };
                    format!(
                        "{}\t{kind}\t{}\t{}\t{}\n",
                        k.id.0,
                        k.name.as_deref().unwrap_or(""),
                        k.last_used_at.to_rfc3339(),
                        k.requests
                    )
                })
                .collect())
        }
        ApiKeysCommand::Revoke { account, id } => {
            let found = services
                .account_named(&account.username, &account.domain)
                .await
                .map_err(explain)?;
            services
                .delete_api_key(&found, ApiKeyId(id))
                .await
                .map_err(explain)?;
            Ok(format!("revoked key {id} of {}\n", found.identity()))
        }
    }
}
