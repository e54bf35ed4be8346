//! An account's external account (`/api/accounts/{id}/external`): its identity on another SIP
//! provider, which Flexisip's B2BUA registers and bridges calls through. At most one per account;
//! `(username, domain)` is unique across every space, because the B2BUA loads all of them into
//! one pool keyed by that address.

use std::fmt;

use chrono::{DateTime, Utc};

use super::{AccountId, PasswordAlgorithm};

/// Longest username, domain, realm, registrar and outbound proxy (the columns' size).
pub const MAX_EXTERNAL_ACCOUNT_FIELD_LENGTH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExternalAccountId(pub i64);

/// The transport the B2BUA registers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SipProtocol {
    Udp,
    Tcp,
    Tls,
}

impl SipProtocol {
    /// Wire names, as the original's rule lists them.
    pub const NAMES: [&'static str; 3] = ["UDP", "TCP", "TLS"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
            Self::Tls => "TLS",
        }
    }

    /// Exact wire names (`UDP`, `TCP`, `TLS`).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "UDP" => Some(Self::Udp),
            "TCP" => Some(Self::Tcp),
            "TLS" => Some(Self::Tls),
            _ => None,
        }
    }
}

/// An external account as stored. `password` is the digest HA1 (`algorithm` is always MD5, as
/// the original); `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct ExternalAccount {
    pub id: ExternalAccountId,
    pub account_id: AccountId,
    pub username: String,
    /// The provider's SIP domain: a host name or an IP address.
    pub domain: String,
    pub password: String,
    pub algorithm: PasswordAlgorithm,
    pub realm: Option<String>,
    pub registrar: Option<String>,
    pub outbound_proxy: Option<String>,
    pub protocol: SipProtocol,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ExternalAccount {
    /// The realm the HA1 was computed over: `realm`, else the domain.
    pub fn resolved_realm(&self) -> &str {
        self.realm.as_deref().unwrap_or(&self.domain)
    }

    /// `username@domain`.
    pub fn identifier(&self) -> String {
        format!("{}@{}", self.username, self.domain)
    }
}

impl fmt::Debug for ExternalAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalAccount")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("username", &self.username)
            .field("domain", &self.domain)
            .field("password", &"<redacted>")
            .field("algorithm", &self.algorithm)
            .field("realm", &self.realm)
            .field("registrar", &self.registrar)
            .field("outbound_proxy", &self.outbound_proxy)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

/// What a create or update writes. `password` (an HA1) is `None` when the update keeps the
/// stored one.
#[derive(Clone, PartialEq, Eq)]
pub struct NewExternalAccount {
    pub username: String,
    pub domain: String,
    pub password: Option<String>,
    pub algorithm: PasswordAlgorithm,
    pub realm: Option<String>,
    pub registrar: Option<String>,
    pub outbound_proxy: Option<String>,
    pub protocol: SipProtocol,
}

impl fmt::Debug for NewExternalAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewExternalAccount")
            .field("username", &self.username)
            .field("domain", &self.domain)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("realm", &self.realm)
            .field("registrar", &self.registrar)
            .field("outbound_proxy", &self.outbound_proxy)
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_are_their_exact_wire_names() {
        for name in SipProtocol::NAMES {
            assert_eq!(
                SipProtocol::parse(name).map(SipProtocol::as_str),
                Some(name)
            );
        }
        assert_eq!(SipProtocol::parse("udp"), None);
        assert_eq!(SipProtocol::parse("SCTP"), None);
    }

    #[test]
    fn debug_hides_the_ha1() {
        let new = NewExternalAccount {
            username: "u".into(),
            domain: "d".into(),
            password: Some("0123456789abcdef".into()),
            algorithm: PasswordAlgorithm::Md5,
            realm: None,
            registrar: None,
            outbound_proxy: None,
            protocol: SipProtocol::Udp,
        };
        assert!(!format!("{new:?}").contains("0123456789abcdef"));
    }
}
