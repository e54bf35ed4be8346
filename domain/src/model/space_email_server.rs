//! A space's own SMTP server (`/api/spaces/{domain}/email`): it wins over the global one for
//! every message about the space.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::Domain;

/// Longest host name (a DNS name's limit).
pub const MAX_EMAIL_SERVER_HOST_LENGTH: usize = 253;
/// Longest username, password, sender name (the columns' size).
pub const MAX_EMAIL_SERVER_TEXT_LENGTH: usize = 255;
/// Longest signature.
pub const MAX_EMAIL_SERVER_SIGNATURE_LENGTH: usize = 1000;

/// A space's own SMTP server.
#[derive(Clone, PartialEq, Eq)]
pub struct SpaceEmailServer {
    /// A domain name or an IP address.
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    /// Stored as given: it must be sent to the SMTP server. Write-only through the API; never
    /// shown, never logged.
    pub password: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub signature: Option<String>,
}

impl std::fmt::Debug for SpaceEmailServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpaceEmailServer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("from_address", &self.from_address)
            .field("from_name", &self.from_name)
            .field("signature", &self.signature)
            .finish()
    }
}

/// Whether `host` is a host name or an IP address an SMTP client can connect to: a DNS name
/// (labels of letters, digits and inner hyphens), an IPv4 address, or an IPv6 address (bare or
/// in brackets). Dotted digits that are not an IPv4 address (`999.1.1.1`) are refused.
pub fn is_mail_host(host: &str) -> bool {
    if host.is_empty() || host.len() > MAX_EMAIL_SERVER_HOST_LENGTH {
        return false;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if bare.parse::<Ipv6Addr>().is_ok() || host.parse::<Ipv4Addr>().is_ok() {
        return true;
    }
    let numeric = host
        .trim_end_matches('.')
        .split('.')
        .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_digit()));
    !numeric && Domain::parse(host).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_names_or_addresses() {
        for good in [
            "mail.example.org",
            "localhost",
            "smtp-1.example.co.uk",
            "127.0.0.1",
            "::1",
            "[2001:db8::25]",
        ] {
            assert!(is_mail_host(good), "{good}");
        }
        for bad in [
            "",
            "mail example.org",
            "-mail.example.org",
            "mail_server",
            "999.1.1.1",
            "10.0.0",
            "smtp://mail.example.org",
            "mail.example.org:587",
            "[mail.example.org]",
        ] {
            assert!(!is_mail_host(bad), "{bad}");
        }
        assert!(!is_mail_host(&"a".repeat(254)));
    }

    #[test]
    fn debug_hides_the_password() {
        let server = SpaceEmailServer {
            host: "h".into(),
            port: 25,
            username: Some("u".into()),
            password: Some("hunter2".into()),
            from_address: None,
            from_name: None,
            signature: None,
        };
        assert!(!format!("{server:?}").contains("hunter2"));
    }
}
