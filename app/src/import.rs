//! `flexiapi import`: copies a database of the original account manager into ours, through the
//! repositories. Idempotent: what is already here (same space domain, same username@domain,
//! same type key in a space, same pair) is kept as it is and counted, so a second run changes nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use chrono::Utc;
use flexiapi_adapters_sql::legacy::{self, LegacyAccount, LegacyData, LegacySpace};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    AccountId, AccountTypeId, AccountTypeKey, DigestConfig, Domain, DtmfProtocol, Email,
    NewAccount, NewSpace, Password, PasswordAlgorithm, PhoneNumber, Username, normalize_host,
};
use flexiapi_domain::model::{CardDavCredentials, CardDavServerId, NewCardDavServer, ParsedVcard};
use flexiapi_domain::ports::Storage;
use indicatif::{ProgressBar, ProgressStyle};

/// What one run did, per kind of row.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub spaces: Tally,
    pub accounts: Tally,
    pub passwords: Tally,
    pub account_types: Tally,
    pub type_attachments: Tally,
    pub dictionary_entries: Tally,
    pub contacts: Tally,
    pub vcards: Tally,
    pub carddav_servers: Tally,
    pub carddav_credentials: Tally,
}

/// Rows imported now, found already here, and skipped (with why).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub imported: u64,
    pub present: u64,
    pub skipped: u64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = [
            ("spaces", &self.spaces),
            ("accounts", &self.accounts),
            ("passwords", &self.passwords),
            ("account types", &self.account_types),
            ("type attachments", &self.type_attachments),
            ("dictionary entries", &self.dictionary_entries),
            ("contacts", &self.contacts),
            ("vcards", &self.vcards),
            ("carddav servers", &self.carddav_servers),
            ("carddav credentials", &self.carddav_credentials),
        ];
        for (name, t) in rows {
            writeln!(
                f,
                "{name:<19} {:>8} imported {:>8} already present {:>6} skipped",
                t.imported, t.present, t.skipped
            )?;
        }
        Ok(())
    }
}

/// Reads the original database at `from` and writes what is missing into `storage`, with a
/// progress bar on stderr (hidden when stderr is not a terminal).
///
/// # Errors
/// The original database cannot be read, or ours fails (not for a single bad row: those are
/// skipped, named on stderr, and counted).
pub async fn run(storage: Arc<dyn Storage>, from: &str) -> anyhow::Result<Summary> {
    let data = legacy::read(from).await?;
    Importer {
        storage,
        summary: Summary::default(),
        accounts: HashMap::new(),
    }
    .import(data)
    .await
}

struct Importer {
    storage: Arc<dyn Storage>,
    summary: Summary,
    /// Original account id → ours.
    accounts: HashMap<i64, AccountId>,
}

fn skip(what: &str, why: impl fmt::Display) {
    eprintln!("skipped {what}: {why}");
}

