//! Codes sent by e-mail or SMS to prove that a person holds an address: the recovery codes of
//! the recovery pages (this file) and the sign-up codes of the registration pages
//! (`registration_code`). Both are 4-digit PINs, spent by use, by expiry and after
//! [`MAX_CODE_ATTEMPTS`] wrong tries.

use chrono::{DateTime, Duration, Utc};

use super::{AccountId, Email, PhoneNumber};

/// Wrong tries a code takes before it is spent (the original's 3 was raised to 5 by issue #16).
pub const MAX_CODE_ATTEMPTS: u32 = 5;

/// Where a code is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    Email(Email),
    Phone(PhoneNumber),
}

impl Recipient {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Email(e) => e.as_str(),
            Self::Phone(p) => p.as_str(),
        }
    }

    pub fn email(&self) -> Option<&Email> {
        match self {
            Self::Email(e) => Some(e),
            Self::Phone(_) => None,
        }
    }

    pub fn phone(&self) -> Option<&PhoneNumber> {
        match self {
            Self::Phone(p) => Some(p),
            Self::Email(_) => None,
        }
    }

    /// From the two nullable columns a code row keeps; `None` when both are NULL.
    pub fn from_columns(email: Option<String>, phone: Option<String>) -> Option<Self> {
        match (email, phone) {
            (Some(e), _) => Some(Self::Email(Email::unchecked(e))),
            (None, Some(p)) => Some(Self::Phone(PhoneNumber::unchecked(p))),
            (None, None) => None,
        }
    }
}

/// Whether a code stored at `created_at`, living `ttl` (`None`: forever), is past its expiry.
pub fn code_expired(created_at: DateTime<Utc>, ttl: Option<Duration>, now: DateTime<Utc>) -> bool {
    ttl.is_some_and(|ttl| created_at + ttl <= now)
}

/// Database identifier of a recovery code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecoveryCodeId(pub i64);

/// A code that lets a person set a new password on an account.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryCode {
    pub id: RecoveryCodeId,
    pub account_id: AccountId,
    /// `None` once spent (used, retired by a newer code, or tried wrongly too often).
    pub code: Option<String>,
    pub recipient: Recipient,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Wrong tries so far.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
}

/// What a new recovery code is made of; it starts live with no attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecoveryCode {
    pub account_id: AccountId,
    pub code: String,
    pub recipient: Recipient,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
