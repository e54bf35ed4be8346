//! Remote provisioning for Linphone: the configuration a device applies, built from its space
//! (and its account, when one is provisioned), and the single-use tokens that hand it out.
//!
//! The configuration is Linphone's: named sections of named entries. Generated here:
//! - `ui`: the space's app settings (`disable_chat_feature`, `max_account`, …) as `0`/`1`;
//! - `proxy_0`: the account's `reg_identity` and `reg_proxy` (the space's
//!   `account_proxy_registrar_address`, else `<sip:DOMAIN;transport=tls>`);
//! - `auth_info_N`: one per stored password (`username`, `domain`, `ha1`, `realm`,
//!   `algorithm`). The SDK keeps the last one it reads for a user, so the space's default
//!   algorithm comes last.
//!
//! The space's `custom_provisioning_entries` (INI) are merged over that: a custom entry replaces
//! the generated entry of the same section and name, and adds what is new. With
//! `custom_provisioning_overwrite_all` every entry overwrites the device's own setting.

use chrono::{DateTime, Utc};

use super::{
    ClientCertificateRefusal, Entity, ServiceError, ServiceResult, Services,
    check_may_get_credentials,
};
use crate::model::{
    Account, AccountChanges, CardDavCredentials, CardDavServer, ExternalAccount, ProvisioningToken,
    SipIdentity, Space,
};
use crate::validation::is_config_char;

/// One `name = value` of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub value: String,
}

/// A named section, its entries in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub entries: Vec<Entry>,
}

/// A Linphone configuration, sections in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinphoneConfig {
    pub sections: Vec<Section>,
    /// Every entry replaces the device's own value (`overwrite="true"`).
    pub overwrite_all: bool,
}

impl LinphoneConfig {
    /// Sets `section.name` to `value`, replacing an entry of that name or appending one (and
    /// the section, when new).
    /// The value is kept to what the XML and Linphone's INI can carry ([`config_text`]).
    pub fn set(&mut self, section: &str, name: &str, value: impl Into<String>) {
        let value = config_text(&value.into());
        let index = match self.sections.iter().position(|s| s.name == section) {
            Some(i) => i,
            None => {
                self.sections.push(Section {
                    name: section.to_owned(),
                    entries: Vec::new(),
                });
                self.sections.len() - 1
            }
        };
        let entries = &mut self.sections[index].entries;
        match entries.iter_mut().find(|e| e.name == name) {
            Some(entry) => entry.value = value,
            None => entries.push(Entry {
                name: name.to_owned(),
                value,
            }),
        }
    }

