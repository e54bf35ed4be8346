//! CardDAV: the address-book servers of a space (each a `contacts_directory_N` section of the
//! provisioning XML, where Linphone looks contacts up remotely) and an account's own credentials
//! on them (an `auth_info_N` section, the password kept as its digest HA1 only).

use chrono::{DateTime, Utc};

use super::{AccountId, PasswordAlgorithm, SpaceId};

/// Database identifier of a space's CardDAV server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CardDavServerId(pub i64);

/// Longest `uri` (the column's size).
pub const MAX_CARDDAV_URI_LENGTH: usize = 255;
/// Longest credentials `username` (the column's size).
pub const MAX_CARDDAV_USERNAME_LENGTH: usize = 64;
/// Longest credentials `realm` (the column's size).
pub const MAX_CARDDAV_REALM_LENGTH: usize = 255;

/// What a CardDAV server of a space is made of; the defaults are the original's column
/// defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCardDavServer {
    pub space_id: SpaceId,
    pub enabled: bool,
    pub uri: String,
    /// Characters typed before Linphone asks the server.
    pub min_characters: i64,
    /// Most results asked for; 0 is no limit.
    pub results_limit: i64,
    /// Seconds before Linphone gives up a query.
    pub timeout: i64,
    /// Milliseconds Linphone waits after a key press before querying.
    pub delay: i64,
    /// Comma-separated vCard fields matched against what the user types.
    pub fields_for_user_input: Option<String>,
    /// Comma-separated vCard fields matched against the domain.
    pub fields_for_domain: Option<String>,
    pub use_exact_match_policy: bool,
}

impl NewCardDavServer {
    pub const DEFAULT_MIN_CHARACTERS: i64 = 3;
    pub const DEFAULT_RESULTS_LIMIT: i64 = 0;
    pub const DEFAULT_TIMEOUT: i64 = 5;
    pub const DEFAULT_DELAY: i64 = 500;
}

/// A CardDAV server of a space, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardDavServer {
    pub id: CardDavServerId,
    pub server: NewCardDavServer,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An account's credentials on one CardDAV server of its space. `password` is the HA1,
/// `H(username:realm:password)` with `algorithm`.
#[derive(Clone, PartialEq, Eq)]
pub struct CardDavCredentials {
    pub account_id: AccountId,
    pub server_id: CardDavServerId,
    pub username: String,
    pub realm: String,
    pub algorithm: PasswordAlgorithm,
    pub password: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for CardDavCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardDavCredentials")
            .field("account_id", &self.account_id)
            .field("server_id", &self.server_id)
            .field("username", &self.username)
            .field("realm", &self.realm)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}
