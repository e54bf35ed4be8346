//! Spaces: one SIP domain served on one HTTP host, with its limits and settings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Domain, PasswordAlgorithm};

/// Database identifier of a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpaceId(pub i64);

/// A space, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    pub id: SpaceId,
    pub domain: Domain,
    /// HTTP host name (no port) that serves this space.
    pub host: String,
    pub name: String,
    /// Admins of a super space are super admins.
    pub super_space: bool,
    /// 0 means unlimited.
    pub max_accounts: i64,
    pub expire_at: Option<DateTime<Utc>>,
    pub digest: DigestConfig,
    pub jwt: Option<JwtConfig>,
    pub settings: SpaceSettings,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Space {
    /// The Digest realm: the configured one, else the SIP domain.
    pub fn realm(&self) -> &str {
        self.digest
            .realm
            .as_deref()
            .filter(|r| !r.is_empty())
            .unwrap_or(self.domain.as_str())
    }

    /// A space whose `expire_at` is in the past answers 403 on authenticated endpoints.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expire_at.is_some_and(|at| at <= now)
    }
}

/// What a new space is made of; the repository assigns id and timestamps.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSpace {
    pub domain: Domain,
    pub host: String,
    pub name: String,
    pub super_space: bool,
    pub max_accounts: i64,
    pub expire_at: Option<DateTime<Utc>>,
    pub digest: DigestConfig,
    pub jwt: Option<JwtConfig>,
    pub settings: SpaceSettings,
}

/// `digest_authentication_configuration` of the space object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestConfig {
    /// `None` means the SIP domain.
    pub realm: Option<String>,
    pub default_password_algorithm: PasswordAlgorithm,
}

impl Default for DigestConfig {
    fn default() -> Self {
        Self {
            realm: None,
            default_password_algorithm: PasswordAlgorithm::Sha256,
        }
    }
}

/// Signature algorithms a space may accept for JWT bearer tokens. Never `none`, never HMAC: the
/// key is public, so an HMAC "signature" with it proves nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JwtAlgorithm {
    RS256,
    RS384,
    RS512,
    ES256,
    ES384,
    EdDSA,
}

impl JwtAlgorithm {
    pub const RSA_FAMILY: [JwtAlgorithm; 3] = [Self::RS256, Self::RS384, Self::RS512];
    pub const ALL: [JwtAlgorithm; 6] = [
        Self::RS256,
        Self::RS384,
        Self::RS512,
        Self::ES256,
        Self::ES384,
        Self::EdDSA,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// `oidc_authentication_configuration` of the space object: the issuer's public key and how a
/// token maps to an account. The original's `server_url`, `realm` and `client_id` are kept as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwtConfig {
    /// PEM public key of the issuer.
    pub public_key: String,
    /// Claim holding the SIP identity; `None` or empty means `sip_identity`.
    #[serde(default)]
    pub sip_identifier: Option<String>,
    #[serde(default = "default_jwt_algorithms")]
    pub algorithms: Vec<JwtAlgorithm>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default = "default_leeway")]
    pub leeway_seconds: u64,
    /// When true, user endpoints of this space accept only JWT (the original's behaviour once
    /// OIDC is configured).
    #[serde(default)]
    pub jwt_only: bool,
    #[serde(default)]
    pub server_url: Option<String>,
    #[serde(default)]
    pub realm: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
}

pub fn default_jwt_algorithms() -> Vec<JwtAlgorithm> {
    JwtAlgorithm::RSA_FAMILY.to_vec()
}

pub fn default_leeway() -> u64 {
    30
}

impl JwtConfig {
    pub fn identity_claim(&self) -> &str {
        self.sip_identifier
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("sip_identity")
    }
}

/// The original's per-space feature flags and texts, kept together because nothing in the
/// domain branches on most of them: they are configuration handed to Linphone clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpaceSettings {
    pub disable_chat_feature: bool,
    pub disable_meetings_feature: bool,
    pub disable_broadcast_feature: bool,
    pub max_account: i64,
    pub hide_settings: bool,
    pub hide_account_settings: bool,
    pub disable_call_recordings_feature: bool,
    pub only_display_sip_uri_username: bool,
    pub assistant_hide_create_account: bool,
    pub assistant_disable_qr_code: bool,
    pub assistant_hide_third_party_account: bool,
    pub copyright_text: Option<String>,
    pub intro_registration_text: Option<String>,
    pub newsletter_registration_address: Option<String>,
    pub account_proxy_registrar_address: Option<String>,
    pub custom_provisioning_entries: Option<String>,
    pub custom_provisioning_overwrite_all: bool,
    pub provisioning_use_linphone_provisioning_header: bool,
    pub web_panel: bool,
    /// Strangers may sign up: see [`crate::service::Services::ensure_public_registration`].
    pub public_registration: bool,
    pub phone_registration: bool,
    pub intercom_features: bool,
    pub carddav_user_credentials: bool,
    pub unique_email: bool,
    pub theme_hue: Option<i64>,
    pub logo: Option<String>,
    pub client_certificate_authentication: bool,
}

impl Default for SpaceSettings {
    /// The original's column defaults.
    fn default() -> Self {
        Self {
            disable_chat_feature: false,
            disable_meetings_feature: false,
            disable_broadcast_feature: true,
            max_account: 0,
            hide_settings: false,
            hide_account_settings: false,
            disable_call_recordings_feature: false,
            only_display_sip_uri_username: false,
            assistant_hide_create_account: false,
            assistant_disable_qr_code: false,
            assistant_hide_third_party_account: false,
            copyright_text: None,
            intro_registration_text: None,
            newsletter_registration_address: None,
            account_proxy_registrar_address: None,
            custom_provisioning_entries: None,
            custom_provisioning_overwrite_all: false,
            provisioning_use_linphone_provisioning_header: true,
            web_panel: true,
            public_registration: true,
            phone_registration: true,
            intercom_features: false,
            carddav_user_credentials: false,
            unique_email: true,
            theme_hue: None,
            logo: None,
            client_certificate_authentication: false,
        }
    }
}

/// Host names follow the domain rules (a space's host may be `localhost`); the port is not
/// part of it.
pub fn normalize_host(raw: &str) -> Option<String> {
    Domain::parse(raw).ok().map(|d| d.as_str().to_owned())
}
