//! Telling Flexisip's B2BUA that an external account changed.

use async_trait::async_trait;

/// What the B2BUA is told: the address of the external account that changed and the key its
/// loader fetches the row with (`external_accounts.id`). The B2BUA reloads that row, and drops
/// the account when the row is gone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct B2buaAccountChange {
    pub username: String,
    pub domain: String,
    pub identifier: String,
}

/// Publishes external-account changes to the B2BUA. Called after the change is stored, so it
/// never fails the caller.
#[async_trait]
pub trait B2buaNotifier: Send + Sync + 'static {
    /// Tells the B2BUA about `change`. An adapter MUST NOT lose a failure silently: it retries a
    /// bounded number of times, then logs it and counts it in [`B2buaNotifier::failures`].
    async fn external_account_changed(&self, change: B2buaAccountChange);

    /// Changes that could not be delivered since the start, for metrics.
    fn failures(&self) -> u64 {
        0
    }
}

/// The notifier of a deployment without Redis: no B2BUA listens.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoB2buaNotifier;

#[async_trait]
impl B2buaNotifier for NoB2buaNotifier {
    async fn external_account_changed(&self, _change: B2buaAccountChange) {}
}
