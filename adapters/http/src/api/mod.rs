//! The API's operations, grouped by resource, and the JSON shapes they answer.

pub mod account_types;
pub mod accounts;
pub mod actions;
pub mod api_keys;
pub mod audit;
pub mod call_forwardings;
pub mod carddavs;
pub mod change_codes;
pub mod contacts;
pub mod contacts_lists;
pub mod creation_tokens;
pub mod devices;
pub mod dictionary;
pub mod external_accounts;
pub mod me;
pub mod phone_countries;
pub mod ping;
pub mod provisioning;
pub mod push_tokens;
pub mod reset_password;
pub mod space_email_servers;
mod space_json;
pub mod spaces;
pub mod statistics;
pub mod turn;
pub mod vcards;
pub mod voicemails;
pub mod wizards;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use flexiapi_domain::model::{Account, AccountDetails, AccountId, Space};
use poem::Request;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, Tags};

use crate::error::ApiError;
use crate::state::{AppState, ClientIp, PublicScheme, RequestScheme, RequestSpace};

#[derive(Tags)]
pub enum ApiTags {
    /// Liveness of the API.
    Ping,
    /// The caller's own account, keys and tokens (User level unless stated).
    Me,
    /// Accounts of the request's space (Admin level).
    Accounts,
    /// Contacts lists of the request's space and their attachment to accounts (Admin level).
    ContactsLists,
    /// Spaces (Super Admin level).
    Spaces,
    /// What Flexisip's statistics hooks report (Admin level).
    Statistics,
}

/// The original's timestamp format: ISO 8601, UTC, microseconds.
pub fn timestamp(at: DateTime<Utc>) -> String {
    // `%Y-%m-%dT%H:%M:%S%.6fZ`, without parsing a format string on every call.
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub fn state(req: &Request) -> Result<&AppState, ApiError> {
    req.data::<AppState>().ok_or_else(ApiError::internal)
}

pub fn request_space(req: &Request) -> Result<&Space, ApiError> {
    req.extensions()
        .get::<RequestSpace>()
        .map(|s| s.0.as_ref())
        .ok_or_else(ApiError::internal)
}

/// The scheme the client reaches us by: the configured `public_scheme`, else HTTPS when the
/// connection is TLS or a trusted proxy says so (set by the root middleware).
fn request_scheme(req: &Request) -> PublicScheme {
    req.extensions()
        .get::<RequestScheme>()
        .map_or(PublicScheme::Http, |s| s.0)
}

/// Whether the client reached us over HTTPS (see [`request_scheme`]).
pub fn is_https(req: &Request) -> bool {
    request_scheme(req) == PublicScheme::Https
}

/// `<scheme>://<host>[:<port>]` of the request's space: its stored host, the public scheme and
/// the configured `public_port`. Never the `Host` header as the client wrote it.
pub fn base_url(req: &Request) -> Result<String, ApiError> {
    let scheme = request_scheme(req);
    let host = &request_space(req)?.host;
    Ok(match state(req)?.settings.public_port {
        Some(port) if port != scheme.default_port() => {
            format!("{}://{host}:{port}", scheme.as_str())
        }
        _ => format!("{}://{host}", scheme.as_str()),
    })
}

pub fn client_ip(req: &Request) -> String {
    req.extensions()
        .get::<ClientIp>()
        .map_or_else(|| "unknown".into(), |ip| ip.0.clone())
}

/// The language negotiated from `Accept-Language`, for messages sent on the request's behalf.
pub(crate) fn request_language(req: &Request) -> Result<String, ApiError> {
    let header = req
        .headers()
        .get("accept-language")
        .and_then(|v| v.to_str().ok());
    Ok(state(req)?.settings.languages.negotiate(header).to_string())
}

/// Which pending change codes an account object shows (as the original).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeView {
    /// `email_change_code` without its digits: every account object but the two below.
    Default,
    /// `email_change_code` and `phone_change_code`, without digits: the admin listing.
    AdminList,
    /// Both with their digits: `GET /accounts/{id}` (admin).
    AdminShow,
}

