//! Account recovery tokens: a Linphone app receives one by push notification and opens
//! `/recovery/phone/{token}` with it, which lets it ask for a recovery code by SMS without a
//! captcha. A token belongs to the space it was issued in and is spent by that one request.

use chrono::{DateTime, Utc};

use super::{AccountId, Domain};

/// Length of account recovery tokens (the original's 13 alphanumerics).
pub const ACCOUNT_RECOVERY_TOKEN_LENGTH: usize = 13;

/// Database identifier of an account recovery token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountRecoveryTokenId(pub i64);

#[derive(Debug, Clone, PartialEq)]
pub struct AccountRecoveryToken {
    pub id: AccountRecoveryTokenId,
    pub token: String,
    pub domain: Domain,
    pub used: bool,
    /// The account whose recovery spent it, when the number was known.
    pub account_id: Option<AccountId>,
    pub pn_provider: Option<String>,
    pub pn_param: Option<String>,
    pub pn_prid: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a new account recovery token is made of; it starts unused and unattached.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAccountRecoveryToken {
    pub token: String,
    pub domain: Domain,
    pub pn_provider: Option<String>,
    pub pn_param: Option<String>,
    pub pn_prid: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