    pub fn get(&self, section: &str, name: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|s| s.name == section)?
            .entries
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.value.as_str())
    }

    /// The configuration for `space`, and for `account` with its passwords when given (the
    /// account belongs to `space`).
    pub fn build(space: &Space, account: Option<&Account>) -> Self {
        Self::build_with_external(space, account, None)
    }

    /// As [`LinphoneConfig::build`], with the account's external account, as the original:
    /// `proxy_0` gets `depends_on = external_account`; `proxy_1` registers the external address
    /// (`idkey = external_account`, `reg_proxy` the registrar or domain with its transport,
    /// `reg_route` the outbound proxy) and the next `auth_info_N` carries its HA1.
    pub fn build_with_external(
        space: &Space,
        account: Option<&Account>,
        external: Option<&ExternalAccount>,
    ) -> Self {
        let mut config = Self {
            sections: Vec::new(),
            overwrite_all: space.settings.custom_provisioning_overwrite_all,
        };
        let s = &space.settings;
        let flag = |b: bool| String::from(if b { "1" } else { "0" });
        for (name, value) in [
            ("super", flag(space.super_space)),
            ("disable_chat_feature", flag(s.disable_chat_feature)),
            ("disable_meetings_feature", flag(s.disable_meetings_feature)),
            (
                "disable_broadcast_feature",
                flag(s.disable_broadcast_feature),
            ),
            ("hide_settings", flag(s.hide_settings)),
            ("hide_account_settings", flag(s.hide_account_settings)),
            (
                "disable_call_recordings_feature",
                flag(s.disable_call_recordings_feature),
            ),
            (
                "only_display_sip_uri_username",
                flag(s.only_display_sip_uri_username),
            ),
            (
                "assistant_hide_create_account",
                flag(s.assistant_hide_create_account),
            ),
            (
                "assistant_disable_qr_code",
                flag(s.assistant_disable_qr_code),
            ),
            (
                "assistant_hide_third_party_account",
                flag(s.assistant_hide_third_party_account),
            ),
            ("max_account", s.max_account.to_string()),
        ] {
            config.set("ui", name, value);
        }

        if let Some(account) = account {
            config.set("proxy_0", "reg_identity", reg_identity(account));
            let proxy = s
                .account_proxy_registrar_address
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map_or_else(
                    || format!("<sip:{};transport=tls>", space.domain),
                    str::to_owned,
                );
            config.set("proxy_0", "reg_proxy", proxy);

            let preferred = space.digest.default_password_algorithm;
            let mut passwords: Vec<_> = account.passwords.iter().collect();
            // Stable: other algorithms keep their order, the preferred one goes last.
            passwords.sort_by_key(|p| p.algorithm == preferred);
            for (i, password) in passwords.into_iter().enumerate() {
                let section = format!("auth_info_{i}");
                config.set(&section, "username", account.username.as_str());
                config.set(&section, "domain", account.domain.as_str());
                config.set(&section, "ha1", password.hash.as_str());
                config.set(&section, "realm", space.realm());
                config.set(&section, "algorithm", password.algorithm.as_str());
            }
            if let Some(external) = external {
                add_external_account(&mut config, external, account.passwords.len());
            }
        }

        if let Some(custom) = s.custom_provisioning_entries.as_deref()
            && let Some(sections) = parse_ini(custom)
        {
            for (section, entries) in sections {
                for (name, value) in entries {
                    config.set(&section, &name, value);
                }
            }
        }
        config
    }
}

impl LinphoneConfig {
    /// Sets `section.name` unless it is set already (a custom entry of the space wins).
    fn set_default(&mut self, section: &str, name: &str, value: impl Into<String>) {
        if self.get(section, name).is_none() {
            self.set(section, name, value);
        }
    }

    /// The address books, as the original's: `misc.contacts-vcard-list` (the URL of the
    /// caller's contacts as vCards, `/contacts/vcard`), one `remote_contact_directory_N` per
    /// CardDAV server of the space, and one `auth_info_N` per credentials of the account on
    /// them, numbered after the `auth_info` sections already there.
    pub fn add_address_books(
        &mut self,
        vcard_list_url: &str,
        servers: &[CardDavServer],
        credentials: &[(CardDavServer, CardDavCredentials)],
    ) {
        self.set_default("misc", "contacts-vcard-list", vcard_list_url);
        let flag = |b: bool| if b { "1" } else { "0" };
        for (i, server) in servers.iter().enumerate() {
            let section = format!("remote_contact_directory_{i}");
            let s = &server.server;
            self.set_default(&section, "enabled", flag(s.enabled));
            self.set_default(&section, "type", "carddav");
            self.set_default(&section, "uri", s.uri.as_str());
            self.set_default(&section, "min_characters", s.min_characters.to_string());
            self.set_default(&section, "results_limit", s.results_limit.to_string());
            self.set_default(&section, "timeout", s.timeout.to_string());
            self.set_default(&section, "delay", s.delay.to_string());
            self.set_default(
                &section,
                "carddav_fields_for_user_input",
                s.fields_for_user_input.clone().unwrap_or_default(),
            );
            self.set_default(
                &section,
                "carddav_fields_for_domain",
                s.fields_for_domain.clone().unwrap_or_default(),
            );
            self.set_default(
                &section,
                "carddav_use_exact_match_policy",
                flag(s.use_exact_match_policy),
            );
        }
        let first = self
            .sections
            .iter()
            .filter_map(|s| s.name.strip_prefix("auth_info_"))
            .filter_map(|n| n.parse::<usize>().ok())
            .map(|n| n + 1)
            .max()
            .unwrap_or(0);
        for (i, (_, c)) in credentials.iter().enumerate() {
            let section = format!("auth_info_{}", first + i);
            self.set(&section, "username", c.username.as_str());
            self.set(&section, "realm", c.realm.as_str());
            self.set(&section, "ha1", c.password.as_str());
            self.set(&section, "algorithm", c.algorithm.as_str());
        }
    }
}