impl Importer {
    async fn import(mut self, data: LegacyData) -> anyhow::Result<Summary> {
        for space in &data.spaces {
            self.space(space).await?;
        }
        let mut passwords: BTreeMap<i64, Vec<Password>> = BTreeMap::new();
        for (account_id, hash, algorithm) in &data.passwords {
            match algorithm.parse::<PasswordAlgorithm>() {
                Ok(algorithm)
                    if hash.len() == algorithm.hex_len()
                        && hash.chars().all(|c| c.is_ascii_hexdigit()) =>
                {
                    passwords.entry(*account_id).or_default().push(Password {
                        algorithm,
                        hash: hash.to_ascii_lowercase(),
                    });
                }
                _ => {
                    self.summary.passwords.skipped += 1;
                    skip(
                        &format!("a password of account {account_id}"),
                        format!("not an {algorithm} hash"),
                    );
                }
            }
        }
        let bar = ProgressBar::new(data.accounts.len() as u64).with_style(
            ProgressStyle::with_template("accounts {bar:40} {pos}/{len} {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        for account in &data.accounts {
            let hashes = passwords.remove(&account.id).unwrap_or_default();
            self.account(account, hashes).await?;
            bar.inc(1);
        }
        bar.finish_and_clear();
        self.types(&data).await?;
        let now = Utc::now();
        for (account_id, key, value) in &data.dictionary {
            let Some(id) = self.accounts.get(account_id).copied() else {
                self.summary.dictionary_entries.skipped += 1;
                continue;
            };
            let current = self.storage.dictionary_of(id).await?;
            if current.get(key) == Some(value) {
                self.summary.dictionary_entries.present += 1;
            } else if current.contains_key(key) {
                // Changed here since: ours wins.
                self.summary.dictionary_entries.present += 1;
            } else {
                self.storage
                    .set_dictionary_entry(id, key, value, now)
                    .await?;
                self.summary.dictionary_entries.imported += 1;
            }
        }
        for (account_id, contact_id) in &data.contacts {
            match (
                self.accounts.get(account_id).copied(),
                self.accounts.get(contact_id).copied(),
            ) {
                (Some(a), Some(c)) => {
                    if self.storage.add_contact(a, c, now).await? {
                        self.summary.contacts.imported += 1;
                    } else {
                        self.summary.contacts.present += 1;
                    }
                }
                _ => self.summary.contacts.skipped += 1,
            }
        }
        self.address_books(&data).await?;
        Ok(self.summary)
    }

    /// Stored vCards (parsed again: one the library refuses is skipped), the spaces' CardDAV
    /// servers (one of the same URI in the space is taken as already here) and the accounts'
    /// credentials on them (HA1 as they are; the same ones are already here).
    async fn address_books(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        let now = Utc::now();
        for (account_id, text) in &data.vcards {
            let Some(id) = self.accounts.get(account_id).copied() else {
                self.summary.vcards.skipped += 1;
                continue;
            };
            let card = match ParsedVcard::parse(text) {
                Ok(card) => card,
                Err(_) => {
                    self.summary.vcards.skipped += 1;
                    skip(
                        &format!("a vCard of account {account_id}"),
                        "not one vCard with a UID",
                    );
                    continue;
                }
            };
            match self.storage.create_vcard(id, &card, now).await {
                Ok(_) => self.summary.vcards.imported += 1,
                Err(StoreError::Conflict(_)) => self.summary.vcards.present += 1,
                Err(e) => return Err(e.into()),
            }
        }
        // Original server id → ours.
        let mut servers: HashMap<i64, CardDavServerId> = HashMap::new();
        for legacy in &data.carddav_servers {
            let space = match Domain::parse(&legacy.space_domain) {
                Ok(domain) => self.storage.space_by_domain(&domain).await?,
                Err(_) => None,
            };
            let Some(space) = space else {
                self.summary.carddav_servers.skipped += 1;
                continue;
            };
            let existing = self.storage.carddav_servers(space.id).await?;
            if let Some(found) = existing.iter().find(|s| s.server.uri == legacy.uri) {
                servers.insert(legacy.id, found.id);
                self.summary.carddav_servers.present += 1;
                continue;
            }
            let new = NewCardDavServer {
                space_id: space.id,
                enabled: legacy.enabled,
                uri: legacy.uri.clone(),
                min_characters: legacy.min_characters,
                results_limit: legacy.results_limit,
                timeout: legacy.timeout,
                delay: legacy.delay,
                fields_for_user_input: legacy.fields_for_user_input.clone(),
                fields_for_domain: legacy.fields_for_domain.clone(),
                use_exact_match_policy: legacy.use_exact_match_policy,
            };
            let created = self.storage.create_carddav_server(&new, now).await?;
            servers.insert(legacy.id, created.id);
            self.summary.carddav_servers.imported += 1;
        }
        for (server_id, account_id, username, realm, algorithm, hash) in &data.carddav_credentials {
            let (Some(server), Some(account), Ok(algorithm)) = (
                servers.get(server_id).copied(),
                self.accounts.get(account_id).copied(),
                algorithm.parse::<PasswordAlgorithm>(),
            ) else {
                self.summary.carddav_credentials.skipped += 1;
                skip(
                    &format!("CardDAV credentials of account {account_id}"),
                    "unknown server or account, or not an MD5/SHA-256 hash",
                );
                continue;
            };
            let same = self
                .storage
                .carddav_credentials_of(&[account])
                .await?
                .into_iter()
                .any(|(s, c)| {
                    s.id == server
                        && c.username == *username
                        && c.realm == *realm
                        && c.password == *hash
                        && c.algorithm == algorithm
                });
            if same {
                self.summary.carddav_credentials.present += 1;
                continue;
            }
            self.storage
                .put_carddav_credentials(&CardDavCredentials {
                    account_id: account,
                    server_id: server,
                    username: username.clone(),
                    realm: realm.clone(),
                    algorithm,
                    password: hash.clone(),
                    created_at: now,
                    updated_at: now,
                })
                .await?;
            self.summary.carddav_credentials.imported += 1;
        }
        Ok(())
    }

    async fn space(&mut self, space: &LegacySpace) -> anyhow::Result<()> {
        let Ok(domain) = Domain::parse(&space.domain) else {
            self.summary.spaces.skipped += 1;
            skip(&format!("space {}", space.domain), "not a valid domain");
            return Ok(());
        };
        if self.storage.space_by_domain(&domain).await?.is_some() {
            self.summary.spaces.present += 1;
            return Ok(());
        }
        let Some(host) = normalize_host(&space.host) else {
            self.summary.spaces.skipped += 1;
            skip(&format!("space {}", space.domain), "not a valid host");
            return Ok(());
        };
        let digest = DigestConfig {
            realm: space.realm.clone().filter(|r| r != domain.as_str()),
            default_password_algorithm: space
                .default_password_algorithm
                .as_deref()
                .and_then(|a| a.parse().ok())
                .unwrap_or(PasswordAlgorithm::Sha256),
        };
        let new = NewSpace {
            domain,
            host,
            name: space.name.clone(),
            super_space: space.super_space,
            max_accounts: space.max_accounts.max(0),
            expire_at: space.expire_at,
            digest,
            jwt: None,
            settings: space.settings.clone(),
        };
        match self.storage.create_space(new, Utc::now()).await {
            Ok(_) => self.summary.spaces.imported += 1,
            Err(StoreError::Conflict(which)) => {
                self.summary.spaces.skipped += 1;
                skip(
                    &format!("space {}", space.domain),
                    format!("another space has the same {which:?}"),
                );
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    async fn account(
        &mut self,
        account: &LegacyAccount,
        passwords: Vec<Password>,
    ) -> anyhow::Result<()> {
        let name = format!("account {}@{}", account.username, account.domain);
        let (Ok(username), Ok(domain)) = (
            Username::parse(&account.username),
            Domain::parse(&account.domain),
        ) else {
            self.summary.accounts.skipped += 1;
            skip(&name, "not a valid SIP identity");
            return Ok(());
        };
        if let Some(existing) = self.storage.account_by_identity(&username, &domain).await? {
            self.accounts.insert(account.id, existing.id);
            self.summary.accounts.present += 1;
            self.summary.passwords.present += passwords.len() as u64;
            return Ok(());
        }
        let count = passwords.len() as u64;
        // Texts as the original holds them, unchecked: its rules were its own (and its rows may
        // predate them); ours apply the next time a request sets them.
        let new = NewAccount {
            email: account.email.clone().map(Email::unchecked),
            display_name: account.display_name.clone(),
            activated: account.activated,
            blocked: account.blocked,
            admin: account.admin,
            dtmf_protocol: account.dtmf_protocol.clone().map(DtmfProtocol::unchecked),
            phone: account.phone.clone().map(PhoneNumber::unchecked),
            ip_address: account.ip_address.clone(),
            user_agent: account.user_agent.clone(),
            passwords,
            ..NewAccount::new(username, domain)
        };
        // No max_accounts check: the original already holds these accounts.
        match self
            .storage
            .create_account(new, 0, account.created_at.unwrap_or_else(Utc::now))
            .await
        {
            Ok(created) => {
                self.accounts.insert(account.id, created.id);
                self.summary.accounts.imported += 1;
                self.summary.passwords.imported += count;
            }
            Err(StoreError::NotFound) => {
                self.summary.accounts.skipped += 1;
                skip(&name, "its space was not imported");
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// The original's types are global; ours belong to a space. Each type goes to the spaces
    /// whose imported accounts carry it (one copy per space, each attachment to its account's
    /// copy), and a type no account carries goes to every space of the original database.
    async fn types(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        let now = Utc::now();
        // Original account id → the domain of its imported account.
        let domains: HashMap<i64, Domain> = data
            .accounts
            .iter()
            .filter(|a| self.accounts.contains_key(&a.id))
            .filter_map(|a| Domain::parse(&a.domain).ok().map(|d| (a.id, d)))
            .collect();
        let mut placed: HashMap<i64, BTreeSet<Domain>> = HashMap::new();
        for (account_id, type_id) in &data.account_account_types {
            if let Some(d) = domains.get(account_id) {
                placed.entry(*type_id).or_default().insert(d.clone());
            }
        }
        let mut spaces = BTreeSet::new();
        for space in &data.spaces {
            if let Ok(d) = Domain::parse(&space.domain)
                && self.storage.space_by_domain(&d).await?.is_some()
            {
                spaces.insert(d);
            }
        }
        // Per space: our types by key.
        let mut ours: HashMap<Domain, HashMap<String, AccountTypeId>> = HashMap::new();
        // (original type id, space) → ours.
        let mut ids: HashMap<(i64, Domain), AccountTypeId> = HashMap::new();
        for (id, key) in &data.account_types {
            let targets = placed.get(id).unwrap_or(&spaces);
            if targets.is_empty() {
                self.summary.account_types.skipped += 1;
                skip(&format!("account type {key}"), "no space was imported");
                continue;
            }
            for domain in targets {
                if !ours.contains_key(domain) {
                    let listed = self.storage.list_account_types(domain).await?;
                    ours.insert(
                        domain.clone(),
                        listed
                            .into_iter()
                            .map(|t| (t.key.into_string(), t.id))
                            .collect(),
                    );
                }
                let by_key = ours.entry(domain.clone()).or_default();
                let type_id = if let Some(existing) = by_key.get(key) {
                    self.summary.account_types.present += 1;
                    *existing
                } else {
                    // As the original holds it (see the accounts above).
                    let unchecked = AccountTypeKey::unchecked(key.clone());
                    let created = self
                        .storage
                        .create_account_type(domain, &unchecked, now)
                        .await?;
                    by_key.insert(key.clone(), created.id);
                    self.summary.account_types.imported += 1;
                    created.id
                };
                ids.insert((*id, domain.clone()), type_id);
            }
        }
        for (account_id, type_id) in &data.account_account_types {
            let target = self.accounts.get(account_id).zip(domains.get(account_id));
            let kind = target.and_then(|(_, d)| ids.get(&(*type_id, d.clone())));
            match (target, kind) {
                (Some((a, d)), Some(t)) => {
                    if self.storage.attach_account_type(d, *a, *t, now).await? {
                        self.summary.type_attachments.imported += 1;
                    } else {
                        self.summary.type_attachments.present += 1;
                    }
                }
                _ => self.summary.type_attachments.skipped += 1,
            }
        }
        Ok(())
    }
}