/// The account object with what lives beside the account row: its dictionary, types, DTMF
/// actions, current provisioning token and pending e-mail change.
pub(crate) async fn account_object(
    req: &Request,
    account: &Account,
) -> Result<AccountObject, ApiError> {
    account_object_with(req, account, CodeView::Default).await
}

/// [`account_object`] with the change codes of `view`.
pub(crate) async fn account_object_with(
    req: &Request,
    account: &Account,
    view: CodeView,
) -> Result<AccountObject, ApiError> {
    let mut objects = account_objects_with(req, std::slice::from_ref(account), view).await?;
    objects.pop().ok_or_else(ApiError::internal)
}

/// [`account_object_with`] for many accounts, in one query per relation for them all.
pub(crate) async fn account_objects_with(
    req: &Request,
    accounts: &[Account],
    view: CodeView,
) -> Result<Vec<AccountObject>, ApiError> {
    let services = &state(req)?.services;
    let mut details = services.account_details(accounts).await?;
    // Codes and CardDAV credentials are read only for the accounts the details say have some:
    // most have none, and `/accounts/me` then costs one read less per relation.
    let has =
        |id: &AccountId, which: fn(&AccountDetails) -> bool| details.get(id).is_some_and(which);
    let phones = view != CodeView::Default;
    let with_codes: Vec<AccountId> = accounts
        .iter()
        .map(|a| a.id)
        .filter(|id| {
            has(id, |d| d.has_pending_email_change)
                || (phones && has(id, |d| d.has_pending_phone_change))
        })
        .collect();
    let mut codes = services.pending_change_codes(&with_codes, phones).await?;
    let digits = view == CodeView::AdminShow;
    let with_carddav: Vec<Account> = accounts
        .iter()
        .filter(|a| has(&a.id, |d| d.has_carddav_credentials))
        .cloned()
        .collect();
    let mut carddavs = services
        .carddav_credentials_by_account(&with_carddav)
        .await?;
    Ok(accounts
        .iter()
        .map(|account| {
            let mut object = AccountObject::from(account);
            object.email_change_code = codes
                .email
                .remove(&account.id)
                .map(|c| change_codes::EmailChangeCodeObject::new(c, digits));
            if view != CodeView::Default {
                object.phone_change_code = MaybeUndefined::from_opt_null(
                    codes
                        .phone
                        .remove(&account.id)
                        .map(|c| change_codes::PhoneChangeCodeObject::new(c, digits)),
                );
            }
            object.carddav_servers = carddavs
                .remove(&account.id)
                .unwrap_or_default()
                .iter()
                .map(Into::into)
                .collect();
            let d = details.remove(&account.id).unwrap_or_default();
            object.dictionary = d.dictionary;
            object.types = d.types.into_iter().map(Into::into).collect();
            object.actions = d.actions.into_iter().map(Into::into).collect();
            if let Some(token) = d.provisioning_token {
                object.provisioning_token_expire_at =
                    services.provisioning_token_expire_at(&token).map(timestamp);
                object.provisioning_token = Some(token.token);
            }
            object
        })
        .collect())
}

/// `{"algorithm": ...}`: passwords are never shown, only which algorithms exist.
#[derive(Debug, Object)]
pub struct PasswordObject {
    /// `MD5` or `SHA-256`.
    pub algorithm: String,
}

