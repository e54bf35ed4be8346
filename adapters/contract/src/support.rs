//! Builders and comparisons shared by the contract cases.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, TimeZone, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    Account, AccountId, AccountTypeKey, ActionCode, ActionKey, ApiKeyKind, AuthToken,
    ContactsListTitle, DigestConfig, DigestNonce, Domain, DtmfProtocol, Email, JwtAlgorithm,
    JwtConfig, NewAccount, NewApiKey, NewProvisioningToken, NewSpace, Password, PasswordAlgorithm,
    PhoneNumber, Space, SpaceSettings, Username,
};
use flexiapi_domain::ports::Storage;

/// A fixed instant with sub-millisecond digits, so precision loss shows.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::microseconds(123_456)
}

pub fn secs(n: i64) -> chrono::Duration {
    chrono::Duration::seconds(n)
}

/// Backends keep at least milliseconds; compare at that precision.
pub fn ms(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(3)
}

pub fn domain(s: &str) -> Domain {
    Domain::parse(s).expect("test domain")
}

pub fn username(s: &str) -> Username {
    Username::parse(s).expect("test username")
}

// Text values as a backend takes them: unchecked, since the contract is about storage (which
// must keep any value, rows older than today's rules included), not about the rules.

pub fn email(s: &str) -> Email {
    Email::unchecked(s)
}

pub fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::unchecked(s)
}

pub fn type_key(s: &str) -> AccountTypeKey {
    AccountTypeKey::unchecked(s)
}

pub fn action_key(s: &str) -> ActionKey {
    ActionKey::unchecked(s)
}

pub fn action_code(s: &str) -> ActionCode {
    ActionCode::unchecked(s)
}

pub fn title(s: &str) -> ContactsListTitle {
    ContactsListTitle::unchecked(s)
}

/// A space whose host and name derive from its domain, with a few non-default settings so that
/// the JSON columns are exercised.
pub fn new_space(d: &str) -> NewSpace {
    let settings = SpaceSettings {
        copyright_text: Some(format!("© {d}")),
        theme_hue: Some(210),
        public_registration: false,
        ..SpaceSettings::default()
    };
    NewSpace {
        domain: domain(d),
        host: format!("web.{d}"),
        name: format!("Space {d}"),
        super_space: false,
        max_accounts: 0,
        expire_at: None,
        digest: DigestConfig::default(),
        jwt: None,
        settings,
    }
}

pub fn jwt_config() -> JwtConfig {
    JwtConfig {
        public_key: "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n".into(),
        sip_identifier: Some("sip".into()),
        algorithms: vec![JwtAlgorithm::RS256, JwtAlgorithm::ES256],
        issuer: Some("https://issuer.example".into()),
        audience: None,
        leeway_seconds: 12,
        jwt_only: true,
        server_url: None,
        realm: Some("r".into()),
        client_id: None,
    }
}

pub fn passwords(user: &str, realm: &str, clear: &str) -> Vec<Password> {
    vec![
        Password::from_clear(PasswordAlgorithm::Md5, user, realm, clear),
        Password::from_clear(PasswordAlgorithm::Sha256, user, realm, clear),
    ]
}

/// An account with every optional field set.
pub fn full_account(user: &str, d: &str) -> NewAccount {
    NewAccount {
        username: username(user),
        domain: domain(d),
        email: Some(email(&format!("{user}@mail.example"))),
        display_name: Some(format!("Display {user}")),
        activated: true,
        blocked: false,
        admin: true,
        dtmf_protocol: Some(DtmfProtocol::Rfc2833),
        phone: Some(phone("+33612345678")),
        ip_address: Some("192.0.2.1".into()),
        user_agent: Some("contract-suite".into()),
        passwords: passwords(user, d, "secret"),
        dictionary: dictionary(&[("color", "blue"), ("lang", "fr")]),
        creation_token: None,
    }
}

pub fn dictionary(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub fn provisioning_token(account_id: AccountId, token: &str) -> NewProvisioningToken {
    NewProvisioningToken {
        account_id,
        token: token.into(),
        ip: Some("203.0.113.11".into()),
        user_agent: Some("provisioning agent".into()),
    }
}

/// What `create_account(new, _, now)` must return, id aside.
pub fn expected(new: &NewAccount, id: AccountId, now: DateTime<Utc>) -> Account {
    Account {
        id,
        username: new.username.clone(),
        domain: new.domain.clone(),
        email: new.email.clone(),
        display_name: new.display_name.clone(),
        activated: new.activated,
        blocked: new.blocked,
        admin: new.admin,
        dtmf_protocol: new.dtmf_protocol.clone(),
        phone: new.phone.clone(),
        ip_address: new.ip_address.clone(),
        user_agent: new.user_agent.clone(),
        passwords: new.passwords.clone(),
        created_at: now,
        updated_at: now,
        deactivated_at: None,
    }
}

/// An account in comparable form: millisecond timestamps, passwords in algorithm order.
pub fn norm(mut a: Account) -> Account {
    a.created_at = ms(a.created_at);
    a.updated_at = ms(a.updated_at);
    a.deactivated_at = a.deactivated_at.map(ms);
    a.passwords.sort_by_key(|p| p.algorithm);
    a
}

pub fn user_key(account_id: AccountId, hash: &str, at: DateTime<Utc>) -> NewApiKey {
    NewApiKey {
        account_id,
        key_hash: hash.into(),
        name: Some(format!("name of {hash}")),
        kind: ApiKeyKind::User {
            ip: "198.51.100.7".into(),
        },
        created_at: at,
    }
}

pub fn admin_key(account_id: AccountId, hash: &str, at: DateTime<Utc>) -> NewApiKey {
    NewApiKey {
        account_id,
        key_hash: hash.into(),
        name: None,
        kind: ApiKeyKind::Admin,
        created_at: at,
    }
}

pub fn nonce(opaque: &str, at: DateTime<Utc>) -> DigestNonce {
    DigestNonce {
        opaque: opaque.into(),
        nonce: format!("nonce-{opaque}"),
        username: "alice".into(),
        domain: "example.org".into(),
        ip: "203.0.113.9".into(),
        nc: 0,
        uses: 0,
        created_at: at,
    }
}

/// An unattached auth token of `example.org`.
pub fn auth_token(token: &str, at: DateTime<Utc>) -> AuthToken {
    AuthToken {
        token: token.into(),
        domain: domain("example.org"),
        account_id: None,
        ip: Some("203.0.113.10".into()),
        user_agent: Some("phone".into()),
        created_at: at,
    }
}

/// Creates the space of domain `d`.
pub async fn space(s: &Arc<dyn Storage>, d: &str) -> Space {
    s.create_space(new_space(d), t0())
        .await
        .expect("create space")
}

/// Creates the full account `user@d` and returns its id.
pub async fn account(s: &Arc<dyn Storage>, user: &str, d: &str) -> AccountId {
    s.create_account(full_account(user, d), 0, t0())
        .await
        .expect("create account")
        .id
}

/// Asserts that `result` is the conflict `which`.
pub fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, which: Conflict) {
    match result {
        Err(StoreError::Conflict(c)) => assert_eq!(c, which),
        other => panic!("expected Conflict({which:?}), got {other:?}"),
    }
}
