//! Each account's voicemails, and where their files are kept.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::model::{AccountId, Domain, NewVoicemail, Voicemail, VoicemailId};

#[async_trait]
pub trait VoicemailRepository: Send + Sync + 'static {
    /// The account's voicemails, oldest first (then by id); empty for an unknown account.
    async fn voicemails_of(&self, account_id: AccountId) -> StoreResult<Vec<Voicemail>>;

    /// One voicemail of the account; `None` when unknown or another account's.
    async fn voicemail(
        &self,
        account_id: AccountId,
        id: &VoicemailId,
    ) -> StoreResult<Option<Voicemail>>;

    /// One voicemail of an account of the space of `domain`; `None` when unknown or of another
    /// space.
    async fn voicemail_in_space(
        &self,
        domain: &Domain,
        id: &VoicemailId,
    ) -> StoreResult<Option<Voicemail>>;

    /// Adds an empty voicemail slot.
    ///
    /// # Errors
    /// MUST return `NotFound` when the account does not exist.
    async fn create_voicemail(
        &self,
        new: &NewVoicemail,
        now: DateTime<Utc>,
    ) -> StoreResult<Voicemail>;

    /// Records the uploaded file of voicemail `id` of the account, unless it already has one:
    /// of concurrent calls, exactly one gets `Some`. `None` also when the voicemail is gone.
    async fn fill_voicemail(
        &self,
        account_id: AccountId,
        id: &VoicemailId,
        name: &str,
        size: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Voicemail>>;

    /// Deletes the voicemail, returning it as it was (`None` when it was not the account's).
    async fn delete_voicemail(
        &self,
        account_id: AccountId,
        id: &VoicemailId,
    ) -> StoreResult<Option<Voicemail>>;

    /// Uploaded voicemails (of every space) not mailed yet, that failed fewer than
    /// `max_tryouts` times and that no one is mailing since `stale_before` or later; oldest
    /// first, at most `limit`.
    async fn voicemails_to_mail(
        &self,
        max_tryouts: u32,
        stale_before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Voicemail>>;

    /// Marks voicemail `id` as being mailed from `now`, unless it was mailed or someone else
    /// marked it since `stale_before`: of concurrent calls, at most one gets `true`.
    async fn claim_voicemail_mailing(
        &self,
        id: &VoicemailId,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Ends the mailing of voicemail `id`: sent at `now`, or one failed try more.
    async fn finish_voicemail_mailing(
        &self,
        id: &VoicemailId,
        sent: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Voicemails of every space created before `cutoff`, oldest first, at most `limit`.
    async fn voicemails_created_before(
        &self,
        cutoff: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Voicemail>>;
}

/// Where voicemail files live (the `[files] directory`). The HTTP adapter writes them; the use
/// cases only remove them, with their rows.
#[async_trait]
pub trait FileStore: Send + Sync + 'static {
    /// Removes file `name`; a missing file is not an error, and a failure is logged, never
    /// raised (the row is gone already; `files clear` sweeps what is left).
    async fn remove(&self, name: &str);

    /// The content of file `name`; `None` when it is missing or unreadable (logged).
    async fn read(&self, _name: &str) -> Option<Vec<u8>> {
        None
    }
}

/// No files directory: nothing to remove.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFileStore;

#[async_trait]
impl FileStore for NoFileStore {
    async fn remove(&self, _name: &str) {}
}