/// The external account's proxy and credentials; its `auth_info` follows the account's
/// `auth_count` ones.
fn add_external_account(
    config: &mut LinphoneConfig,
    external: &ExternalAccount,
    auth_count: usize,
) {
    config.set("proxy_0", "depends_on", "external_account");
    let transport = external.protocol.as_str().to_ascii_lowercase();
    let server = external.registrar.as_deref().unwrap_or(&external.domain);
    config.set(
        "proxy_1",
        "reg_identity",
        format!("<sip:{}>", external.identifier()),
    );
    config.set(
        "proxy_1",
        "reg_proxy",
        format!("<sip:{server};transport={transport}>"),
    );
    if let Some(route) = &external.outbound_proxy {
        config.set(
            "proxy_1",
            "reg_route",
            format!("<sip:{route};transport={transport}>"),
        );
    }
    config.set("proxy_1", "reg_sendregister", "1");
    config.set("proxy_1", "refkey", "push_notification");
    config.set("proxy_1", "idkey", "external_account");
    let section = format!("auth_info_{auth_count}");
    config.set(&section, "username", external.username.as_str());
    config.set(&section, "domain", external.domain.as_str());
    config.set(&section, "ha1", external.password.as_str());
    config.set(&section, "realm", external.resolved_realm());
    config.set(&section, "algorithm", external.algorithm.as_str());
}

/// `"Display Name" <sip:user@domain>`, or `<sip:user@domain>` without a display name.
fn reg_identity(account: &Account) -> String {
    let uri = format!("<{}>", account.identity());
    let name = account.display_name.as_deref().map(config_text);
    match name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => {
            let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{escaped}\" {uri}")
        }
        _ => uri,
    }
}

/// Whether provisioning keeps `c` in a name or value: an XML 1.0 character, no line break or
/// other control character but the tab (a stored or imported row may hold anything).
pub fn is_kept_in_config(c: char) -> bool {
    c == '\t' || is_config_char(c)
}

/// `text` without the characters provisioning cannot carry ([`is_kept_in_config`]).
pub fn config_text(text: &str) -> String {
    text.chars().filter(|c| is_kept_in_config(*c)).collect()
}

/// One parsed INI section: its name and its `(name, value)` entries in order.
pub type IniSection = (String, Vec<(String, String)>);

/// Reads an INI document as Linphone configuration files are written: blank lines, comments
/// (`;`, `#`), `[section]` headers and `name = value` lines with a non-empty name. Values are
/// trimmed and taken verbatim (a `;` inside stays: SIP URIs have them), except that surrounding
/// double quotes are removed and bare `true`/`on`/`yes` and `false`/`off`/`no` become `1` and
/// `0`, the booleans Linphone reads. Entries before the first section belong to none and are
/// left out. `None` when a line is none of these.
///
/// Written here rather than taken from an INI crate: it is also the check that refuses a
/// space's entries (422), and the crates read a wider, different INI. rust-ini 0.21 also splits
/// at `:` (`a:b = 1` is `a` = `b = 1`), joins a line ending in `\` with the next, and reads a name
/// up to the next `=` across lines (`just words` + `x = 1` is one entry); configparser 3.3 keeps
/// a line without `=` as an entry without a value, ignores text after `]`, lowercases names
/// unless told, and puts entries before the first section in a `default` section that a
/// `[default]` of the document joins. Each would need a pass of its own, line by line, to
/// refuse what this refuses: this parser.
pub fn parse_ini(text: &str) -> Option<Vec<IniSection>> {
    let mut sections: Vec<IniSection> = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(inner) = line.strip_prefix('[') {
            let name = inner.strip_suffix(']')?.trim();
            if name.is_empty() || name.contains(['[', ']']) {
                return None;
            }
            current = Some(match sections.iter().position(|(n, _)| n == name) {
                Some(i) => i,
                None => {
                    sections.push((name.to_owned(), Vec::new()));
                    sections.len() - 1
                }
            });
            continue;
        }
        let (name, value) = line.split_once('=')?;
        let name = name.trim();
        if name.is_empty() || name.contains(['[', ']', ';', '#']) {
            return None;
        }
        if let Some(i) = current {
            sections[i]
                .1
                .push((name.to_owned(), ini_value(value.trim())));
        }
    }
    Some(sections)
}

