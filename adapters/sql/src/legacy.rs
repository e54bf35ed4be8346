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

/// Everything `flexiapi import` takes, keyed by the original's ids.
#[derive(Debug, Clone, Default)]
pub struct LegacyData {
    pub spaces: Vec<LegacySpace>,
    pub accounts: Vec<LegacyAccount>,
    /// `(account_id, hex hash, algorithm)`.
    pub passwords: Vec<(i64, String, String)>,
    /// `(id, key)`.
    pub account_types: Vec<(i64, String)>,
    /// `(account_id, account_type_id)`.
    pub account_account_types: Vec<(i64, i64)>,
    /// `(account_id, key, value)`.
    pub dictionary: Vec<(i64, String, String)>,
    /// `(account_id, contact_id)`.
    pub contacts: Vec<(i64, i64)>,
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
        ($conn:ty, $int:literal) => {{
            let mut c = <$conn>::connect(&mysql_scheme(url)).await.map_err(fail)?;
            let int = |col: &str| format!($int, col);
            let rows = |sql: String| sqlx::query(AssertSqlSafe(sql));
            let mut data = LegacyData::default();

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
                "SELECT {}, password, algorithm FROM passwords ORDER BY id",
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
        Some(Backend::MySql) => read_with!(MySqlConnection, "CAST({} AS SIGNED)"),
        Some(Backend::Sqlite) => read_with!(SqliteConnection, "{}"),
        _ => Err(SqlError::Legacy {
            url: redact_url(url),
            reason: "the original account manager runs on MySQL/MariaDB or SQLite: expected mysql://, mariadb:// or sqlite://".into(),
        }),
    }
}
