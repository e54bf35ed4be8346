//! The audit trail: who changed what through the admin API, when, and from where.

use chrono::{DateTime, Utc};

use super::AccountId;

/// One state-changing admin or super-admin request that succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: i64,
    /// `None` once the acting account is deleted.
    pub actor_id: Option<AccountId>,
    /// `sip:user@domain` of the actor, kept when the account is gone.
    pub actor: String,
    pub method: String,
    /// The request path, tokens masked.
    pub path: String,
    /// What it changed, e.g. `account 42`, `space sip.example.org`, `account 42, api_key 7`;
    /// empty when nothing is named (rows older than the field).
    pub subject: String,
    pub status: u16,
    pub ip: String,
    pub created_at: DateTime<Utc>,
}

/// What is recorded; the store assigns the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub actor_id: AccountId,
    pub actor: String,
    pub method: String,
    pub path: String,
    pub subject: String,
    pub status: u16,
    pub ip: String,
    pub created_at: DateTime<Utc>,
}
