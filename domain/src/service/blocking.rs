//! The original's BlockingService: an account that asks for too many codes in a short time is
//! blocked (someone is spraying messages through it), and stays so until an admin unblocks it.

use chrono::{DateTime, Duration, Utc};

use super::{ServiceError, ServiceResult, Services};
use crate::model::{Account, AccountId, Email, PhoneNumber};
use crate::ports::ChangeCodeRepository;

/// `blocking_time_period_check` and `blocking_amount_events_authorized_during_period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockingSettings {
    /// The window codes are counted in.
    pub period: Duration,
    /// Codes allowed within the window: asking with this many already sent blocks the account.
    /// 0: never block.
    pub max_events: u64,
}

impl Default for BlockingSettings {
    /// The original's: 5 codes in 30 minutes.
    fn default() -> Self {
        Self {
            period: Duration::minutes(30),
            max_events: 5,
        }
    }
}

impl Services {
    /// Codes created for the account after `since`, from every source that counts toward
    /// blocking (one line each).
    pub(crate) async fn codes_created_since(
        &self,
        account: AccountId,
        since: DateTime<Utc>,
    ) -> ServiceResult<u64> {
        let s = &*self.storage;
        let counts = [
            ChangeCodeRepository::<Email>::count_change_codes_since(s, account, since).await?,
            ChangeCodeRepository::<PhoneNumber>::count_change_codes_since(s, account, since)
                .await?,
        ];
        Ok(counts.into_iter().sum())
    }

    /// Refuses a blocked account, and blocks (then refuses) one that already has
    /// `max_events` codes within the window. Runs before anything else of a request for a code,
    /// as in the original.
    ///
    /// # Errors
    /// `AccountBlocked`; storage failures.
    pub(crate) async fn check_blocking(&self, account: &Account) -> ServiceResult<()> {
        if account.blocked {
            return Err(ServiceError::AccountBlocked);
        }
        let BlockingSettings { period, max_events } = self.settings.blocking;
        if max_events == 0 {
            return Ok(());
        }
        if self
            .codes_created_since(account.id, self.now() - period)
            .await?
            >= max_events
        {
            self.set_blocked(account, true).await?;
            return Err(ServiceError::AccountBlocked);
        }
        Ok(())
    }
}