/// The account object, as the original's.
#[derive(Debug, Object)]
#[oai(example)]
pub struct AccountObject {
    pub id: i64,
    pub username: String,
    pub domain: String,
    #[oai(nullable)]
    pub email: Option<String>,
    pub activated: bool,
    pub blocked: bool,
    pub admin: bool,
    #[oai(nullable)]
    pub display_name: Option<String>,
    /// `sipinfo`, `rfc2833` or `sipmessage`.
    #[oai(nullable)]
    pub dtmf_protocol: Option<String>,
    /// E.164.
    #[oai(nullable)]
    pub phone: Option<String>,
    #[oai(nullable)]
    pub ip_address: Option<String>,
    #[oai(nullable)]
    pub user_agent: Option<String>,
    /// `sip:username@domain`.
    pub sip_uri: String,
    pub passwords: Vec<PasswordObject>,
    pub dictionary: BTreeMap<String, String>,
    /// Account types attached to the account.
    pub types: Vec<account_types::AccountTypeObject>,
    /// DTMF actions; always empty without a `dtmf_protocol`.
    pub actions: Vec<actions::ActionObject>,
    #[oai(nullable)]
    pub provisioning_token: Option<String>,
    #[oai(nullable)]
    pub provisioning_token_expire_at: Option<String>,
    /// The pending e-mail change, if any; its `code` only on `GET /accounts/{id}` (admin).
    #[oai(nullable)]
    pub email_change_code: Option<change_codes::EmailChangeCodeObject>,
    /// The pending phone change, if any: in the admin listing and on `GET /accounts/{id}` only
    /// (absent elsewhere); its `code` only on `GET /accounts/{id}`.
    #[oai(nullable)]
    pub phone_change_code: MaybeUndefined<change_codes::PhoneChangeCodeObject>,
    /// The CardDAV servers the account has credentials on, each with them (`pivot`, the
    /// password as its HA1), as the original's.
    pub carddav_servers: Vec<carddavs::AccountCardDavServerObject>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Account> for AccountObject {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.0,
            username: a.username.to_string(),
            domain: a.domain.to_string(),
            email: a.email.as_ref().map(|e| e.as_str().to_owned()),
            activated: a.activated,
            blocked: a.blocked,
            admin: a.admin,
            display_name: a.display_name.clone(),
            dtmf_protocol: a.dtmf_protocol.as_ref().map(ToString::to_string),
            phone: a.phone.as_ref().map(|p| p.as_str().to_owned()),
            ip_address: a.ip_address.clone(),
            user_agent: a.user_agent.clone(),
            sip_uri: a.identity().to_string(),
            passwords: a
                .algorithms()
                .into_iter()
                .map(|alg| PasswordObject {
                    algorithm: alg.to_string(),
                })
                .collect(),
            dictionary: BTreeMap::new(),
            types: Vec::new(),
            actions: Vec::new(),
            provisioning_token: None,
            provisioning_token_expire_at: None,
            email_change_code: None,
            phone_change_code: MaybeUndefined::Undefined,
            carddav_servers: Vec::new(),
            created_at: timestamp(a.created_at),
            updated_at: timestamp(a.updated_at),
        }
    }
}

impl poem_openapi::types::Example for AccountObject {
    fn example() -> Self {
        Self {
            id: 42,
            username: "alice".into(),
            domain: "sip.example.org".into(),
            email: Some("alice@example.org".into()),
            activated: true,
            blocked: false,
            admin: false,
            display_name: Some("Alice".into()),
            dtmf_protocol: Some("rfc2833".into()),
            phone: Some("+33612345678".into()),
            ip_address: Some("192.0.2.10".into()),
            user_agent: Some("Linphone/5.2".into()),
            sip_uri: "sip:alice@sip.example.org".into(),
            passwords: vec![PasswordObject {
                algorithm: "SHA-256".into(),
            }],
            dictionary: BTreeMap::new(),
            types: Vec::new(),
            actions: Vec::new(),
            provisioning_token: None,
            provisioning_token_expire_at: None,
            email_change_code: None,
            phone_change_code: MaybeUndefined::Undefined,
            carddav_servers: Vec::new(),
            created_at: "2026-01-01T10:00:00.000000Z".into(),
            updated_at: "2026-01-01T10:00:00.000000Z".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::timestamp;

    #[test]
    fn timestamps_have_six_decimals_and_a_z() {
        let whole = chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(timestamp(whole), "2026-01-02T03:04:05.000000Z");
        let micros = whole + chrono::Duration::microseconds(120_034);
        assert_eq!(timestamp(micros), "2026-01-02T03:04:05.120034Z");
        // Nanoseconds are cut, not rounded, as the original's format does.
        let nanos = whole + chrono::Duration::nanoseconds(999_999_999);
        assert_eq!(timestamp(nanos), "2026-01-02T03:04:05.999999Z");
    }
}
