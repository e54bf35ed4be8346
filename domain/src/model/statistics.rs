//! Call and message statistics, as Flexisip's statistics hooks report them. Every row belongs to
//! the space whose administrator recorded it (`space`), and is only ever read back there.

use std::fmt;

use chrono::{DateTime, Utc};

use super::Domain;

/// The longest id (call id, message id, device id) a hook may send: the original's columns.
pub const MAX_STATISTICS_ID_LENGTH: usize = 64;
/// The longest `user@domain` address a hook may send.
pub const MAX_STATISTICS_ADDRESS_LENGTH: usize = 256;

/// A hook's id (call, message or device): 1 to 64 characters, no control characters.
pub fn is_statistics_id(raw: &str) -> bool {
    !raw.is_empty()
        && raw.chars().count() <= MAX_STATISTICS_ID_LENGTH
        && !raw.chars().any(char::is_control)
}

/// `username@domain` as the hooks send it: no `sip:` scheme, exactly one `@`, neither side empty.
/// Kept as text: the parties of a call need not be accounts of this server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatisticsAddress {
    pub username: String,
    pub domain: String,
}

impl StatisticsAddress {
    /// `None` unless `raw` is `username@domain` within [`MAX_STATISTICS_ADDRESS_LENGTH`], without
    /// spaces or control characters.
    pub fn parse(raw: &str) -> Option<Self> {
        if raw.chars().count() > MAX_STATISTICS_ADDRESS_LENGTH
            || raw.chars().any(|c| c.is_control() || c.is_whitespace())
        {
            return None;
        }
        let (username, domain) = raw.split_once('@')?;
        if username.is_empty() || domain.is_empty() || domain.contains('@') {
            return None;
        }
        Some(Self {
            username: username.to_owned(),
            domain: domain.to_owned(),
        })
    }

    pub fn new(username: impl Into<String>, domain: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            domain: domain.into(),
        }
    }
}

impl fmt::Display for StatisticsAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.username, self.domain)
    }
}

/// How a call's INVITE ended on one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteTerminatedState {
    Error,
    Declined,
    Canceled,
    AcceptedElsewhere,
    DeclinedElsewhere,
    Accepted,
}

impl InviteTerminatedState {
    pub const ALL: [Self; 6] = [
        Self::Error,
        Self::Declined,
        Self::Canceled,
        Self::AcceptedElsewhere,
        Self::DeclinedElsewhere,
        Self::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Declined => "declined",
            Self::Canceled => "canceled",
            Self::AcceptedElsewhere => "accepted_elsewhere",
            Self::DeclinedElsewhere => "declined_elsewhere",
            Self::Accepted => "accepted",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

impl fmt::Display for InviteTerminatedState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message sent through Flexisip, with what each recipient device reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatisticsMessage {
    pub space: Domain,
    pub id: String,
    pub from: StatisticsAddress,
    pub sent_at: DateTime<Utc>,
    pub encrypted: bool,
    pub conference_id: Option<String>,
    /// Ordered by recipient, then device id.
    pub devices: Vec<StatisticsMessageDevice>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The delivery state one device of one recipient reported for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatisticsMessageDevice {
    pub message_id: String,
    pub to: StatisticsAddress,
    pub device_id: String,
    pub last_status: i64,
    pub received_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A call placed through Flexisip, with what each callee device reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatisticsCall {
    pub space: Domain,
    pub id: String,
    pub from: StatisticsAddress,
    pub to: StatisticsAddress,
    pub initiated_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub conference_id: Option<String>,
    /// Ordered by device id.
    pub devices: Vec<StatisticsCallDevice>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One device a call rang on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatisticsCallDevice {
    pub call_id: String,
    pub device_id: String,
    pub rang_at: Option<DateTime<Utc>>,
    pub invite_terminated: Option<(DateTime<Utc>, InviteTerminatedState)>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_one_user_at_one_domain() {
        assert_eq!(
            StatisticsAddress::parse("alice@sip.example.org"),
            Some(StatisticsAddress::new("alice", "sip.example.org"))
        );
        for bad in [
            "alice",
            "@example.org",
            "alice@",
            "a@b@c",
            "al ice@example.org",
            "",
        ] {
            assert_eq!(StatisticsAddress::parse(bad), None, "{bad}");
        }
        assert!(StatisticsAddress::parse(&format!("{}@d", "a".repeat(255))).is_none());
    }

    #[test]
    fn ids_are_bounded() {
        assert!(is_statistics_id(&"x".repeat(64)));
        assert!(!is_statistics_id(&"x".repeat(65)));
        assert!(!is_statistics_id(""));
        assert!(!is_statistics_id("a\nb"));
    }

    #[test]
    fn terminated_states_round_trip() {
        for s in InviteTerminatedState::ALL {
            assert_eq!(InviteTerminatedState::parse(s.as_str()), Some(s));
        }
        assert_eq!(InviteTerminatedState::parse("busy"), None);
    }
}
