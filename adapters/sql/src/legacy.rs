//! Reading a database of the original (PHP) account manager, MySQL/MariaDB or SQLite, for
//! `flexiapi import`. Columns are read by name and optional ones default, so the older schema
//! versions still in the field import too.

use chrono::{DateTime, NaiveDateTime, Utc};
use flexiapi_domain::model::SpaceSettings;
use sqlx::{AssertSqlSafe, Connection, MySqlConnection, Row, SqliteConnection};

use crate::{Backend, SqlError, mysql_scheme, one_line, redact_url};

/// A space row with its Digest configuration.
#[derive(Debug, Clone)]
pub struct LegacySpace {
    pub id: i64,
    pub domain: String,
    pub host: String,
    pub name: String,
    pub super_space: bool,
    pub max_accounts: i64,
    pub expire_at: Option<DateTime<Utc>>,
    /// From `space_digest_authentication_configurations` (first row).
    pub realm: Option<String>,
    pub default_password_algorithm: Option<String>,
    pub settings: SpaceSettings,
}

#[derive(Debug, Clone)]
pub struct LegacyAccount {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub activated: bool,
    pub blocked: bool,
    pub admin: bool,
    pub dtmf_protocol: Option<String>,
    pub phone: Option<String>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

/// An `api_keys` row (the key in clear, as the original stores it).
#[derive(Debug, Clone)]
pub struct LegacyApiKey {
    pub id: i64,
    pub account_id: i64,
    pub key: String,
    pub name: Option<String>,
    /// `None`: a user key; `0`: an admin key that never expires; `n`: idle minutes.
    pub expires_after_last_used_minutes: Option<i64>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub ip: Option<String>,
    pub requests: i64,
    pub created_at: Option<DateTime<Utc>>,
}

/// An `account_actions` row.
#[derive(Debug, Clone)]
pub struct LegacyAction {
    pub id: i64,
    pub account_id: i64,
    pub key: String,
    pub code: String,
}

/// A `contacts_lists` row (`space_id` appeared in 2025; older lists have none).
#[derive(Debug, Clone)]
pub struct LegacyContactsList {
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub space_id: Option<i64>,
}

/// An `accounts_tombstones` row.
#[derive(Debug, Clone)]
pub struct LegacyTombstone {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub created_at: Option<DateTime<Utc>>,
}

/// A `phone_countries` row.
#[derive(Debug, Clone)]
pub struct LegacyPhoneCountry {
    pub code: String,
    pub country_code: String,
    pub activated: bool,
}

/// A space's OIDC configuration (`space_oidc_authentication_configurations`, before that
/// `space_sso_servers`).
#[derive(Debug, Clone)]
pub struct LegacyOidc {
    pub id: i64,
    pub space_id: i64,
    pub server_url: Option<String>,
    pub realm: Option<String>,
    pub sip_identifier: Option<String>,
    pub public_key: Option<String>,
    pub client_id: Option<String>,
    /// What has no counterpart here, named for the import's report when set.
    pub unsupported: Vec<&'static str>,
}

/// A `call_forwardings` row.
#[derive(Debug, Clone)]
pub struct LegacyCallForwarding {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub forward_to: String,
    pub sip_uri: Option<String>,
    pub enabled: bool,
    pub contact_id: Option<i64>,
}

/// An `external_accounts` row.
#[derive(Debug, Clone)]
pub struct LegacyExternalAccount {
    pub id: i64,
    pub account_id: i64,
    pub username: String,
    pub domain: String,
    pub password: String,
    pub algorithm: String,
    pub realm: Option<String>,
    pub registrar: Option<String>,
    pub outbound_proxy: Option<String>,
    pub protocol: String,
}

/// A `statistics_messages` row.
#[derive(Debug, Clone)]
pub struct LegacyMessage {
    pub id: String,
    pub from_username: String,
    pub from_domain: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub encrypted: bool,
    pub conference_id: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

/// A `statistics_message_devices` row.
#[derive(Debug, Clone)]
pub struct LegacyMessageDevice {
    pub id: i64,
    pub message_id: String,
    pub to_username: String,
    pub to_domain: String,
    pub device_id: String,
    pub last_status: i64,
    pub received_at: Option<DateTime<Utc>>,
}

/// A `statistics_calls` row.
#[derive(Debug, Clone)]
pub struct LegacyCall {
    pub id: String,
    pub from_username: String,
    pub from_domain: String,
    pub to_username: String,
    pub to_domain: String,
    pub initiated_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub conference_id: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

/// A `statistics_call_devices` row.
#[derive(Debug, Clone)]
pub struct LegacyCallDevice {
    pub id: i64,
    pub call_id: String,
    pub device_id: String,
    pub rang_at: Option<DateTime<Utc>>,
    pub invite_terminated_at: Option<DateTime<Utc>>,
    pub invite_terminated_state: Option<String>,
}

/// Everything `flexiapi import` takes, keyed by the original's ids. The tables after
/// `contacts` are read when the database has them (older versions of the original lack some).
#[derive(Debug, Clone, Default)]
pub struct LegacyData {
    pub spaces: Vec<LegacySpace>,
    pub accounts: Vec<LegacyAccount>,
    /// `(id, account_id, hash or clear text, algorithm)`.
    pub passwords: Vec<(i64, i64, String, String)>,
    /// `(id, key)`.
    pub account_types: Vec<(i64, String)>,
    /// `(account_id, account_type_id)`.
    pub account_account_types: Vec<(i64, i64)>,
    /// `(account_id, key, value)`.
    pub dictionary: Vec<(i64, String, String)>,
    /// `(account_id, contact_id)`.
    pub contacts: Vec<(i64, i64)>,
    pub api_keys: Vec<LegacyApiKey>,
    pub actions: Vec<LegacyAction>,
    pub contacts_lists: Vec<LegacyContactsList>,
    /// `(contacts_list_id, contact_id)`: the members of each list.
    pub contacts_list_contacts: Vec<(i64, i64)>,
    /// `(account_id, contacts_list_id)`: the lists attached to each account.
    pub account_contacts_lists: Vec<(i64, i64)>,
    pub tombstones: Vec<LegacyTombstone>,
    pub phone_countries: Vec<LegacyPhoneCountry>,
    pub oidc: Vec<LegacyOidc>,
    pub call_forwardings: Vec<LegacyCallForwarding>,
    pub external_accounts: Vec<LegacyExternalAccount>,
    pub messages: Vec<LegacyMessage>,
    pub message_devices: Vec<LegacyMessageDevice>,
    pub calls: Vec<LegacyCall>,
    pub call_devices: Vec<LegacyCallDevice>,
    /// `(account_id, vcard)` of `vcards_storage` (the UID is read again from the card).
    pub vcards: Vec<(i64, String)>,
    /// `space_carddav_servers`, with their space's domain.
    pub carddav_servers: Vec<LegacyCardDavServer>,
    /// `(space_carddav_server_id, account_id, username, realm, algorithm, HA1)` of
    /// `account_carddav_credentials`.
    pub carddav_credentials: Vec<(i64, i64, String, String, String, String)>,
}

/// A CardDAV server of a space (`space_carddav_servers`).
#[derive(Debug, Clone)]
pub struct LegacyCardDavServer {
    pub id: i64,
    pub space_domain: String,
    pub enabled: bool,
    pub uri: String,
    pub min_characters: i64,
    pub results_limit: i64,
    pub timeout: i64,
    pub delay: i64,
    pub fields_for_user_input: Option<String>,
    pub fields_for_domain: Option<String>,
    pub use_exact_match_policy: bool,
}

fn utc(naive: Option<NaiveDateTime>) -> Option<DateTime<Utc>> {
    naive.map(|n| n.and_utc())
}

/// Reads the whole original database at `url` (`mysql://`, `mariadb://` or `sqlite://`).
///
/// # Errors
/// [`SqlError::Legacy`] when it cannot be reached or lacks the original's tables.
pub async fn read(url: &str) -> Result<LegacyData, SqlError> {
    let fail = |e: sqlx::Error| SqlError::Legacy {
        url: redact_url(url),
        reason: one_line(&e),
    };
    // Integer ids are unsigned on MySQL: cast them so both backends decode an i64.
    macro_rules! read_with {
        ($conn:ty, $int:literal, $tables:literal) => {{
            let mut c = <$conn>::connect(&mysql_scheme(url)).await.map_err(fail)?;
            let int = |col: &str| format!($int, col);
            let rows = |sql: String| sqlx::query(AssertSqlSafe(sql));
            let mut data = LegacyData::default();
            let tables: Vec<String> = sqlx::query_scalar($tables)
                .fetch_all(&mut c)
                .await
                .map_err(fail)?;
            let has = |name: &str| tables.iter().any(|t| t.eq_ignore_ascii_case(name));

            let digest = rows(format!(
                "SELECT {}, realm, default_password_algorithm \
                 FROM space_digest_authentication_configurations ORDER BY id",
                int("space_id")
            ))
            .fetch_all(&mut c)
            .await
            .unwrap_or_default();
            for r in rows("SELECT * FROM spaces ORDER BY id".into())
                .fetch_all(&mut c)
                .await
                .map_err(fail)?
            {
                let id: i64 = r
                    .try_get::<i64, _>("id")
                    .or_else(|_| r.try_get::<u64, _>("id").map(|v| v as i64))
                    .map_err(fail)?;
                let flag = |name: &str, default: bool| r.try_get::<bool, _>(name).unwrap_or(default);
                let text = |name: &str| r.try_get::<Option<String>, _>(name).ok().flatten();
                let defaults = SpaceSettings::default();
                let config = digest.iter().find(|d| d.try_get::<i64, _>(0).ok() == Some(id));
                data.spaces.push(LegacySpace {
                    id,
                    domain: r.try_get("domain").map_err(fail)?,
                    host: r.try_get("host").map_err(fail)?,
                    name: r.try_get("name").map_err(fail)?,
                    super_space: flag("super", false),
                    max_accounts: r.try_get::<i64, _>("max_accounts").unwrap_or(0),
                    expire_at: utc(r.try_get::<Option<NaiveDateTime>, _>("expire_at").ok().flatten()),
                    realm: config.and_then(|d| d.try_get::<Option<String>, _>(1).ok().flatten()),
                    default_password_algorithm: config
                        .and_then(|d| d.try_get::<Option<String>, _>(2).ok().flatten()),
                    settings: SpaceSettings {
                        disable_chat_feature: flag("disable_chat_feature", defaults.disable_chat_feature),
                        disable_meetings_feature: flag("disable_meetings_feature", defaults.disable_meetings_feature),
                        disable_broadcast_feature: flag("disable_broadcast_feature", defaults.disable_broadcast_feature),
                        max_account: r.try_get::<i64, _>("max_account").unwrap_or(defaults.max_account),
                        hide_settings: flag("hide_settings", defaults.hide_settings),
                        hide_account_settings: flag("hide_account_settings", defaults.hide_account_settings),
                        disable_call_recordings_feature: flag("disable_call_recordings_feature", defaults.disable_call_recordings_feature),
                        only_display_sip_uri_username: flag("only_display_sip_uri_username", defaults.only_display_sip_uri_username),
                        assistant_hide_create_account: flag("assistant_hide_create_account", defaults.assistant_hide_create_account),
                        assistant_disable_qr_code: flag("assistant_disable_qr_code", defaults.assistant_disable_qr_code),
                        assistant_hide_third_party_account: flag("assistant_hide_third_party_account", defaults.assistant_hide_third_party_account),
                        copyright_text: text("copyright_text"),
                        intro_registration_text: text("intro_registration_text"),
                        newsletter_registration_address: text("newsletter_registration_address"),
                        account_proxy_registrar_address: text("account_proxy_registrar_address"),
                        custom_provisioning_entries: text("custom_provisioning_entries"),
                        custom_provisioning_overwrite_all: flag("custom_provisioning_overwrite_all", defaults.custom_provisioning_overwrite_all),
                        provisioning_use_linphone_provisioning_header: flag("provisioning_use_linphone_provisioning_header", defaults.provisioning_use_linphone_provisioning_header),
                        web_panel: flag("web_panel", defaults.web_panel),
                        public_registration: flag("public_registration", defaults.public_registration),
                        phone_registration: flag("phone_registration", defaults.phone_registration),
                        intercom_features: flag("intercom_features", defaults.intercom_features),
                        carddav_user_credentials: flag("carddav_user_credentials", defaults.carddav_user_credentials),
                        unique_email: flag("unique_email", defaults.unique_email),
                        theme_hue: r.try_get::<Option<i64>, _>("theme_hue").ok().flatten(),
                        logo: text("logo"),
                        client_certificate_authentication: flag("client_certificate_authentication", defaults.client_certificate_authentication),
                    },
                });
            }

            for r in rows(format!(
                "SELECT {}, username, domain, email, display_name, activated, blocked, admin, \
                 dtmf_protocol, phone, ip_address, user_agent, created_at FROM accounts ORDER BY id",
                int("id")
            ))
            .fetch_all(&mut c)
            .await
            .map_err(fail)?
            {
                data.accounts.push(LegacyAccount {
                    id: r.try_get(0).map_err(fail)?,
                    username: r.try_get("username").map_err(fail)?,
                    domain: r.try_get("domain").map_err(fail)?,
                    email: r.try_get("email").map_err(fail)?,
                    display_name: r.try_get("display_name").map_err(fail)?,
                    activated: r.try_get("activated").map_err(fail)?,
                    blocked: r.try_get("blocked").map_err(fail)?,
                    admin: r.try_get("admin").map_err(fail)?,
                    dtmf_protocol: r.try_get("dtmf_protocol").map_err(fail)?,
                    phone: r.try_get("phone").map_err(fail)?,
                    ip_address: r.try_get("ip_address").map_err(fail)?,
                    user_agent: r.try_get("user_agent").map_err(fail)?,
                    created_at: utc(r.try_get("created_at").map_err(fail)?),
                });
            }
            for r in rows(format!(
                "SELECT {}, {}, password, algorithm FROM passwords ORDER BY id",
                int("id"),
                int("account_id")
            ))
            .fetch_all(&mut c)
            .await
            .map_err(fail)?
            {
                data.passwords.push((
                    r.try_get(0).map_err(fail)?,
                    r.try_get(1).map_err(fail)?,
                    r.try_get(2).map_err(fail)?,
                    r.try_get(3).map_err(fail)?,
                ));
            }
            for r in rows(format!("SELECT {}, `key` FROM account_types ORDER BY id", int("id")))
                .fetch_all(&mut c)
                .await
                .map_err(fail)?
            {
                data.account_types
                    .push((r.try_get(0).map_err(fail)?, r.try_get(1).map_err(fail)?));
            }
            for r in rows(format!(
                "SELECT {}, {} FROM account_account_type",
                int("account_id"),
                int("account_type_id")
            ))
            .fetch_all(&mut c)
            .await
            .map_err(fail)?
            {
                data.account_account_types
                    .push((r.try_get(0).map_err(fail)?, r.try_get(1).map_err(fail)?));
            }
            for r in rows(format!(
                "SELECT {}, `key`, value FROM account_dictionary_entries ORDER BY id",
                int("account_id")
            ))
            .fetch_all(&mut c)
            .await
            .map_err(fail)?
            {
                data.dictionary.push((
                    r.try_get(0).map_err(fail)?,
                    r.try_get(1).map_err(fail)?,
                    r.try_get(2).map_err(fail)?,
                ));
            }
            for r in rows(format!(
                "SELECT {}, {} FROM contacts",
                int("account_id"),
                int("contact_id")
            ))
            .fetch_all(&mut c)
            .await
            .map_err(fail)?
            {
                data.contacts
                    .push((r.try_get(0).map_err(fail)?, r.try_get(1).map_err(fail)?));
            }
            // The tables below, each when present, read by column name (`SELECT *`) so that a
            // column an older version lacks takes its default.
            macro_rules! num {
                ($r:expr, $col:expr) => {
                    $r.try_get::<Option<i64>, _>($col)
                        .ok()
                        .flatten()
                        .or_else(|| $r.try_get::<Option<u64>, _>($col).ok().flatten().map(|v| v as i64))
                        .or_else(|| $r.try_get::<Option<i32>, _>($col).ok().flatten().map(i64::from))
                        .or_else(|| $r.try_get::<Option<u32>, _>($col).ok().flatten().map(i64::from))
                        .or_else(|| $r.try_get::<Option<bool>, _>($col).ok().flatten().map(i64::from))
                };
            }
            macro_rules! text {
                ($r:expr, $col:expr) => {
                    $r.try_get::<Option<String>, _>($col).ok().flatten()
                };
            }
            macro_rules! at {
                ($r:expr, $col:expr) => {
                    utc($r.try_get::<Option<NaiveDateTime>, _>($col).ok().flatten())
                };
            }
            macro_rules! flag {
                ($r:expr, $col:expr) => {
                    $r.try_get::<Option<bool>, _>($col)
                        .ok()
                        .flatten()
                        .or_else(|| num!($r, $col).map(|v| v != 0))
                        .unwrap_or(false)
                };
            }
            macro_rules! table {
                ($name:literal, $order:literal) => {{
                    if has($name) {
                        rows(format!("SELECT * FROM {} ORDER BY {}", $name, $order))
                            .fetch_all(&mut c)
                            .await
                            .map_err(fail)?
                    } else {
                        Vec::new()
                    }
                }};
            }
            for r in table!("api_keys", "id") {
                data.api_keys.push(LegacyApiKey {
                    id: num!(r, "id").unwrap_or_default(),
                    account_id: num!(r, "account_id").unwrap_or_default(),
                    key: text!(r, "key").unwrap_or_default(),
                    name: text!(r, "name"),
                    expires_after_last_used_minutes: num!(r, "expires_after_last_used_minutes"),
                    last_used_at: at!(r, "last_used_at"),
                    ip: text!(r, "ip"),
                    requests: num!(r, "requests").unwrap_or_default(),
                    created_at: at!(r, "created_at"),
                });
            }
            for r in table!("account_actions", "id") {
                data.actions.push(LegacyAction {
                    id: num!(r, "id").unwrap_or_default(),
                    account_id: num!(r, "account_id").unwrap_or_default(),
                    key: text!(r, "key").unwrap_or_default(),
                    code: text!(r, "code").unwrap_or_default(),
                });
            }
            for r in table!("contacts_lists", "id") {
                data.contacts_lists.push(LegacyContactsList {
                    id: num!(r, "id").unwrap_or_default(),
                    title: text!(r, "title").unwrap_or_default(),
                    description: text!(r, "description"),
                    space_id: num!(r, "space_id"),
                });
            }
            for r in table!("contacts_list_contact", "contacts_list_id, contact_id") {
                data.contacts_list_contacts.push((
                    num!(r, "contacts_list_id").unwrap_or_default(),
                    num!(r, "contact_id").unwrap_or_default(),
                ));
            }
            for r in table!("account_contacts_list", "account_id, contacts_list_id") {
                data.account_contacts_lists.push((
                    num!(r, "account_id").unwrap_or_default(),
                    num!(r, "contacts_list_id").unwrap_or_default(),
                ));
            }
            for r in table!("accounts_tombstones", "id") {
                data.tombstones.push(LegacyTombstone {
                    id: num!(r, "id").unwrap_or_default(),
                    username: text!(r, "username").unwrap_or_default(),
                    domain: text!(r, "domain").unwrap_or_default(),
                    created_at: at!(r, "created_at"),
                });
            }
            for r in table!("phone_countries", "code") {
                data.phone_countries.push(LegacyPhoneCountry {
                    code: text!(r, "code").unwrap_or_default(),
                    country_code: text!(r, "country_code").unwrap_or_default(),
                    activated: flag!(r, "activated"),
                });
            }
            let oidc = if has("space_oidc_authentication_configurations") {
                table!("space_oidc_authentication_configurations", "id")
            } else {
                table!("space_sso_servers", "id")
            };
            for r in oidc {
                let mut unsupported = Vec::new();
                if text!(r, "client_secret").is_some_and(|s| !s.is_empty()) {
                    unsupported.push("client_secret");
                }
                if flag!(r, "auto_provisioning") {
                    unsupported.push("auto_provisioning");
                }
                if text!(r, "role_provisioning").is_some_and(|s| !s.is_empty()) {
                    unsupported.push("role_provisioning");
                }
                data.oidc.push(LegacyOidc {
                    id: num!(r, "id").unwrap_or_default(),
                    space_id: num!(r, "space_id").unwrap_or_default(),
                    server_url: text!(r, "server_url"),
                    realm: text!(r, "realm"),
                    sip_identifier: text!(r, "sip_identifier"),
                    public_key: text!(r, "public_key"),
                    client_id: text!(r, "client_id"),
                    unsupported,
                });
            }
            for r in table!("call_forwardings", "id") {
                data.call_forwardings.push(LegacyCallForwarding {
                    id: num!(r, "id").unwrap_or_default(),
                    account_id: num!(r, "account_id").unwrap_or_default(),
                    kind: text!(r, "type").unwrap_or_default(),
                    forward_to: text!(r, "forward_to").unwrap_or_default(),
                    sip_uri: text!(r, "sip_uri"),
                    enabled: flag!(r, "enabled"),
                    contact_id: num!(r, "contact_id"),
                });
            }
            for r in table!("external_accounts", "id") {
                data.external_accounts.push(LegacyExternalAccount {
                    id: num!(r, "id").unwrap_or_default(),
                    account_id: num!(r, "account_id").unwrap_or_default(),
                    username: text!(r, "username").unwrap_or_default(),
                    domain: text!(r, "domain").unwrap_or_default(),
                    password: text!(r, "password").unwrap_or_default(),
                    algorithm: text!(r, "algorithm").unwrap_or_else(|| "MD5".into()),
                    realm: text!(r, "realm"),
                    registrar: text!(r, "registrar"),
                    outbound_proxy: text!(r, "outbound_proxy"),
                    protocol: text!(r, "protocol").unwrap_or_else(|| "UDP".into()),
                });
            }
            for r in table!("statistics_messages", "sent_at, id") {
                data.messages.push(LegacyMessage {
                    id: text!(r, "id").unwrap_or_default(),
                    from_username: text!(r, "from_username").unwrap_or_default(),
                    from_domain: text!(r, "from_domain").unwrap_or_default(),
                    sent_at: at!(r, "sent_at"),
                    encrypted: flag!(r, "encrypted"),
                    conference_id: text!(r, "conference_id"),
                    created_at: at!(r, "created_at"),
                });
            }
            for r in table!("statistics_message_devices", "id") {
                data.message_devices.push(LegacyMessageDevice {
                    id: num!(r, "id").unwrap_or_default(),
                    message_id: text!(r, "message_id").unwrap_or_default(),
                    to_username: text!(r, "to_username").unwrap_or_default(),
                    to_domain: text!(r, "to_domain").unwrap_or_default(),
                    device_id: text!(r, "device_id").unwrap_or_default(),
                    last_status: num!(r, "last_status").unwrap_or_default(),
                    received_at: at!(r, "received_at"),
                });
            }
            for r in table!("statistics_calls", "initiated_at, id") {
                data.calls.push(LegacyCall {
                    id: text!(r, "id").unwrap_or_default(),
                    from_username: text!(r, "from_username").unwrap_or_default(),
                    from_domain: text!(r, "from_domain").unwrap_or_default(),
                    to_username: text!(r, "to_username").unwrap_or_default(),
                    to_domain: text!(r, "to_domain").unwrap_or_default(),
                    initiated_at: at!(r, "initiated_at"),
                    ended_at: at!(r, "ended_at"),
                    conference_id: text!(r, "conference_id"),
                    created_at: at!(r, "created_at"),
                });
            }
            for r in table!("statistics_call_devices", "id") {
                data.call_devices.push(LegacyCallDevice {
                    id: num!(r, "id").unwrap_or_default(),
                    call_id: text!(r, "call_id").unwrap_or_default(),
                    device_id: text!(r, "device_id").unwrap_or_default(),
                    rang_at: at!(r, "rang_at"),
                    invite_terminated_at: at!(r, "invite_terminated_at"),
                    invite_terminated_state: text!(r, "invite_terminated_state"),
                });
            }
            // Address books: tables of later versions of the original, absent from older ones.
            for r in rows(format!(
                "SELECT {}, vcard FROM vcards_storage ORDER BY id",
                int("account_id")
            ))
            .fetch_all(&mut c)
            .await
            .unwrap_or_default()
            {
                data.vcards.push((r.try_get(0).map_err(fail)?, r.try_get(1).map_err(fail)?));
            }
            for r in rows(format!(
                "SELECT {}, s.domain, c.enabled, c.uri, {}, {}, {}, {}, \
                 c.fields_for_user_input, c.fields_for_domain, c.use_exact_match_policy \
                 FROM space_carddav_servers c JOIN spaces s ON s.id = c.space_id ORDER BY c.id",
                int("c.id"),
                int("c.min_characters"),
                int("c.results_limit"),
                int("c.timeout"),
                int("c.delay")
            ))
            .fetch_all(&mut c)
            .await
            .unwrap_or_default()
            {
                data.carddav_servers.push(LegacyCardDavServer {
                    id: r.try_get(0).map_err(fail)?,
                    space_domain: r.try_get(1).map_err(fail)?,
                    enabled: r.try_get(2).map_err(fail)?,
                    uri: r.try_get(3).map_err(fail)?,
                    min_characters: r.try_get(4).map_err(fail)?,
                    results_limit: r.try_get(5).map_err(fail)?,
                    timeout: r.try_get(6).map_err(fail)?,
                    delay: r.try_get(7).map_err(fail)?,
                    fields_for_user_input: r.try_get(8).map_err(fail)?,
                    fields_for_domain: r.try_get(9).map_err(fail)?,
                    use_exact_match_policy: r.try_get(10).map_err(fail)?,
                });
            }
            for r in rows(format!(
                "SELECT {}, {}, username, realm, algorithm, password \
                 FROM account_carddav_credentials ORDER BY id",
                int("space_carddav_server_id"),
                int("account_id")
            ))
            .fetch_all(&mut c)
            .await
            .unwrap_or_default()
            {
                data.carddav_credentials.push((
                    r.try_get(0).map_err(fail)?,
                    r.try_get(1).map_err(fail)?,
                    r.try_get(2).map_err(fail)?,
                    r.try_get(3).map_err(fail)?,
                    r.try_get(4).map_err(fail)?,
                    r.try_get(5).map_err(fail)?,
                ));
            }
            let _ = c.close().await;
            Ok(data)
        }};
    }
    match Backend::from_url(url) {
        Some(Backend::MySql) => read_with!(
            MySqlConnection,
            "CAST({} AS SIGNED)",
            "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
             WHERE table_schema = DATABASE()"
        ),
        Some(Backend::Sqlite) => read_with!(
            SqliteConnection,
            "{}",
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        ),
        _ => Err(SqlError::Legacy {
            url: redact_url(url),
            reason: "the original account manager runs on MySQL/MariaDB or SQLite: expected mysql://, mariadb:// or sqlite://".into(),
        }),
    }
}
