//! Sign-ups made on the registration pages, waiting for the code sent to their address: the
//! account is only created once the code comes back, so a sign-up whose message could not be
//! sent, or that is never confirmed, leaves no account behind.

use chrono::{DateTime, Utc};

use super::{Domain, Password, Recipient, Username};

/// Database identifier of a pending sign-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegistrationCodeId(pub i64);

/// A pending sign-up and its code.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrationCode {
    pub id: RegistrationCodeId,
    /// The space it was made in: it is confirmed there only.
    pub domain: Domain,
    pub username: Username,
    /// The hash of the password chosen, for the space's realm.
    pub password: Password,
    /// The address the code went to, which the account gets.
    pub recipient: Recipient,
    /// `None` once spent.
    pub code: Option<String>,
    pub attempts: u32,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a new pending sign-up is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRegistrationCode {
    pub domain: Domain,
    pub username: Username,
    pub password: Password,
    pub recipient: Recipient,
    pub code: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