fn ini_value(raw: &str) -> String {
    if let Some(quoted) = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .filter(|_| raw.len() >= 2)
    {
        return quoted.to_owned();
    }
    match raw.to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" => "1".into(),
        "false" | "off" | "no" => "0".into(),
        _ => raw.to_owned(),
    }
}

/// Length of the random password `reset_password` sets (alphanumerics, never shown).
pub const RESET_PASSWORD_LENGTH: usize = 16;

impl Services {
    /// When a provisioning token stops being usable; `None`: never.
    pub fn provisioning_token_expire_at(&self, token: &ProvisioningToken) -> Option<DateTime<Utc>> {
        self.provisioning_token_ttl
            .map(|ttl| token.created_at + ttl)
    }

    /// The unused, unexpired token of an account of `space`, with that account; nothing is
    /// spent (a QR code shows the token without using it).
    ///
    /// # Errors
    /// `NotFound(ProvisioningToken)` for an unknown or used token, or one of another space's
    /// account; `ProvisioningTokenExpired`; `AccountBlocked` and `AccountDeactivated` (see
    /// [`check_may_get_credentials`]): the token stays unspent.
    pub async fn usable_provisioning_token(
        &self,
        token: &str,
        space: &Space,
    ) -> ServiceResult<(ProvisioningToken, Account)> {
        let stored = self
            .storage
            .provisioning_token(token)
            .await?
            .filter(|t| !t.used)
            .ok_or(ServiceError::NotFound(Entity::ProvisioningToken))?;
        let account = self
            .storage
            .account_by_id(stored.account_id)
            .await?
            .filter(|a| a.domain == space.domain)
            .ok_or(ServiceError::NotFound(Entity::ProvisioningToken))?;
        if self
            .provisioning_token_expire_at(&stored)
            .is_some_and(|at| at <= self.now())
        {
            return Err(ServiceError::ProvisioningTokenExpired);
        }
        check_may_get_credentials(&account)?;
        Ok((stored, account))
    }

    /// Spends a provisioning token of an account of `space` (once: of concurrent uses, one
    /// wins) and activates the account, unless an admin deactivated it (then nothing is
    /// spent). Returns the account as it is now.
    ///
    /// # Errors
    /// As [`Services::usable_provisioning_token`], also when another use won.
    pub async fn redeem_provisioning_token(
        &self,
        token: &str,
        space: &Space,
    ) -> ServiceResult<Account> {
        let (_, account) = self.usable_provisioning_token(token, space).await?;
        let issued_after = self.provisioning_token_ttl.map(|ttl| self.now() - ttl);
        if self
            .storage
            .use_provisioning_token(token, issued_after)
            .await?
            .is_none()
        {
            // Lost a race, or expired in the meantime: say which.
            return Err(match self.storage.provisioning_token(token).await? {
                Some(t) if !t.used => ServiceError::ProvisioningTokenExpired,
                _ => ServiceError::NotFound(Entity::ProvisioningToken),
            });
        }
        // As stored now: a block or a deactivation made since the check above wins, and the
        // flags written back are the current ones.
        let account = self
            .storage
            .account_by_id(account.id)
            .await?
            .ok_or(ServiceError::NotFound(Entity::ProvisioningToken))?;
        check_may_get_credentials(&account)?;
        if account.activated {
            return Ok(account);
        }
        let changes = AccountChanges {
            activated: true,
            ..AccountChanges::unchanged(&account)
        };
        Ok(self
            .storage
            .update_account(account.id, changes, self.now())
            .await?)
    }

    /// Replaces every stored password of `account` (of `space`) by the hash of a new random
    /// one, in the space's default algorithm, as the original's `reset_password` parameter of
    /// provisioning does: the device gets the new HA1 in its configuration, the clear password
    /// is never shown. Returns the account as it is now.
    ///
    /// # Errors
    /// `AccountBlocked`, `AccountDeactivated` (as stored now); storage failures.
    pub async fn reset_password_for_provisioning(
        &self,
        account: &Account,
        space: &Space,
    ) -> ServiceResult<Account> {
        let account = self
            .storage
            .account_by_id(account.id)
            .await?
            .filter(|a| a.domain == space.domain)
            .ok_or(ServiceError::NotFound(Entity::Account))?;
        check_may_get_credentials(&account)?;
        let clear = self.tokens.alphanumeric(RESET_PASSWORD_LENGTH);
        let hashed = Self::hash_password(
            space,
            &account.username,
            &clear,
            space.digest.default_password_algorithm,
        );
        let changes = AccountChanges {
            passwords: Some(vec![hashed]),
            ..AccountChanges::unchanged(&account)
        };
        Ok(self
            .storage
            .update_account(account.id, changes, self.now())
            .await?)
    }

