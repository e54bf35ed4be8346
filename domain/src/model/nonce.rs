//! Digest nonce/opaque pairs. They live in the database so several server processes share them.

use chrono::{DateTime, Utc};

/// One issued challenge. It is bound to the SIP identity named in `From` (even an unknown one, so
/// that unknown accounts cannot be told apart) and to the client's IP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestNonce {
    pub opaque: String,
    pub nonce: String,
    pub username: String,
    pub domain: String,
    pub ip: String,
    /// Highest `nc` accepted so far (0 before the first use).
    pub nc: i64,
    /// How many requests this pair authenticated.
    pub uses: i64,
    pub created_at: DateTime<Utc>,
}
