//! Single-use links an admin sends to an account's e-mail address to let its owner set a new
//! password (`/reset_password/{token}`).

use chrono::{DateTime, Utc};

use super::{AccountId, Email};

/// Length of reset-password tokens (the original's 16 alphanumerics).
pub const RESET_PASSWORD_TOKEN_LENGTH: usize = 16;

/// Database identifier of a reset-password token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResetPasswordTokenId(pub i64);

#[derive(Debug, Clone, PartialEq)]
pub struct ResetPasswordToken {
    pub id: ResetPasswordTokenId,
    pub token: String,
    pub account_id: AccountId,
    /// The address the link was sent to.
    pub email: Email,
    pub used: bool,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a new reset-password token is made of; it starts unused.
#[derive(Debug, Clone, PartialEq)]
pub struct NewResetPasswordToken {
    pub token: String,
    pub account_id: AccountId,
    pub email: Email,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}