    /// Provisioning by auth token (`/provisioning/auth_token/{token}`): consumes a live auth
    /// token of `space` that an account attached, and returns that account.
    ///
    /// # Errors
    /// `NotFound(AuthToken)` for an unknown, expired, unattached or foreign token (an
    /// unattached one stays usable); `AccountBlocked`, `AccountDeactivated` (the token is spent).
    pub async fn provision_by_auth_token(
        &self,
        token: &str,
        space: &Space,
    ) -> ServiceResult<Account> {
        let taken = self
            .storage
            .take_attached_auth_token(token, &space.domain)
            .await?
            .filter(|t| {
                t.created_at + chrono::Duration::minutes(super::auth_tokens::AUTH_TOKEN_TTL_MINUTES)
                    > self.now()
            })
            .ok_or(ServiceError::NotFound(Entity::AuthToken))?;
        let account_id = taken
            .account_id
            .ok_or(ServiceError::NotFound(Entity::AuthToken))?;
        let account = self
            .storage
            .account_by_id(account_id)
            .await?
            .filter(|a| a.domain == space.domain)
            .ok_or(ServiceError::NotFound(Entity::AuthToken))?;
        check_may_get_credentials(&account)?;
        Ok(account)
    }

    /// The account a verified client certificate names, as the original's
    /// `AuthenticateClientCertificate`: the space must allow it
    /// (`client_certificate_authentication`), the subject must start with `CN=`, and the rest
    /// (up to the next relative name, `,`) must be a SIP address (`sip:` optional) of an account
    /// of `space`.
    ///
    /// # Errors
    /// `ClientCertificateRefused` with the reason; storage failures.
    pub async fn account_by_client_certificate(
        &self,
        subject: &str,
        space: &Space,
    ) -> ServiceResult<Account> {
        let refuse = |why| Err(ServiceError::ClientCertificateRefused(why));
        if !space.settings.client_certificate_authentication {
            return refuse(ClientCertificateRefusal::NotEnabled);
        }
        let Some(cn) = subject.trim().strip_prefix("CN=") else {
            return refuse(ClientCertificateRefusal::NoCommonName);
        };
        let cn = cn.split(',').next().unwrap_or_default().trim();
        let parsed = if cn.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("sip:"))
            || cn.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("sips:"))
        {
            SipIdentity::parse(cn)
        } else {
            SipIdentity::parse_user_at_domain(cn)
        };
        let Ok(identity) = parsed else {
            return refuse(ClientCertificateRefusal::NotSipAddress);
        };
        if identity.domain != space.domain {
            return refuse(ClientCertificateRefusal::UnknownAccount);
        }
        match self
            .storage
            .account_by_identity(&identity.username, &identity.domain)
            .await?
        {
            Some(account) => Ok(account),
            None => refuse(ClientCertificateRefusal::UnknownAccount),
        }
    }

    /// A fresh provisioning token for the caller's own account (`/accounts/me/provision`).
    ///
    /// # Errors
    /// `AccountBlocked`, `AccountDeactivated` (see [`check_may_get_credentials`]).
    pub async fn renew_own_provisioning_token(
        &self,
        account: &Account,
        ip: Option<String>,
        user_agent: Option<String>,
    ) -> ServiceResult<crate::model::ProvisioningToken> {
        check_may_get_credentials(account)?;
        self.new_provisioning_token(account, ip, user_agent).await
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{
        AccountId, DigestConfig, Domain, Password, PasswordAlgorithm, SpaceId, SpaceSettings,
        Username,
    };

    fn space(settings: SpaceSettings) -> Space {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Space {
            id: SpaceId(1),
            domain: Domain::parse("sip.example.org").unwrap(),
            host: "sip.example.org".into(),
            name: "Example".into(),
            super_space: false,
            max_accounts: 0,
            expire_at: None,
            digest: DigestConfig {
                realm: Some("Example realm".into()),
                default_password_algorithm: PasswordAlgorithm::Sha256,
            },
            jwt: None,
            settings,
            created_at: at,
            updated_at: at,
        }
    }

    fn account(display_name: Option<&str>) -> Account {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Account {
            id: AccountId(7),
            username: Username::parse("alice").unwrap(),
            domain: Domain::parse("sip.example.org").unwrap(),
            email: None,
            display_name: display_name.map(str::to_owned),
            activated: false,
            blocked: false,
            admin: false,
            dtmf_protocol: None,
            phone: None,
            ip_address: None,
            user_agent: None,
            // Stored order: SHA-256 first, so that sorting is what puts it last.
            passwords: vec![
                Password {
                    algorithm: PasswordAlgorithm::Sha256,
                    hash: "sha".into(),
                },
                Password {
                    algorithm: PasswordAlgorithm::Md5,
                    hash: "md5".into(),
                },
            ],
            created_at: at,
            updated_at: at,
            deactivated_at: None,
        }
    }

    #[test]
    fn an_account_gets_its_proxy_and_its_preferred_algorithm_last() {
        let c = LinphoneConfig::build(&space(SpaceSettings::default()), Some(&account(None)));
        assert_eq!(
            c.get("proxy_0", "reg_identity"),
            Some("<sip:alice@sip.example.org>")
        );
        assert_eq!(
            c.get("proxy_0", "reg_proxy"),
            Some("<sip:sip.example.org;transport=tls>")
        );
        assert_eq!(c.get("auth_info_0", "algorithm"), Some("MD5"));
        assert_eq!(c.get("auth_info_0", "ha1"), Some("md5"));
        assert_eq!(c.get("auth_info_1", "algorithm"), Some("SHA-256"));
        assert_eq!(c.get("auth_info_1", "realm"), Some("Example realm"));
        assert_eq!(c.get("auth_info_1", "username"), Some("alice"));
        assert_eq!(c.get("auth_info_1", "domain"), Some("sip.example.org"));
        assert_eq!(c.get("ui", "disable_broadcast_feature"), Some("1"));
        assert_eq!(c.get("ui", "max_account"), Some("0"));
        assert!(!c.overwrite_all);
    }

    #[test]
    fn the_space_alone_gets_its_ui_settings_only() {
        let c = LinphoneConfig::build(
            &space(SpaceSettings {
                disable_chat_feature: true,
                max_account: 3,
                ..SpaceSettings::default()
            }),
            None,
        );
        assert_eq!(
            c.sections
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["ui"]
        );
        assert_eq!(c.get("ui", "disable_chat_feature"), Some("1"));
        assert_eq!(c.get("ui", "max_account"), Some("3"));
        assert_eq!(c.get("ui", "super"), Some("0"));
    }

    #[test]
    fn custom_entries_win_and_add_and_a_proxy_address_is_used() {
        let settings = SpaceSettings {
            account_proxy_registrar_address: Some("<sip:proxy.example.org;transport=tcp>".into()),
            custom_provisioning_entries: Some(
                "; operator's entries\n[proxy_0]\nreg_proxy = <sip:edge.example.org;transport=tls>\n\
                 [sip]\nsip_port = -1\nverify_server_certs = \"yes\"\nipv6 = off\n[ui]\nmax_account = 2\n"
                    .into(),
            ),
            custom_provisioning_overwrite_all: true,
            ..SpaceSettings::default()
        };
        let c = LinphoneConfig::build(&space(settings), Some(&account(Some("Alice \"A\""))));
        assert_eq!(
            c.get("proxy_0", "reg_proxy"),
            Some("<sip:edge.example.org;transport=tls>")
        );
        assert_eq!(
            c.get("proxy_0", "reg_identity"),
            Some("\"Alice \\\"A\\\"\" <sip:alice@sip.example.org>")
        );
        assert_eq!(c.get("sip", "sip_port"), Some("-1"));
        assert_eq!(c.get("sip", "verify_server_certs"), Some("yes"));
        assert_eq!(c.get("sip", "ipv6"), Some("0"));
        assert_eq!(c.get("ui", "max_account"), Some("2"));
        let proxy = c.sections.iter().find(|s| s.name == "proxy_0").unwrap();
        assert_eq!(proxy.entries.len(), 2, "replaced, not duplicated");
        assert!(c.overwrite_all);

        let plain = LinphoneConfig::build(
            &space(SpaceSettings {
                account_proxy_registrar_address: Some(
                    "<sip:proxy.example.org;transport=tcp>".into(),
                ),
                ..SpaceSettings::default()
            }),
            Some(&account(None)),
        );
        assert_eq!(
            plain.get("proxy_0", "reg_proxy"),
            Some("<sip:proxy.example.org;transport=tcp>")
        );
    }

    #[test]
    fn characters_xml_and_ini_cannot_carry_never_reach_the_configuration() {
        let c = LinphoneConfig::build(
            &space(SpaceSettings {
                custom_provisioning_entries: Some("[sip]\nx = a\u{FFFE}b\u{1}c\n".into()),
                ..SpaceSettings::default()
            }),
            Some(&account(Some("Eve\r\n[sip]\u{FFFF}\u{2028}"))),
        );
        assert_eq!(
            c.get("proxy_0", "reg_identity"),
            Some("\"Eve[sip]\" <sip:alice@sip.example.org>")
        );
        assert_eq!(c.get("sip", "x"), Some("abc"));
        let blank = LinphoneConfig::build(
            &space(SpaceSettings::default()),
            Some(&account(Some("\u{FFFE}\n"))),
        );
        assert_eq!(
            blank.get("proxy_0", "reg_identity"),
            Some("<sip:alice@sip.example.org>")
        );
    }

    #[test]
    fn ini_documents_are_read_or_refused() {
        assert_eq!(
            parse_ini("orphan = 1\n[a]\nx = 1\n# c\n[b]\ny=\n[a]\nz = \"q\"\n"),
            Some(vec![
                (
                    "a".into(),
                    vec![("x".into(), "1".into()), ("z".into(), "q".into())]
                ),
                ("b".into(), vec![("y".into(), String::new())]),
            ])
        );
        assert_eq!(parse_ini(""), Some(vec![]));
        assert!(parse_ini("[sip").is_none());
        assert!(parse_ini("[]").is_none());
        assert!(parse_ini("[a]\nno equals sign").is_none());
        assert!(parse_ini("[a]\n= value").is_none());
        assert_eq!(ini_value("\""), "\"");
        assert_eq!(ini_value("TRUE"), "1");
    }

    /// Where the INI crates (rust-ini 0.21, configparser 3.3) read otherwise: what an operator
    /// saves is refused or kept line by line, as written.
    #[test]
    fn ini_lines_are_read_one_by_one_and_verbatim() {
        let one = |section: &str, entries: &[(&str, &str)]| {
            Some(vec![(
                section.to_owned(),
                entries
                    .iter()
                    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                    .collect(),
            )])
        };
        // Text after a section header, or a line without `=`: refused, never swallowed into the
        // next line's name nor kept as an entry without a value.
        assert!(parse_ini("[a] junk\nx = 1").is_none());
        assert!(parse_ini("[a]\njust words\nx = 1").is_none());
        assert!(parse_ini("[a]\nreg_proxy: <sip:a>").is_none());
        assert!(parse_ini("[a]\nx;y = 1").is_none());
        assert!(parse_ini("[[]]").is_none());
        // `=` alone separates (a `:` belongs to the name), a `;` or `#` inside a value stays, a
        // backslash is a character (no escapes, no line continuation), single quotes stay, and
        // an indented comment is a comment.
        assert_eq!(
            parse_ini("[a]\na:b = 1\n  ; note\nr = <sip:e;lr> # x\nw = C:\\dir\\\ny = 'q'\n"),
            one(
                "a",
                &[
                    ("a:b", "1"),
                    ("r", "<sip:e;lr> # x"),
                    ("w", "C:\\dir\\"),
                    ("y", "'q'")
                ]
            )
        );
        // Names keep their case; a section named `default` is one like any other, and entries
        // before the first section are still left out.
        assert_eq!(
            parse_ini("orphan = 1\n[Default]\nKey = V\n"),
            one("Default", &[("Key", "V")])
        );
    }
}
