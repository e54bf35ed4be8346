//! SIP identities (`sip:user@domain`) and their parts.
//!
//! The original parses with an RFC 3261 grammar; we accept the same practical subset: a `sip:` or
//! `sips:` scheme, a user part made of RFC 3261 user characters, and a host name or IP literal.
//! Domains are compared case-insensitively, so [`Domain`] stores them lower-cased.

use std::fmt;

use thiserror::Error;

/// Why a SIP identity, user part or domain was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SipIdentityError {
    #[error("missing sip: or sips: scheme")]
    MissingScheme,
    #[error("missing user part")]
    MissingUser,
    #[error("invalid user part")]
    InvalidUser,
    #[error("invalid domain")]
    InvalidDomain,
}

/// The user part of a SIP address, as stored in `accounts.username`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    /// Accepts RFC 3261 user characters (unreserved, escaped and `&=+$,;?/`), 1 to 64 of them.
    ///
    /// # Errors
    /// [`SipIdentityError::InvalidUser`] for an empty, too long or badly formed user part.
    pub fn parse(raw: &str) -> Result<Self, SipIdentityError> {
        if raw.is_empty() || raw.len() > 64 || !raw.chars().all(is_user_char) {
            return Err(SipIdentityError::InvalidUser);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.!~*'()%&=+$,;?/".contains(c)
}

/// A SIP domain (and a space's key), lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Domain(String);

impl Domain {
    /// Accepts a host name (labels of letters, digits and inner hyphens, at most 253 characters),
    /// `localhost`, or an IPv4 address.
    ///
    /// # Errors
    /// [`SipIdentityError::InvalidDomain`] otherwise.
    pub fn parse(raw: &str) -> Result<Self, SipIdentityError> {
        let lower = raw.trim_end_matches('.').to_ascii_lowercase();
        if lower.is_empty() || lower.len() > 253 {
            return Err(SipIdentityError::InvalidDomain);
        }
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !lower.split('.').all(label_ok) {
            return Err(SipIdentityError::InvalidDomain);
        }
        Ok(Self(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `sip:username@domain`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SipIdentity {
    pub username: Username,
    pub domain: Domain,
}

impl SipIdentity {
    pub fn new(username: Username, domain: Domain) -> Self {
        Self { username, domain }
    }

    /// Parses `sip:user@domain` or `sips:user@domain` (scheme case-insensitive). URI parameters
    /// (`;transport=tls`) and a port are ignored.
    ///
    /// # Errors
    /// The [`SipIdentityError`] naming the part that is wrong.
    pub fn parse(raw: &str) -> Result<Self, SipIdentityError> {
        let raw = raw.trim();
        let lower = raw
            .get(..5)
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let rest = if lower.starts_with("sips:") {
            &raw[5..]
        } else if lower.starts_with("sip:") {
            &raw[4..]
        } else {
            return Err(SipIdentityError::MissingScheme);
        };
        // URI headers (`?subject=...`) follow the host. A `?` before the `@` is part of the user
        // (RFC 3261 `user-unreserved`), which cannot itself contain an `@`.
        let host_start = rest.find('@').map_or(0, |at| at + 1);
        let end = rest[host_start..]
            .find('?')
            .map_or(rest.len(), |i| host_start + i);
        Self::parse_user_at_domain(&rest[..end])
    }

    /// Parses `user@domain` without a scheme, as the original's `{sip}` path parameters.
    ///
    /// # Errors
    /// The [`SipIdentityError`] naming the part that is wrong.
    pub fn parse_user_at_domain(raw: &str) -> Result<Self, SipIdentityError> {
        let (user, host) = raw.rsplit_once('@').ok_or(SipIdentityError::MissingUser)?;
        // A user part may itself contain ';' (RFC 3261 allows it); URI parameters follow the host.
        let host = host.split(';').next().unwrap_or_default();
        let host = strip_port(host);
        Ok(Self {
            username: Username::parse(user)?,
            domain: Domain::parse(host)?,
        })
    }

    /// Parses a `From` header: the part before the first `;`, URL-decoded, must be a bare SIP URI.
    ///
    /// # Errors
    /// The [`SipIdentityError`] naming the part that is wrong.
    pub fn parse_from_header(raw: &str) -> Result<Self, SipIdentityError> {
        let before_params = raw.split(';').next().unwrap_or_default();
        let decoded = percent_encoding::percent_decode_str(before_params)
            .decode_utf8()
            .map_err(|_| SipIdentityError::InvalidUser)?;
        Self::parse(&decoded)
    }
}

fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

impl fmt::Display for SipIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sip:{}@{}", self.username, self.domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_sip_uri_parses_into_user_and_lowercased_domain() {
        let id = SipIdentity::parse("sip:alice@Example.ORG").unwrap();
        assert_eq!(id.username.as_str(), "alice");
        assert_eq!(id.domain.as_str(), "example.org");
        assert_eq!(id.to_string(), "sip:alice@example.org");
    }

    #[test]
    fn sips_scheme_port_and_parameters_are_accepted() {
        let id = SipIdentity::parse("SIPS:bob@sip.example.com:5061;transport=tls").unwrap();
        assert_eq!(id.username.as_str(), "bob");
        assert_eq!(id.domain.as_str(), "sip.example.com");
    }

    #[test]
    fn a_from_header_is_cut_at_the_first_semicolon_and_url_decoded() {
        let id = SipIdentity::parse_from_header("sip:al%2Bice@localhost;tag=123").unwrap();
        assert_eq!(id.username.as_str(), "al+ice");
        assert_eq!(id.domain.as_str(), "localhost");
    }

    #[test]
    fn malformed_identities_are_refused_with_the_reason() {
        assert_eq!(
            SipIdentity::parse("alice@example.org"),
            Err(SipIdentityError::MissingScheme)
        );
        assert_eq!(
            SipIdentity::parse("sip:example.org"),
            Err(SipIdentityError::MissingUser)
        );
        assert_eq!(
            SipIdentity::parse("sip:@example.org"),
            Err(SipIdentityError::InvalidUser)
        );
        assert_eq!(
            SipIdentity::parse("sip:al ice@example.org"),
            Err(SipIdentityError::InvalidUser)
        );
        assert_eq!(
            SipIdentity::parse("sip:alice@exa_mple.org"),
            Err(SipIdentityError::InvalidDomain)
        );
        assert_eq!(
            SipIdentity::parse("<sip:alice@example.org>"),
            Err(SipIdentityError::MissingScheme)
        );
    }

    /// Found by the `sip_identity` fuzz target: `Username::parse` accepts `?` (RFC 3261), but
    /// `parse` cut the URI at the first `?`, so such an identity did not read back.
    #[test]
    fn a_question_mark_in_the_user_part_is_not_taken_for_uri_headers() {
        let id = SipIdentity::parse("sip:+$,;?-_.!~*'()&=+$,;?/%41@example.org").unwrap();
        assert_eq!(id.username.as_str(), "+$,;?-_.!~*'()&=+$,;?/%41");
        assert_eq!(SipIdentity::parse(&id.to_string()), Ok(id));
        let id = SipIdentity::parse("sip:a?b@example.org?subject=x&priority=urgent").unwrap();
        assert_eq!(id.to_string(), "sip:a?b@example.org");
        assert_eq!(
            SipIdentity::parse_from_header("sip:a%3Fb@example.org;tag=1")
                .unwrap()
                .username
                .as_str(),
            "a?b"
        );
    }

    #[test]
    fn domains_reject_empty_labels_and_edge_hyphens() {
        assert!(Domain::parse("localhost").is_ok());
        assert!(Domain::parse("a..b").is_err());
        assert!(Domain::parse("-a.org").is_err());
        assert!(Domain::parse("").is_err());
    }
}
