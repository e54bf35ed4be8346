//! `flexiapi import`: copies a database of the original account manager into ours, through the
//! repositories. Idempotent: what is already here (same space domain, same username@domain,
//! same type key in a space, same pair) is kept as it is and counted, so a second run changes nothing.
//!
//! One method per table of the original. A row that cannot be taken is skipped and listed
//! ([`Skip`]: table, id, reason); `--strict` turns any skip into a failed run (what was
//! imported stays: a second run after fixing the rows completes it).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use chrono::Utc;
use flexiapi_adapters_sql::legacy::{self, LegacyAccount, LegacyData, LegacyOidc, LegacySpace};
use flexiapi_domain::auth::jwt::public_key_is_usable;
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    AccountId, AccountTypeId, AccountTypeKey, ActionCode, ActionKey, ApiKeyKind, ApiKeyUsage,
    ContactsListId, ContactsListTitle, DigestConfig, Domain, DtmfProtocol, Email, ForwardTo,
    ForwardingType, InviteTerminatedState, JwtAlgorithm, JwtConfig, NewAccount, NewApiKey,
    NewCallForwarding, NewExternalAccount, NewSpace, Password, PasswordAlgorithm, PhoneNumber,
    SipProtocol, SipUri, SpaceId, StatisticsAddress, StatisticsCall, StatisticsCallDevice,
    StatisticsMessage, StatisticsMessageDevice, Username, default_leeway, hash_api_key,
    normalize_host,
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
    pub oidc_configurations: Tally,
    pub api_keys: Tally,
    pub account_actions: Tally,
    pub contacts_lists: Tally,
    pub contacts_list_members: Tally,
    pub contacts_list_attachments: Tally,
    pub tombstones: Tally,
    pub phone_countries: Tally,
    pub call_forwardings: Tally,
    pub external_accounts: Tally,
    pub statistics_messages: Tally,
    pub statistics_message_devices: Tally,
    pub statistics_calls: Tally,
    pub statistics_call_devices: Tally,
    pub vcards: Tally,
    pub carddav_servers: Tally,
    pub carddav_credentials: Tally,
    /// Every row skipped, in the order met.
    pub skips: Vec<Skip>,
}

