//! Errors shared by the ports. Variants state facts; the HTTP adapter maps each to a status and a
//! localized message, in one place.

use thiserror::Error;

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// username + domain of an account.
    AccountIdentity,
    SpaceDomain,
    SpaceHost,
    SpaceName,
    ApiKey,
    AuthToken,
    Nonce,
    ProvisioningToken,
    AccountCreationToken,
    AccountCreationRequestToken,
    /// `key` of an account type (unique within its space).
    AccountTypeKey,
    /// `title` of a contacts list (unique across spaces).
    ContactsListTitle,
    /// `type` of a call forwarding (one of each per account).
    CallForwardingType,
    /// An enabled call forwarding whose type excludes another enabled one of the account.
    CallForwardingEnabled,
    /// `username` + `domain` of an external account (unique across spaces: the B2BUA keys its
    /// accounts by that address).
    ExternalAccountIdentity,
    /// `token` of a wizard.
    Wizard,
    /// `UID` of a stored vCard (one of each per account).
    VcardUid,
}

/// What a repository or store can answer instead of a result.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness rule of the database refused the write.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// The row to change does not exist.
    #[error("not found")]
    NotFound,
    /// The space already holds `max_accounts` accounts.
    #[error("the space is full")]
    SpaceFull,
    /// The single-use token the write spends is unknown, already used or expired.
    #[error("the token is no longer usable")]
    TokenSpent,
    /// The write would delete or demote the last super space.
    #[error("the last super space cannot be deleted or demoted")]
    LastSuperSpace,
    /// The database cannot be reached right now (answered as 503).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Anything else the backend reported. The text is for logs only.
    #[error("storage failure: {0}")]
    Backend(String),
}

/// What the device registry (the SIP registrar's store) can answer instead of a result.
#[derive(Debug, Error)]
pub enum RegistrarError {
    /// The registrar's store cannot be reached, or did not answer in time (answered as 503).
    #[error("registrar unavailable: {0}")]
    Unavailable(String),
}

/// What a message transport (e-mail, SMS) can answer instead of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransportError {
    /// No transport, or no sender address, is configured: nothing was attempted.
    #[error("no transport configured")]
    NotConfigured,
    /// The server answered and refused the message (a rejected recipient, bad credentials, an
    /// invalid signature, an address it cannot parse); retrying the same message will not help.
    /// The text is the server's answer, for logs and operators.
    #[error("refused: {0}")]
    Refused(String),
    /// The server cannot be reached, did not answer in time, failed the TLS handshake or asked
    /// to retry later.
    #[error("unavailable: {0}")]
    Unavailable(String),
}
