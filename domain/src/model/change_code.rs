//! Codes that prove a person holds a new e-mail address or phone number before the account takes
//! it (`POST /accounts/me/email/request`, then `POST /accounts/me/email` with the code; the same
//! for the phone). One generic entity, stored in two tables (`email_change_codes`,
//! `phone_change_codes`): the target is an [`Email`] or a [`PhoneNumber`].

use chrono::{DateTime, Duration, Utc};
use subtle::ConstantTimeEq;

use super::{AccountId, Email, PhoneNumber};

/// Wrong codes a code survives: the fifth wrong try spends it.
pub const CHANGE_CODE_MAX_ATTEMPTS: u32 = 5;

/// Digits of a code (the original's 4-digit PINs, 1000 to 9999).
pub const CHANGE_CODE_DIGITS: usize = 4;

/// Database identifier of a change code (unique within its table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChangeCodeId(pub i64);

/// What a change code confirms: an e-mail address or a phone number.
pub trait ChangeTarget: Clone + PartialEq + std::fmt::Debug + Send + Sync + 'static {
    fn as_str(&self) -> &str;
    /// The value as storage holds it (see `text_value!`).
    fn from_stored(raw: String) -> Self;
}

impl ChangeTarget for Email {
    fn as_str(&self) -> &str {
        Email::as_str(self)
    }
    fn from_stored(raw: String) -> Self {
        Self::unchecked(raw)
    }
}

impl ChangeTarget for PhoneNumber {
    fn as_str(&self) -> &str {
        PhoneNumber::as_str(self)
    }
    fn from_stored(raw: String) -> Self {
        Self::unchecked(raw)
    }
}

/// A code sent to `target` for the account, pending until spent.
#[derive(Clone, PartialEq)]
pub struct ChangeCode<T> {
    pub id: ChangeCodeId,
    pub account_id: AccountId,
    /// The digits; `None` once spent (confirmed, replaced by a newer code, or worn out by
    /// [`CHANGE_CODE_MAX_ATTEMPTS`] wrong tries).
    pub code: Option<String>,
    /// The address or number the account takes once the code is confirmed.
    pub target: T,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Wrong tries so far.
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub type EmailChangeCode = ChangeCode<Email>;
pub type PhoneChangeCode = ChangeCode<PhoneNumber>;

impl<T> ChangeCode<T> {
    pub fn is_pending(&self) -> bool {
        self.code.is_some()
    }

    /// Whether the code is too old at `now`; `ttl` `None`: codes never expire.
    pub fn is_expired(&self, ttl: Option<Duration>, now: DateTime<Utc>) -> bool {
        ttl.is_some_and(|ttl| self.created_at + ttl <= now)
    }

    /// Whether `candidate` is the pending code, compared in constant time (a spent code matches
    /// nothing).
    pub fn matches(&self, candidate: &str) -> bool {
        self.code
            .as_deref()
            .is_some_and(|code| bool::from(code.as_bytes().ct_eq(candidate.as_bytes())))
    }

    /// Whether wrong tries wore the code out (rather than a confirmation or a newer code).
    pub fn is_worn_out(&self) -> bool {
        !self.is_pending() && self.attempts >= CHANGE_CODE_MAX_ATTEMPTS
    }
}

/// The digits stay out of logs.
impl<T: std::fmt::Debug> std::fmt::Debug for ChangeCode<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeCode")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("code", &self.code.as_ref().map(|_| "<hidden>"))
            .field("target", &self.target)
            .field("ip", &self.ip)
            .field("user_agent", &self.user_agent)
            .field("attempts", &self.attempts)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// What a new code is made of; it starts pending with no wrong tries.
#[derive(Clone, PartialEq)]
pub struct NewChangeCode<T> {
    pub account_id: AccountId,
    pub code: String,
    pub target: T,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl<T: std::fmt::Debug> std::fmt::Debug for NewChangeCode<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewChangeCode")
            .field("account_id", &self.account_id)
            .field("code", &"<hidden>")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// Whether `raw` has the shape of a code: exactly [`CHANGE_CODE_DIGITS`] ASCII digits.
pub fn is_change_code_shape(raw: &str) -> bool {
    raw.len() == CHANGE_CODE_DIGITS && raw.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(digits: Option<&str>, attempts: u32) -> EmailChangeCode {
        let at = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
        ChangeCode {
            id: ChangeCodeId(1),
            account_id: AccountId(1),
            code: digits.map(str::to_owned),
            target: Email::unchecked("a@b.example"),
            ip: None,
            user_agent: None,
            attempts,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn only_the_pending_digits_match() {
        assert!(code(Some("1234"), 0).matches("1234"));
        assert!(!code(Some("1234"), 0).matches("1235"));
        assert!(!code(Some("1234"), 0).matches("12345"));
        assert!(!code(None, 0).matches("1234"));
        assert!(!code(None, 0).matches(""));
    }

    #[test]
    fn expiry_counts_from_creation_and_none_never_expires() {
        let c = code(Some("1234"), 0);
        let ttl = Some(Duration::minutes(10));
        assert!(!c.is_expired(ttl, c.created_at + Duration::minutes(9)));
        assert!(c.is_expired(ttl, c.created_at + Duration::minutes(10)));
        assert!(!c.is_expired(None, c.created_at + Duration::days(999)));
    }

    #[test]
    fn worn_out_means_spent_by_wrong_tries() {
        assert!(code(None, CHANGE_CODE_MAX_ATTEMPTS).is_worn_out());
        assert!(!code(None, 1).is_worn_out());
        assert!(!code(Some("1234"), CHANGE_CODE_MAX_ATTEMPTS).is_worn_out());
    }

    #[test]
    fn code_shapes_are_four_ascii_digits() {
        assert!(is_change_code_shape("0123"));
        assert!(!is_change_code_shape("123"));
        assert!(!is_change_code_shape("12a4"));
        assert!(!is_change_code_shape("١٢٣٤"));
        assert!(!is_change_code_shape(" 1234"));
    }

    #[test]
    fn debug_hides_the_digits() {
        let shown = format!("{:?}", code(Some("4321"), 0));
        assert!(!shown.contains("4321"), "{shown}");
    }
}
