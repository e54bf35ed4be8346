//! What hangs off an account besides its passwords: types (labels of its space) and DTMF actions.

use super::AccountId;

/// Database identifier of an account type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountTypeId(pub i64);

/// A label the accounts of one space can carry (e.g. `phone`, `door`); `key` is unique within
/// the space, which the storage knows (types of other spaces are invisible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountType {
    pub id: AccountTypeId,
    pub key: String,
}

/// Database identifier of a DTMF action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountActionId(pub i64);

/// A DTMF action of an account (intercom features): `code` to send for `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountAction {
    pub id: AccountActionId,
    pub account_id: AccountId,
    pub key: String,
    pub code: String,
}

/// What the account object shows beside the account row, read for many accounts at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountDetails {
    pub dictionary: std::collections::BTreeMap<String, String>,
    /// Ordered by id.
    pub types: Vec<AccountType>,
    /// Ordered by id.
    pub actions: Vec<AccountAction>,
    /// The latest unused provisioning token.
    pub provisioning_token: Option<super::ProvisioningToken>,
}