/// A row of the original that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The original's table.
    pub table: &'static str,
    /// The row's id there (or its key columns, for tables without one).
    pub id: String,
    pub reason: String,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skipped {} {}: {}", self.table, self.id, self.reason)
    }
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
            ("oidc configurations", &self.oidc_configurations),
            ("api keys", &self.api_keys),
            ("account actions", &self.account_actions),
            ("contacts lists", &self.contacts_lists),
            ("list members", &self.contacts_list_members),
            ("list attachments", &self.contacts_list_attachments),
            ("tombstones", &self.tombstones),
            ("phone countries", &self.phone_countries),
            ("call forwardings", &self.call_forwardings),
            ("external accounts", &self.external_accounts),
            ("message statistics", &self.statistics_messages),
            ("message devices", &self.statistics_message_devices),
            ("call statistics", &self.statistics_calls),
            ("call devices", &self.statistics_call_devices),
            ("vcards", &self.vcards),
            ("carddav servers", &self.carddav_servers),
            ("carddav credentials", &self.carddav_credentials),
        ];
        for (name, t) in rows {
            writeln!(
                f,
                "{name:<20} {:>8} imported {:>8} already present {:>6} skipped",
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
/// skipped, listed in [`Summary::skips`], and counted).
pub async fn run(storage: Arc<dyn Storage>, from: &str) -> anyhow::Result<Summary> {
    let data = legacy::read(from).await?;
    Importer {
        storage,
        summary: Summary::default(),
        accounts: HashMap::new(),
        account_domains: HashMap::new(),
        spaces: HashMap::new(),
    }
    .import(data)
    .await
}

impl Summary {
    /// How many rows were skipped, all tables together.
    pub fn skipped(&self) -> usize {
        self.skips.len()
    }
}

struct Importer {
    storage: Arc<dyn Storage>,
    summary: Summary,
    /// Original account id → ours.
    accounts: HashMap<i64, AccountId>,
    /// Original account id → the domain of its imported account.
    account_domains: HashMap<i64, Domain>,
    /// Original space id → our space (id, domain), for the spaces here after the import.
    spaces: HashMap<i64, (SpaceId, Domain)>,
}

/// Which tally of [`Summary`] a skip counts in.
macro_rules! skip {
    ($self:ident, $tally:ident, $table:expr, $id:expr, $why:expr) => {{
        $self.summary.$tally.skipped += 1;
        $self.summary.skips.push(Skip {
            table: $table,
            id: $id.to_string(),
            reason: $why.to_string(),
        });
    }};
}

impl Importer {
    async fn import(mut self, data: LegacyData) -> anyhow::Result<Summary> {
        for space in &data.spaces {
            let oidc = data.oidc.iter().find(|o| o.space_id == space.id);
            self.space(space, oidc).await?;
        }
        let mut passwords: BTreeMap<i64, Vec<(i64, String, String)>> = BTreeMap::new();
        for (id, account_id, hash, algorithm) in &data.passwords {
            passwords
                .entry(*account_id)
                .or_default()
                .push((*id, hash.clone(), algorithm.clone()));
        }
        let bar = ProgressBar::new(data.accounts.len() as u64).with_style(
            ProgressStyle::with_template("accounts {bar:40} {pos}/{len} {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        for account in &data.accounts {
            let rows = passwords.remove(&account.id).unwrap_or_default();
            self.account(account, rows).await?;
            bar.inc(1);
        }
        bar.finish_and_clear();
        for (account_id, rows) in passwords {
            for (id, _, _) in rows {
                skip!(
                    self,
                    passwords,
                    "passwords",
                    id,
                    format!("its account {account_id} was not imported")
                );
            }
        }
        self.types(&data).await?;
        self.dictionary(&data).await?;
        self.contacts(&data).await?;
        self.api_keys(&data).await?;
        self.actions(&data).await?;
        self.contacts_lists(&data).await?;
        self.tombstones(&data).await?;
        self.phone_countries(&data).await?;
        self.call_forwardings(&data).await?;
        self.external_accounts(&data).await?;
        self.statistics(&data).await?;
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
                skip!(
                    self,
                    vcards,
                    "vcards_storage",
                    format!("of account {account_id}"),
                    "its account was not imported"
                );
                continue;
            };
            let card = match ParsedVcard::parse(text) {
                Ok(card) => card,
                Err(_) => {
                    skip!(
                        self,
                        vcards,
                        "vcards_storage",
                        format!("of account {account_id}"),
                        "not one vCard with a UID"
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
                skip!(
                    self,
                    carddav_servers,
                    "space_carddav_servers",
                    legacy.id,
                    "its space was not imported"
                );
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
                skip!(
                    self,
                    carddav_credentials,
                    "account_carddav_credentials",
                    format!("{server_id}/{account_id}"),
                    "unknown server or account, or not an MD5/SHA-256 hash"
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

    async fn space(
        &mut self,
        space: &LegacySpace,
        oidc: Option<&LegacyOidc>,
    ) -> anyhow::Result<()> {
        let Ok(domain) = Domain::parse(&space.domain) else {
            skip!(
                self,
                spaces,
                "spaces",
                space.id,
                format!("{:?} is not a valid domain", space.domain)
            );
            return Ok(());
        };
        if let Some(existing) = self.storage.space_by_domain(&domain).await? {
            self.spaces.insert(space.id, (existing.id, domain));
            self.summary.spaces.present += 1;
            if oidc.is_some() {
                self.summary.oidc_configurations.present += 1;
            }
            return Ok(());
        }
        let Some(host) = normalize_host(&space.host) else {
            skip!(
                self,
                spaces,
                "spaces",
                space.id,
                format!("{:?} is not a valid host", space.host)
            );
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
        let jwt = match oidc {
            None => None,
            Some(o) => self.oidc(o),
        };
        let new = NewSpace {
            domain: domain.clone(),
            host,
            name: space.name.clone(),
            super_space: space.super_space,
            max_accounts: space.max_accounts.max(0),
            expire_at: space.expire_at,
            digest,
            jwt: jwt.clone(),
            settings: space.settings.clone(),
        };
        match self.storage.create_space(new, Utc::now()).await {
            Ok(created) => {
                self.spaces.insert(space.id, (created.id, domain));
                self.summary.spaces.imported += 1;
                if jwt.is_some() {
                    self.summary.oidc_configurations.imported += 1;
                }
            }
            Err(StoreError::Conflict(which)) => {
                skip!(
                    self,
                    spaces,
                    "spaces",
                    space.id,
                    format!("another space has the same {which:?}")
                );
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// The original's OIDC configuration as our JWT one: its public key checks the tokens, its
    /// `sip_identifier` names the claim, and, as there, only JWT logs users in once it is set.
    /// Without a public key there is nothing to check tokens with: skipped.
    fn oidc(&mut self, oidc: &LegacyOidc) -> Option<JwtConfig> {
        let table = "space_oidc_authentication_configurations";
        let Some(public_key) = oidc.public_key.clone().filter(|k| !k.trim().is_empty()) else {
            skip!(
                self,
                oidc_configurations,
                table,
                oidc.id,
                "no public key to check tokens with"
            );
            return None;
        };
        // The algorithms the key can check (the original's keys are RSA ones).
        let algorithms: Vec<JwtAlgorithm> = JwtAlgorithm::ALL
            .into_iter()
            .filter(|a| public_key_is_usable(&public_key, &[*a]))
            .collect();
        if algorithms.is_empty() {
            skip!(
                self,
                oidc_configurations,
                table,
                oidc.id,
                "the public key is not a PEM public key"
            );
            return None;
        }
        if !oidc.unsupported.is_empty() {
            eprintln!(
                "note: {table} {}: not imported (no counterpart here): {}",
                oidc.id,
                oidc.unsupported.join(", ")
            );
        }
        Some(JwtConfig {
            public_key,
            sip_identifier: oidc.sip_identifier.clone().filter(|s| !s.is_empty()),
            algorithms,
            issuer: None,
            audience: None,
            leeway_seconds: default_leeway(),
            jwt_only: true,
            server_url: oidc.server_url.clone(),
            realm: oidc.realm.clone(),
            client_id: oidc.client_id.clone(),
        })
    }

    /// The account's passwords as ours: hashes as they are, a `CLRTXT` one hashed with the
    /// space's default algorithm and realm (unless the account has a hash of that algorithm
    /// already); each one that cannot be taken is skipped.
    async fn passwords(
        &mut self,
        account: &LegacyAccount,
        username: &Username,
        domain: &Domain,
        rows: Vec<(i64, String, String)>,
    ) -> anyhow::Result<Vec<Password>> {
        let mut kept: Vec<Password> = Vec::new();
        let mut clear = Vec::new();
        for (id, hash, algorithm) in rows {
            if algorithm.eq_ignore_ascii_case("CLRTXT") {
                clear.push((id, hash));
                continue;
            }
            match algorithm.parse::<PasswordAlgorithm>() {
                Ok(algorithm)
                    if hash.len() == algorithm.hex_len()
                        && hash.chars().all(|c| c.is_ascii_hexdigit()) =>
                {
                    if kept.iter().any(|p| p.algorithm == algorithm) {
                        skip!(
                            self,
                            passwords,
                            "passwords",
                            id,
                            format!("account {} has another {algorithm} hash", account.id)
                        );
                    } else {
                        kept.push(Password {
                            algorithm,
                            hash: hash.to_ascii_lowercase(),
                        });
                    }
                }
                Ok(algorithm) => {
                    skip!(
                        self,
                        passwords,
                        "passwords",
                        id,
                        format!("not an {algorithm} hash")
                    );
                }
                Err(_) => {
                    skip!(
                        self,
                        passwords,
                        "passwords",
                        id,
                        format!("unknown algorithm {algorithm:?}")
                    );
                }
            }
        }
        if !clear.is_empty() {
            let space = self.storage.space_by_domain(domain).await?;
            for (id, text) in clear {
                let Some(space) = &space else {
                    skip!(
                        self,
                        passwords,
                        "passwords",
                        id,
                        "its space was not imported"
                    );
                    continue;
                };
                let algorithm = space.digest.default_password_algorithm;
                if text.is_empty() {
                    skip!(
                        self,
                        passwords,
                        "passwords",
                        id,
                        "an empty clear-text password"
                    );
                } else if kept.iter().any(|p| p.algorithm == algorithm) {
                    skip!(
                        self,
                        passwords,
                        "passwords",
                        id,
                        format!(
                            "a clear-text password, and account {} has a {algorithm} hash already",
                            account.id
                        )
                    );
                } else {
                    kept.push(Password::from_clear(
                        algorithm,
                        username.as_str(),
                        space.realm(),
                        &text,
                    ));
                }
            }
        }
        Ok(kept)
    }

    async fn account(
        &mut self,
        account: &LegacyAccount,
        password_rows: Vec<(i64, String, String)>,
    ) -> anyhow::Result<()> {
        let name = format!("{}@{}", account.username, account.domain);
        let (Ok(username), Ok(domain)) = (
            Username::parse(&account.username),
            Domain::parse(&account.domain),
        ) else {
            skip!(
                self,
                accounts,
                "accounts",
                account.id,
                format!("{name} is not a valid SIP identity")
            );
            for (id, _, _) in password_rows {
                skip!(
                    self,
                    passwords,
                    "passwords",
                    id,
                    format!("its account {} was not imported", account.id)
                );
            }
            return Ok(());
        };
        if let Some(existing) = self.storage.account_by_identity(&username, &domain).await? {
            self.accounts.insert(account.id, existing.id);
            self.account_domains.insert(account.id, domain);
            self.summary.accounts.present += 1;
            self.summary.passwords.present += password_rows.len() as u64;
            return Ok(());
        }
        let rows = password_rows
            .iter()
            .map(|(id, _, _)| *id)
            .collect::<Vec<_>>();
        let passwords = self
            .passwords(account, &username, &domain, password_rows)
            .await?;
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
            ..NewAccount::new(username, domain.clone())
        };
        // No max_accounts check: the original already holds these accounts.
        match self
            .storage
            .create_account(new, 0, account.created_at.unwrap_or_else(Utc::now))
            .await
        {
            Ok(created) => {
                self.accounts.insert(account.id, created.id);
                self.account_domains.insert(account.id, domain);
                self.summary.accounts.imported += 1;
                self.summary.passwords.imported += count;
            }
            Err(StoreError::NotFound) => {
                skip!(
                    self,
                    accounts,
                    "accounts",
                    account.id,
                    format!("{name}: its space was not imported")
                );
                // The passwords went with it; those skipped already are listed once.
                let listed: BTreeSet<String> = self
                    .summary
                    .skips
                    .iter()
                    .filter(|s| s.table == "passwords")
                    .map(|s| s.id.clone())
                    .collect();
                for id in rows
                    .into_iter()
                    .filter(|id| !listed.contains(&id.to_string()))
                {
                    skip!(
                        self,
                        passwords,
                        "passwords",
                        id,
                        format!("its account {} was not imported", account.id)
                    );
                }
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    async fn dictionary(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        let now = Utc::now();
        for (account_id, key, value) in &data.dictionary {
            let Some(id) = self.accounts.get(account_id).copied() else {
                skip!(
                    self,
                    dictionary_entries,
                    "account_dictionary_entries",
                    format!("{account_id}/{key}"),
                    "its account was not imported"
                );
                continue;
            };
            let current = self.storage.dictionary_of(id).await?;
            if current.contains_key(key) {
                // The same, or changed here since: ours wins.
                self.summary.dictionary_entries.present += 1;
            } else {
                self.storage
                    .set_dictionary_entry(id, key, value, now)
                    .await?;
                self.summary.dictionary_entries.imported += 1;
            }
        }
        Ok(())
    }

    async fn contacts(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        let now = Utc::now();
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
                _ => skip!(
                    self,
                    contacts,
                    "contacts",
                    format!("{account_id}/{contact_id}"),
                    "an account of the pair was not imported"
                ),
            }
        }
        Ok(())
    }

    /// Keys are stored hashed here: each original key is hashed on the way. A user key is bound
    /// to its IP address (ours always are); an admin key that expires after idle minutes and is
    /// idle that long already is not brought back.
    async fn api_keys(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        let now = Utc::now();
        for key in &data.api_keys {
            let Some(account_id) = self.accounts.get(&key.account_id).copied() else {
                skip!(
                    self,
                    api_keys,
                    "api_keys",
                    key.id,
                    "its account was not imported"
                );
                continue;
            };
            if key.key.trim().is_empty() {
                skip!(self, api_keys, "api_keys", key.id, "an empty key");
                continue;
            }
            let hash = hash_api_key(&key.key);
            if self.storage.api_key_by_hash(&hash).await?.is_some() {
                self.summary.api_keys.present += 1;
                continue;
            }
            let kind = match (key.expires_after_last_used_minutes, key.ip.as_deref()) {
                (None, Some(ip)) if !ip.trim().is_empty() => ApiKeyKind::User {
                    ip: ip.trim().to_owned(),
                },
                (None, _) => {
                    skip!(
                        self,
                        api_keys,
                        "api_keys",
                        key.id,
                        "a user key bound to no IP address (ours always are)"
                    );
                    continue;
                }
                (Some(minutes), _)
                    if minutes > 0
                        && key
                            .last_used_at
                            .is_some_and(|at| at + chrono::Duration::minutes(minutes) < now) =>
                {
                    skip!(
                        self,
                        api_keys,
                        "api_keys",
                        key.id,
                        format!("an admin key idle for more than its {minutes} minutes")
                    );
                    continue;
                }
                (Some(_), _) => ApiKeyKind::Admin,
            };
            let created = self
                .storage
                .create_api_key(NewApiKey {
                    account_id,
                    key_hash: hash,
                    name: key.name.clone(),
                    kind,
                    created_at: key.created_at.or(key.last_used_at).unwrap_or(now),
                })
                .await;
            match created {
                Ok(created) => {
                    if let Some(last_used_at) = key.last_used_at {
                        self.storage
                            .record_api_key_usage(&[ApiKeyUsage {
                                id: created.id,
                                last_used_at,
                                requests: key.requests.max(0),
                            }])
                            .await?;
                    }
                    self.summary.api_keys.imported += 1;
                }
                Err(StoreError::Conflict(_)) => self.summary.api_keys.present += 1,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    async fn actions(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        let now = Utc::now();
        for action in &data.actions {
            let Some(account_id) = self.accounts.get(&action.account_id).copied() else {
                skip!(
                    self,
                    account_actions,
                    "account_actions",
                    action.id,
                    "its account was not imported"
                );
                continue;
            };
            let present = self
                .storage
                .account_actions(account_id)
                .await?
                .into_iter()
                .any(|a| a.key.as_str() == action.key && a.code.as_str() == action.code);
            if present {
                self.summary.account_actions.present += 1;
                continue;
            }
            if action.key.trim().is_empty() || action.code.trim().is_empty() {
                skip!(
                    self,
                    account_actions,
                    "account_actions",
                    action.id,
                    "an empty key or code"
                );
                continue;
            }
            // As the original holds them (see the accounts).
            self.storage
                .create_account_action(
                    account_id,
                    &ActionKey::unchecked(action.key.clone()),
                    &ActionCode::unchecked(action.code.clone()),
                    now,
                )
                .await?;
            self.summary.account_actions.imported += 1;
        }
        Ok(())
    }

    /// Lists go to their space (`space_id`); a list of an original older than that column goes
    /// to the space of its first member's or attached account's domain.
    async fn contacts_lists(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        let now = Utc::now();
        let mut ids: HashMap<i64, ContactsListId> = HashMap::new();
        for list in &data.contacts_lists {
            let space = match list.space_id {
                Some(id) => self.spaces.get(&id).cloned(),
                None => {
                    let account = data
                        .contacts_list_contacts
                        .iter()
                        .filter(|(l, _)| *l == list.id)
                        .map(|(_, a)| *a)
                        .chain(
                            data.account_contacts_lists
                                .iter()
                                .filter(|(_, l)| *l == list.id)
                                .map(|(a, _)| *a),
                        )
                        .find_map(|a| self.account_domains.get(&a).cloned());
                    match account {
                        Some(domain) => self
                            .storage
                            .space_by_domain(&domain)
                            .await?
                            .map(|s| (s.id, domain)),
                        None => None,
                    }
                }
            };
            let Some((space_id, _)) = space else {
                skip!(
                    self,
                    contacts_lists,
                    "contacts_lists",
                    list.id,
                    "its space was not imported"
                );
                continue;
            };
            let Ok(title) = ContactsListTitle::parse(&list.title) else {
                skip!(
                    self,
                    contacts_lists,
                    "contacts_lists",
                    list.id,
                    format!("{:?} is not a valid title", list.title)
                );
                continue;
            };
            if let Some(existing) = self
                .storage
                .contacts_lists_of(space_id)
                .await?
                .into_iter()
                .find(|l| l.title == title)
            {
                ids.insert(list.id, existing.id);
                self.summary.contacts_lists.present += 1;
                continue;
            }
            match self
                .storage
                .create_contacts_list(space_id, &title, list.description.as_deref(), now)
                .await
            {
                Ok(created) => {
                    ids.insert(list.id, created.id);
                    self.summary.contacts_lists.imported += 1;
                }
                Err(StoreError::Conflict(_)) => {
                    skip!(
                        self,
                        contacts_lists,
                        "contacts_lists",
                        list.id,
                        format!("a list of another space has the title {:?}", list.title)
                    );
                }
                Err(e) => return Err(e.into()),
            }
        }
        for (list_id, contact_id) in &data.contacts_list_contacts {
            let row = format!("{list_id}/{contact_id}");
            match (ids.get(list_id), self.accounts.get(contact_id)) {
                (Some(list), Some(contact)) => {
                    if self
                        .storage
                        .add_to_contacts_list(*list, *contact, now)
                        .await?
                    {
                        self.summary.contacts_list_members.imported += 1;
                    } else {
                        self.summary.contacts_list_members.present += 1;
                    }
                }
                _ => skip!(
                    self,
                    contacts_list_members,
                    "contacts_list_contact",
                    row,
                    "its list or its account was not imported"
                ),
            }
        }
        for (account_id, list_id) in &data.account_contacts_lists {
            let row = format!("{account_id}/{list_id}");
            match (self.accounts.get(account_id), ids.get(list_id)) {
                (Some(account), Some(list)) => {
                    if self
                        .storage
                        .attach_contacts_list(*account, *list, now)
                        .await?
                    {
                        self.summary.contacts_list_attachments.imported += 1;
                    } else {
                        self.summary.contacts_list_attachments.present += 1;
                    }
                }
                _ => skip!(
                    self,
                    contacts_list_attachments,
                    "account_contacts_list",
                    row,
                    "its account or its list was not imported"
                ),
            }
        }
        Ok(())
    }

    /// Tombstones keep their date: the purge counts from it.
    async fn tombstones(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        for tombstone in &data.tombstones {
            let (Ok(username), Ok(domain)) = (
                Username::parse(&tombstone.username),
                Domain::parse(&tombstone.domain),
            ) else {
                skip!(
                    self,
                    tombstones,
                    "accounts_tombstones",
                    tombstone.id,
                    format!(
                        "{}@{} is not a valid SIP identity",
                        tombstone.username, tombstone.domain
                    )
                );
                continue;
            };
            let at = tombstone.created_at.unwrap_or_else(Utc::now);
            if self.storage.add_tombstone(&username, &domain, at).await? {
                self.summary.tombstones.imported += 1;
            } else {
                self.summary.tombstones.present += 1;
            }
        }
        Ok(())
    }

    /// Activation is per dialling code here (`+1` is one switch for US, CA, …): a code is
    /// activated when one of its countries is there; a deactivated country that shares it with
    /// an activated one cannot stay deactivated, and is listed.
    async fn phone_countries(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        let ours: HashMap<String, (String, bool)> = self
            .storage
            .list_phone_countries()
            .await?
            .into_iter()
            .map(|c| (c.code, (c.country_code, c.activated)))
            .collect();
        let activated: BTreeSet<&str> = data
            .phone_countries
            .iter()
            .filter(|c| c.activated)
            .map(|c| c.country_code.as_str())
            .collect();
        let mut switched = BTreeSet::new();
        for country in &data.phone_countries {
            let code = country.code.to_ascii_uppercase();
            let Some((dialling, active_here)) = ours.get(&code) else {
                skip!(
                    self,
                    phone_countries,
                    "phone_countries",
                    code,
                    "an unknown country code here"
                );
                continue;
            };
            if !country.activated {
                if activated.contains(dialling.as_str()) {
                    skip!(
                        self,
                        phone_countries,
                        "phone_countries",
                        code,
                        format!(
                            "deactivated, but +{dialling} is activated for another country (one switch per dialling code here)"
                        )
                    );
                } else {
                    self.summary.phone_countries.present += 1;
                }
                continue;
            }
            if *active_here || switched.contains(dialling) {
                self.summary.phone_countries.present += 1;
                continue;
            }
            self.storage
                .set_phone_countries_activated(dialling, true)
                .await?;
            switched.insert(dialling.clone());
            self.summary.phone_countries.imported += 1;
        }
        Ok(())
    }

    async fn call_forwardings(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        let now = Utc::now();
        for forwarding in &data.call_forwardings {
            let table = "call_forwardings";
            let Some(account_id) = self.accounts.get(&forwarding.account_id).copied() else {
                skip!(
                    self,
                    call_forwardings,
                    table,
                    forwarding.id,
                    "its account was not imported"
                );
                continue;
            };
            let (Ok(kind), Ok(forward_to)) = (
                ForwardingType::parse(&forwarding.kind),
                ForwardTo::parse(&forwarding.forward_to),
            ) else {
                skip!(
                    self,
                    call_forwardings,
                    table,
                    forwarding.id,
                    format!(
                        "unknown type {:?} or forward_to {:?}",
                        forwarding.kind, forwarding.forward_to
                    )
                );
                continue;
            };
            if self
                .storage
                .call_forwardings_of(account_id)
                .await?
                .iter()
                .any(|f| f.kind == kind)
            {
                self.summary.call_forwardings.present += 1;
                continue;
            }
            let sip_uri = match forwarding.sip_uri.as_deref().filter(|u| !u.is_empty()) {
                None => None,
                Some(raw) => match SipUri::parse(raw) {
                    Ok(uri) => Some(uri),
                    Err(_) => {
                        skip!(
                            self,
                            call_forwardings,
                            table,
                            forwarding.id,
                            format!("{raw:?} is not a SIP URI")
                        );
                        continue;
                    }
                },
            };
            let contact_id = match forwarding.contact_id {
                None => None,
                Some(id) => match self.accounts.get(&id) {
                    Some(contact) => Some(*contact),
                    None => {
                        skip!(
                            self,
                            call_forwardings,
                            table,
                            forwarding.id,
                            format!("its contact {id} was not imported")
                        );
                        continue;
                    }
                },
            };
            let new = NewCallForwarding {
                account_id,
                kind,
                forward_to,
                sip_uri,
                contact_id,
                enabled: forwarding.enabled,
            };
            match self.storage.create_call_forwarding(&new, now).await {
                Ok(_) => self.summary.call_forwardings.imported += 1,
                Err(StoreError::Conflict(which)) => {
                    skip!(
                        self,
                        call_forwardings,
                        table,
                        forwarding.id,
                        format!("refused here: {which:?}")
                    );
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    async fn external_accounts(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        let now = Utc::now();
        for external in &data.external_accounts {
            let table = "external_accounts";
            let Some(account_id) = self.accounts.get(&external.account_id).copied() else {
                skip!(
                    self,
                    external_accounts,
                    table,
                    external.id,
                    "its account was not imported"
                );
                continue;
            };
            if self
                .storage
                .external_account_of(account_id)
                .await?
                .is_some()
            {
                self.summary.external_accounts.present += 1;
                continue;
            }
            let Some(protocol) = SipProtocol::parse(&external.protocol) else {
                skip!(
                    self,
                    external_accounts,
                    table,
                    external.id,
                    format!("unknown protocol {:?}", external.protocol)
                );
                continue;
            };
            let algorithm = match external.algorithm.parse::<PasswordAlgorithm>() {
                Ok(a)
                    if external.password.len() == a.hex_len()
                        && external.password.chars().all(|c| c.is_ascii_hexdigit()) =>
                {
                    a
                }
                _ => {
                    skip!(
                        self,
                        external_accounts,
                        table,
                        external.id,
                        format!("the password is not an {} hash", external.algorithm)
                    );
                    continue;
                }
            };
            let new = NewExternalAccount {
                username: external.username.clone(),
                domain: external.domain.clone(),
                password: Some(external.password.to_ascii_lowercase()),
                algorithm,
                realm: external.realm.clone().filter(|r| !r.is_empty()),
                registrar: external.registrar.clone().filter(|r| !r.is_empty()),
                outbound_proxy: external.outbound_proxy.clone().filter(|r| !r.is_empty()),
                protocol,
            };
            match self
                .storage
                .put_external_account(account_id, &new, now)
                .await
            {
                Ok(_) => self.summary.external_accounts.imported += 1,
                Err(StoreError::Conflict(_)) => {
                    skip!(
                        self,
                        external_accounts,
                        table,
                        external.id,
                        format!(
                            "another account has the external account {}@{}",
                            external.username, external.domain
                        )
                    );
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The original's statistics belong to no space; here each goes to the space of its
    /// sender's domain, else of its recipient's (a call's `to`). Rows of domains no space here
    /// serves are listed.
    async fn statistics(&mut self, data: &LegacyData) -> anyhow::Result<()> {
        let now = Utc::now();
        let mut served: HashMap<String, Option<Domain>> = HashMap::new();
        macro_rules! space_of {
            ($domain:expr) => {{
                let raw: &str = $domain;
                if !served.contains_key(raw) {
                    let found = match Domain::parse(raw) {
                        Ok(d) => self.storage.space_by_domain(&d).await?.map(|_| d),
                        Err(_) => None,
                    };
                    served.insert(raw.to_owned(), found);
                }
                served.get(raw).cloned().flatten()
            }};
        }
        let mut message_spaces: HashMap<&str, Domain> = HashMap::new();
        for message in &data.messages {
            let table = "statistics_messages";
            let Some(space) = space_of!(&message.from_domain) else {
                skip!(
                    self,
                    statistics_messages,
                    table,
                    message.id,
                    format!("no space here serves {}", message.from_domain)
                );
                continue;
            };
            let Some(sent_at) = message.sent_at else {
                skip!(self, statistics_messages, table, message.id, "no sent_at");
                continue;
            };
            let row = StatisticsMessage {
                space: space.clone(),
                id: message.id.clone(),
                from: StatisticsAddress::new(
                    message.from_username.clone(),
                    message.from_domain.clone(),
                ),
                sent_at,
                encrypted: message.encrypted,
                conference_id: message.conference_id.clone(),
                devices: Vec::new(),
                created_at: message.created_at.unwrap_or(now),
                updated_at: now,
            };
            if self.storage.record_statistics_message(&row).await? {
                self.summary.statistics_messages.imported += 1;
            } else {
                self.summary.statistics_messages.present += 1;
            }
            message_spaces.insert(message.id.as_str(), space);
        }
        for device in &data.message_devices {
            let table = "statistics_message_devices";
            let Some(space) = message_spaces.get(device.message_id.as_str()) else {
                skip!(
                    self,
                    statistics_message_devices,
                    table,
                    device.id,
                    format!("its message {} was not imported", device.message_id)
                );
                continue;
            };
            let row = StatisticsMessageDevice {
                message_id: device.message_id.clone(),
                to: StatisticsAddress::new(device.to_username.clone(), device.to_domain.clone()),
                device_id: device.device_id.clone(),
                last_status: device.last_status,
                received_at: device.received_at.unwrap_or(now),
                created_at: now,
                updated_at: now,
            };
            let existing = self
                .storage
                .statistics_message(space, &device.message_id)
                .await?
                .is_some_and(|m| {
                    m.devices
                        .iter()
                        .any(|d| d.to == row.to && d.device_id == row.device_id)
                });
            if existing {
                self.summary.statistics_message_devices.present += 1;
            } else {
                self.storage
                    .put_statistics_message_device(space, &row)
                    .await?;
                self.summary.statistics_message_devices.imported += 1;
            }
        }
        let mut call_spaces: HashMap<&str, Domain> = HashMap::new();
        for call in &data.calls {
            let table = "statistics_calls";
            let space = match space_of!(&call.from_domain) {
                Some(space) => Some(space),
                None => space_of!(&call.to_domain),
            };
            let Some(space) = space else {
                skip!(
                    self,
                    statistics_calls,
                    table,
                    call.id,
                    format!(
                        "no space here serves {} or {}",
                        call.from_domain, call.to_domain
                    )
                );
                continue;
            };
            let Some(initiated_at) = call.initiated_at else {
                skip!(self, statistics_calls, table, call.id, "no initiated_at");
                continue;
            };
            let row = StatisticsCall {
                space: space.clone(),
                id: call.id.clone(),
                from: StatisticsAddress::new(call.from_username.clone(), call.from_domain.clone()),
                to: StatisticsAddress::new(call.to_username.clone(), call.to_domain.clone()),
                initiated_at,
                ended_at: call.ended_at,
                conference_id: call.conference_id.clone(),
                devices: Vec::new(),
                created_at: call.created_at.unwrap_or(now),
                updated_at: now,
            };
            if self.storage.record_statistics_call(&row).await? {
                self.summary.statistics_calls.imported += 1;
            } else {
                self.summary.statistics_calls.present += 1;
            }
            call_spaces.insert(call.id.as_str(), space);
        }
        for device in &data.call_devices {
            let table = "statistics_call_devices";
            let Some(space) = call_spaces.get(device.call_id.as_str()) else {
                skip!(
                    self,
                    statistics_call_devices,
                    table,
                    device.id,
                    format!("its call {} was not imported", device.call_id)
                );
                continue;
            };
            let terminated = match (
                device.invite_terminated_at,
                device.invite_terminated_state.as_deref(),
            ) {
                (Some(at), Some(state)) => match InviteTerminatedState::parse(state) {
                    Some(state) => Some((at, state)),
                    None => {
                        skip!(
                            self,
                            statistics_call_devices,
                            table,
                            device.id,
                            format!("unknown invite_terminated_state {state:?}")
                        );
                        continue;
                    }
                },
                _ => None,
            };
            let existing = self
                .storage
                .statistics_call(space, &device.call_id)
                .await?
                .is_some_and(|c| c.devices.iter().any(|d| d.device_id == device.device_id));
            if existing {
                self.summary.statistics_call_devices.present += 1;
                continue;
            }
            let row = StatisticsCallDevice {
                call_id: device.call_id.clone(),
                device_id: device.device_id.clone(),
                rang_at: device.rang_at,
                invite_terminated: terminated,
                created_at: now,
                updated_at: now,
            };
            self.storage.put_statistics_call_device(space, &row).await?;
            self.summary.statistics_call_devices.imported += 1;
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
                skip!(
                    self,
                    account_types,
                    "account_types",
                    id,
                    format!("{key}: no space was imported")
                );
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
                _ => skip!(
                    self,
                    type_attachments,
                    "account_account_type",
                    format!("{account_id}/{type_id}"),
                    "its account or its type was not imported"
                ),
            }
        }
        Ok(())
    }
}
