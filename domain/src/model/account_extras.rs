//! What hangs off an account besides its passwords: types (labels of its space) and DTMF actions.

use super::AccountId;
use crate::validation::{Rule, is_alpha_dash};

/// Database identifier of an account type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountTypeId(pub i64);

/// Longest account type key, in bytes (the column's size).
pub const MAX_ACCOUNT_TYPE_KEY_LENGTH: usize = 64;

text_value! {
    /// The key of an account type: lower-case letters, digits, `-` and `_`.
    AccountTypeKey
}

impl AccountTypeKey {
    /// Trims, then checks the characters and the length ([`MAX_ACCOUNT_TYPE_KEY_LENGTH`]).
    ///
    /// # Errors
    /// `Required` when blank, `AlphaDash` otherwise.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        alpha_dash(raw, MAX_ACCOUNT_TYPE_KEY_LENGTH).map(Self)
    }
}

/// A label the accounts of one space can carry (e.g. `phone`, `door`); `key` is unique within
/// the space, which the storage knows (types of other spaces are invisible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountType {
    pub id: AccountTypeId,
    pub key: AccountTypeKey,
}

/// Database identifier of a DTMF action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountActionId(pub i64);

/// Longest action key or code, in bytes (the columns' size).
pub const MAX_ACTION_LENGTH: usize = 255;

text_value! {
    /// The key of a DTMF action: lower-case letters, digits, `-` and `_`.
    ActionKey
}

impl ActionKey {
    /// Trims, then checks the characters and the length ([`MAX_ACTION_LENGTH`]).
    ///
    /// # Errors
    /// `Required` when blank, `AlphaDash` otherwise.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        alpha_dash(raw, MAX_ACTION_LENGTH).map(Self)
    }
}

text_value! {
    /// The code a DTMF action sends: lower-case letters and digits.
    ActionCode
}

impl ActionCode {
    /// Trims, then checks the characters and the length ([`MAX_ACTION_LENGTH`]).
    ///
    /// # Errors
    /// `Required` when blank, `AlphaDash` otherwise (the original's rule name).
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Rule::Required);
        }
        if raw.len() > MAX_ACTION_LENGTH
            || !raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(Rule::AlphaDash);
        }
        Ok(Self(raw.to_owned()))
    }
}

/// The trimmed `raw` if it is alpha-dash and at most `max` bytes.
fn alpha_dash(raw: &str, max: usize) -> Result<String, Rule> {
    let raw = raw.trim();
    if raw.is_empty() {
        Err(Rule::Required)
    } else if !is_alpha_dash(raw) || raw.len() > max {
        Err(Rule::AlphaDash)
    } else {
        Ok(raw.to_owned())
    }
}

/// A DTMF action of an account (intercom features): `code` to send for `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountAction {
    pub id: AccountActionId,
    pub account_id: AccountId,
    pub key: ActionKey,
    pub code: ActionCode,
}

/// What the account object shows beside the account row, read for many accounts at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountDetails {
    pub dictionary: std::collections::BTreeMap<String, String>,
    /// Ordered by id.
    pub types: Vec<AccountType>,
    /// Ordered by id.
    pub actions: Vec<AccountAction>,
    /// The latest unused provisioning token.
    pub provisioning_token: Option<super::ProvisioningToken>,
    /// Whether a pending e-mail change code exists: only then is it read (few accounts have
    /// one, and every account object would otherwise cost one more read).
    pub has_pending_email_change: bool,
    /// Whether a pending phone change code exists (read only then, as the e-mail one).
    pub has_pending_phone_change: bool,
    /// Whether the account has CardDAV credentials (read only then, as the codes).
    pub has_carddav_credentials: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_trimmed_and_checked() {
        assert_eq!(
            AccountTypeKey::parse(" door_1 ").unwrap().as_str(),
            "door_1"
        );
        assert_eq!(AccountTypeKey::parse("  "), Err(Rule::Required));
        assert_eq!(AccountTypeKey::parse("Door"), Err(Rule::AlphaDash));
        assert_eq!(AccountTypeKey::parse(&"a".repeat(65)), Err(Rule::AlphaDash));
        assert!(ActionKey::parse(&"a".repeat(255)).is_ok());
        assert_eq!(ActionKey::parse(&"a".repeat(256)), Err(Rule::AlphaDash));
        assert_eq!(ActionKey::parse("a b"), Err(Rule::AlphaDash));
    }

    #[test]
    fn codes_are_lower_case_letters_and_digits() {
        assert_eq!(ActionCode::parse(" 12ab ").unwrap().as_str(), "12ab");
        assert_eq!(ActionCode::parse("1-2"), Err(Rule::AlphaDash));
        assert_eq!(ActionCode::parse(""), Err(Rule::Required));
    }
}
