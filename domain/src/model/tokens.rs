//! Single-use tokens tied to accounts: provisioning tokens (a device fetches its configuration,
//! HA1 included, with one) and account creation tokens (a public registration spends one).

use chrono::{DateTime, Utc};

use super::{AccountId, Domain};

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
}
