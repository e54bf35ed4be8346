//! API keys. Only the SHA-256 of a key is stored; the key itself is shown once, at creation.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::AccountId;

/// Database identifier of an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiKeyId(pub i64);

/// A user key is bound to the IP that asked for it and dies when unused for the configured time;
/// an admin key is stable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiKeyKind {
    User { ip: String },
    Admin,
}

/// A stored API key (its hash, never the key).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub account_id: AccountId,
    /// Lower-case hex SHA-256 of the key.
    pub key_hash: String,
    pub name: Option<String>,
    pub kind: ApiKeyKind,
    pub last_used_at: DateTime<Utc>,
    pub requests: i64,
    pub created_at: DateTime<Utc>,
}

/// What a new key is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApiKey {
    pub account_id: AccountId,
    pub key_hash: String,
    pub name: Option<String>,
    pub kind: ApiKeyKind,
    pub created_at: DateTime<Utc>,
}

/// Hex SHA-256 of a presented key: the only form in which keys are stored or looked up.
pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Usage to add to a key: coalesced in memory, written in batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiKeyUsage {
    pub id: ApiKeyId,
    pub last_used_at: DateTime<Utc>,
    pub requests: i64,
}
