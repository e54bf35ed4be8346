//! Call forwardings: where Flexisip sends an account's calls always, when it does not answer or
//! when it is busy (a SIP address, one of its contacts, or its voicemail).

use std::net::{Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, Utc};

use super::{AccountId, SipIdentity};
use crate::validation::Rule;

/// Database identifier of a call forwarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallForwardingId(pub i64);

/// Longest forwarding SIP URI (the column's size).
pub const MAX_FORWARDING_SIP_URI_LENGTH: usize = 255;

/// When a forwarding applies; an account has at most one of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ForwardingType {
    Always,
    NoAnswer,
    Busy,
}

impl ForwardingType {
    pub const ALL: [ForwardingType; 3] = [Self::Always, Self::NoAnswer, Self::Busy];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::NoAnswer => "no_answer",
            Self::Busy => "busy",
        }
    }

    /// # Errors
    /// `OneOf` the three names.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| Rule::OneOf(Self::ALL.iter().map(|t| t.as_str().into()).collect()))
    }

    /// Whether forwardings of these two types cannot both be enabled: `always` leaves nothing to
    /// `no_answer` and `busy`, so enabling both would be ambiguous for the proxy.
    pub fn excludes(self, other: ForwardingType) -> bool {
        (self == Self::Always) != (other == Self::Always)
    }
}

impl std::fmt::Display for ForwardingType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a forwarding sends the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForwardTo {
    /// The forwarding's `sip_uri`.
    SipUri,
    /// The account of the forwarding's `contact_id`.
    Contact,
    /// The account's voicemail (Flexisip decides where that is).
    Voicemail,
}

impl ForwardTo {
    pub const ALL: [ForwardTo; 3] = [Self::SipUri, Self::Contact, Self::Voicemail];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SipUri => "sip_uri",
            Self::Contact => "contact",
            Self::Voicemail => "voicemail",
        }
    }

    /// # Errors
    /// `OneOf` the three names.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == raw)
            .ok_or_else(|| Rule::OneOf(Self::ALL.iter().map(|t| t.as_str().into()).collect()))
    }
}

impl std::fmt::Display for ForwardTo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

text_value! {
    /// A SIP or SIPS URI as RFC 3261 §19.1 writes it (user part, host, port, parameters and
    /// headers), e.g. `sip:bob@example.org;transport=tls`.
    SipUri
}

impl SipUri {
    /// Trims, then checks the grammar and the length ([`MAX_FORWARDING_SIP_URI_LENGTH`]).
    ///
    /// # Errors
    /// `Required` when blank, `MaxLength` when too long, `SipUri` when not a SIP URI.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        let raw = raw.trim();
        if raw.is_empty() {
            Err(Rule::Required)
        } else if raw.chars().count() > MAX_FORWARDING_SIP_URI_LENGTH {
            Err(Rule::MaxLength(MAX_FORWARDING_SIP_URI_LENGTH as u32))
        } else if is_sip_uri(raw) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Rule::SipUri)
        }
    }
}

/// A call forwarding as stored. `contact` is the identity of the `contact_id` account, read with
/// the row, so that Flexisip gets an address to route to (`contact_sip_uri`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallForwarding {
    pub id: CallForwardingId,
    pub account_id: AccountId,
    pub kind: ForwardingType,
    pub forward_to: ForwardTo,
    pub sip_uri: Option<SipUri>,
    pub contact_id: Option<AccountId>,
    pub contact: Option<SipIdentity>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a forwarding is made of, checked: the target field of `forward_to` is set and the other
/// one is not (the use cases build it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCallForwarding {
    pub account_id: AccountId,
    pub kind: ForwardingType,
    pub forward_to: ForwardTo,
    pub sip_uri: Option<SipUri>,
    pub contact_id: Option<AccountId>,
    pub enabled: bool,
}

/// RFC 3261 §19.1 `SIP-URI` / `SIPS-URI`: scheme, optional `userinfo@`, `hostport`,
/// `;parameters` and `?headers`.
pub fn is_sip_uri(raw: &str) -> bool {
    let lower = raw
        .get(..5)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let rest = if lower.starts_with("sips:") {
        &raw[5..]
    } else if lower.starts_with("sip:") {
        &raw[4..]
    } else {
        return false;
    };
    // No part after the scheme may hold an `@` but the end of the user info.
    let rest = match rest.split_once('@') {
        Some((userinfo, host_on)) => {
            if !is_userinfo(userinfo) {
                return false;
            }
            host_on
        }
        None => rest,
    };
    let (before_headers, headers) = match rest.split_once('?') {
        Some((b, h)) => (b, Some(h)),
        None => (rest, None),
    };
    let mut parts = before_headers.split(';');
    let hostport = parts.next().unwrap_or_default();
    is_hostport(hostport)
        && parts.all(is_uri_parameter)
        && headers.is_none_or(|h| h.split('&').all(is_header))
}

fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c)
}

/// Every character passes `allowed`, and every `%` starts a two-hex-digit escape.
fn is_escaped_text(s: &str, allowed: impl Fn(char) -> bool) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c == '%' {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
        } else if c.is_ascii() && allowed(c) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

fn is_userinfo(s: &str) -> bool {
    let (user, password) = match s.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (s, None),
    };
    !user.is_empty()
        && is_escaped_text(user, |c| is_unreserved(c) || "&=+$,;?/".contains(c))
        && password.is_none_or(|p| is_escaped_text(p, |c| is_unreserved(c) || "&=+$,".contains(c)))
}

fn is_hostport(s: &str) -> bool {
    let (host, port) = if let Some(inner) = s.strip_prefix('[') {
        let Some((v6, after)) = inner.split_once(']') else {
            return false;
        };
        if v6.parse::<Ipv6Addr>().is_err() {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("", Some(port)),
                None => return false,
            },
        }
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let host_ok = host.is_empty() && s.starts_with('[') || is_host_name_or_ipv4(host);
    host_ok && port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.parse::<u16>().is_ok())
}

/// `hostname = *( domainlabel "." ) toplabel [ "." ]`, or an IPv4 address.
fn is_host_name_or_ipv4(host: &str) -> bool {
    if host.parse::<Ipv4Addr>().is_ok() {
        return true;
    }
    let labels: Vec<&str> = host.strip_suffix('.').unwrap_or(host).split('.').collect();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    labels.iter().all(|l| label_ok(l))
        && labels
            .last()
            .is_some_and(|top| top.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// `;name[=value]`, both of parameter characters.
fn is_uri_parameter(s: &str) -> bool {
    let param_char = |c: char| is_unreserved(c) || "[]/:&+$".contains(c);
    let (name, value) = match s.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (s, None),
    };
    is_escaped_text(name, param_char) && value.is_none_or(|v| is_escaped_text(v, param_char))
}

/// `hname=hvalue`, a non-empty name.
fn is_header(s: &str) -> bool {
    let header_char = |c: char| is_unreserved(c) || "[]/?:+$".contains(c);
    let Some((name, value)) = s.split_once('=') else {
        return false;
    };
    !name.is_empty() && is_escaped_text(name, header_char) && is_escaped_text(value, header_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_uris_follow_rfc_3261() {
        for good in [
            "sip:uri",
            "sip:alice@example.org",
            "SIPS:bob@example.org:5061",
            "sip:alice:secret@example.org;transport=tls;lr",
            "sip:+33612345678@sip.example.org;user=phone",
            "sip:bob@[2001:db8::1]:5060",
            "sip:bob@192.0.2.4",
            "sip:carol%20x@example.org.",
            "sip:bob@example.org?subject=project%20x&priority=urgent",
        ] {
            assert!(is_sip_uri(good), "{good}");
            assert_eq!(SipUri::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "alice@example.org",
            "sip:",
            "sip:alice@",
            "sip:@example.org",
            "sip:al ice@example.org",
            "http://example.org",
            "sip:a@b@example.org",
            "sip:-bad.example.org",
            "sip:bob@example.123",
            "sip:bob@example.org:port",
            "sip:bob@example.org:99999",
            "sip:bob@[::zz]",
            "sip:bob%2@example.org",
            "sip:bob@example.org?novalue",
            "sip:bob@exämple.org",
        ] {
            assert!(!is_sip_uri(bad), "{bad}");
        }
        assert_eq!(SipUri::parse("  "), Err(Rule::Required));
        assert_eq!(SipUri::parse("nope"), Err(Rule::SipUri));
        let long = format!("sip:{}@example.org", "a".repeat(250));
        assert_eq!(
            SipUri::parse(&long),
            Err(Rule::MaxLength(MAX_FORWARDING_SIP_URI_LENGTH as u32))
        );
    }

    #[test]
    fn types_and_targets_parse_their_names_only() {
        for t in ForwardingType::ALL {
            assert_eq!(ForwardingType::parse(t.as_str()), Ok(t));
        }
        assert!(matches!(ForwardingType::parse("away"), Err(Rule::OneOf(v)) if v.len() == 3));
        for t in ForwardTo::ALL {
            assert_eq!(ForwardTo::parse(t.as_str()), Ok(t));
        }
        assert!(ForwardTo::parse("Contact").is_err());
    }

    #[test]
    fn always_excludes_the_conditional_types_only() {
        use ForwardingType::*;
        assert!(Always.excludes(NoAnswer) && Always.excludes(Busy));
        assert!(NoAnswer.excludes(Always) && Busy.excludes(Always));
        assert!(!NoAnswer.excludes(Busy) && !Busy.excludes(NoAnswer));
        assert!(!Always.excludes(Always) && !Busy.excludes(Busy));
    }
}
