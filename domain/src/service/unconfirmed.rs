//! Accounts nobody ever activated (abandoned sign-ups), deleted after a while by the command
//! line's `accounts clear-unconfirmed`.

use chrono::Duration;

use super::{ServiceResult, Services};

impl Services {
    /// Deletes the accounts never activated (nor deactivated by an admin) created more than
    /// `older_than` ago, in the space of `domain` or, without one, in every space; each leaves a
    /// tombstone as any deleted account. Returns how many were deleted.
    ///
    /// # Errors
    /// `UnknownSpace`; storage failures.
    pub async fn clear_unconfirmed_accounts(
        &self,
        domain: Option<&str>,
        older_than: Duration,
    ) -> ServiceResult<u64> {
        let spaces = match domain {
            Some(domain) => vec![self.space(domain).await?],
            None => self.storage.list_spaces().await?,
        };
        let now = self.now();
        let mut deleted = 0;
        for space in spaces {
            deleted += self
                .storage
                .delete_unconfirmed_accounts(&space.domain, now - older_than, now)
                .await?;
        }
        Ok(deleted)
    }
}
