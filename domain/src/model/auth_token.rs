//! Auth tokens: how a logged-in device lets a second device log in (QR-code flow).

use chrono::{DateTime, Utc};

use super::{AccountId, Domain};

#[derive(Debug, Clone, PartialEq)]
pub struct AuthToken {
    pub token: String,
    /// The space of the host it was created on: only that space's host redeems it, and only an
    /// account of that space attaches it.
    pub domain: Domain,
    /// Set once a logged-in user attaches the token.
    pub account_id: Option<AccountId>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}
