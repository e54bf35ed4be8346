//! Single-use tokens tied to accounts: provisioning tokens (a device fetches its configuration,
//! HA1 included, with one), account creation tokens (a public registration spends one) and
//! account creation request tokens (exchanged for a creation token once a person validated them).

use chrono::{DateTime, Utc};

use super::{AccountId, Domain, PushTarget};

/// Database identifier of a provisioning token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProvisioningTokenId(pub i64);

#[derive(Debug, Clone, PartialEq)]
pub struct ProvisioningToken {
    pub id: ProvisioningTokenId,
    pub account_id: AccountId,
    pub token: String,
    pub used: bool,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a new provisioning token is made of; it starts unused.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProvisioningToken {
    pub account_id: AccountId,
    pub token: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Database identifier of an account creation token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountCreationTokenId(pub i64);

#[derive(Debug, Clone, PartialEq)]
pub struct AccountCreationToken {
    pub id: AccountCreationTokenId,
    pub token: String,
    /// The space it was minted in: it registers or is consumed there only.
    pub domain: Domain,
    pub used: bool,
    /// Set when a logged-in account consumes the token, or when a registration spends it.
    pub account_id: Option<AccountId>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    /// `None`: never expires.
    pub expire_at: Option<DateTime<Utc>>,
    /// The device it was pushed to (`send-by-push`); `None` for minted or exchanged tokens.
    /// Stored as sent, unchecked.
    pub pn_provider: Option<String>,
    pub pn_param: Option<String>,
    pub pn_prid: Option<String>,
}

impl AccountCreationToken {
    /// Whether the token can no longer be spent because of its age (not because it was used).
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expire_at.is_some_and(|at| at <= now)
    }
}

/// What a new account creation token is made of; it starts unused and unattached.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAccountCreationToken {
    pub token: String,
    /// The space it is minted in.
    pub domain: Domain,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub expire_at: Option<DateTime<Utc>>,
    /// The device it is pushed to, for `send-by-push`'s throttle and `consume`'s answer.
    pub push: Option<PushTarget>,
}

/// Length of account creation request tokens (the original's 13 alphanumerics).
pub const CREATION_REQUEST_TOKEN_LENGTH: usize = 13;

/// Database identifier of an account creation request token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountCreationRequestTokenId(pub i64);

/// An app's request for a creation token: a person validates it on the space's page
/// `/creation_token/check/{token}` (with the captcha, when configured), then the app exchanges
/// it, once, for a creation token.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountCreationRequestToken {
    pub id: AccountCreationRequestTokenId,
    pub token: String,
    /// The space it was asked in: it is validated and exchanged there only.
    pub domain: Domain,
    /// Exchanged for a creation token.
    pub used: bool,
    /// When a person validated it on the page; `None`: not yet.
    pub validated_at: Option<DateTime<Utc>>,
    /// The creation token it was exchanged for.
    pub acc_creation_token_id: Option<AccountCreationTokenId>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a new creation request token is made of; it starts unused and unvalidated.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAccountCreationRequestToken {
    pub token: String,
    pub domain: Domain,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
