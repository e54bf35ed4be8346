//! Voicemails: an account's own (User) or those of an account of the request's space (Admin).
//!
//! Rules, as the original's: a voicemail is only created for an account with an e-mail address
//! (it is meant to be mailed there); `sip_from` is an optional SIP URI and `content_type` is
//! `audio/opus` or `audio/wav`. The slot is then filled once by an admin's upload, whose bytes
//! must be of the declared type (checked by the HTTP adapter, which writes the file). Deleting a
//! voicemail, or its account, removes its file.

use chrono::{DateTime, Utc};

use super::{Channel, Entity, ServiceError, ServiceResult, Services};
use crate::error::StoreError;
use crate::model::{
    Account, AccountId, NewVoicemail, SipUri, Space, Voicemail, VoicemailId, VoicemailType,
};
use crate::ports::{Notice, NoticeAttachment};
use crate::validation::{Rule, ValidationErrors};

/// Rows [`Services::clear_voicemails_created_before`] and [`Services::mail_voicemails`] handle
/// per storage call.
const CLEAR_BATCH: u32 = 500;

/// Failed sends after which a voicemail is no longer mailed.
pub const VOICEMAIL_MAIL_TRYOUTS: u32 = 5;

/// A mailing started this long ago and never finished (the process died) may be taken again.
const VOICEMAIL_MAILING_STALE_MINUTES: i64 = 10;

/// `POST …/voicemails` input, unvalidated.
#[derive(Debug, Clone, Default)]
pub struct VoicemailInput {
    pub sip_from: Option<String>,
    pub content_type: Option<String>,
    /// Fields a loosely typed request held with the wrong type, each with the rule it broke.
    pub unreadable: ValidationErrors,
}

impl VoicemailInput {
    fn parse(self) -> Result<(Option<SipUri>, VoicemailType), ValidationErrors> {
        let mut errors = self.unreadable;
        let text = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let sip_from = match text(self.sip_from) {
            None => None,
            Some(raw) => SipUri::parse(&raw)
                .map_err(|rule| errors.add("sip_from", rule))
                .ok(),
        };
        let content_type = match text(self.content_type) {
            None if errors.has("content_type") => None,
            None => {
                errors.add("content_type", Rule::Required);
                None
            }
            Some(raw) => VoicemailType::parse(&raw)
                .map_err(|rule| errors.add("content_type", rule))
                .ok(),
        };
        match content_type {
            Some(content_type) if errors.is_empty() => Ok((sip_from, content_type)),
            _ => Err(errors),
        }
    }
}

/// A path's id: anything but a UUID names no voicemail.
fn voicemail_id(raw: &str) -> ServiceResult<VoicemailId> {
    VoicemailId::parse(raw).ok_or(ServiceError::NotFound(Entity::Voicemail))
}

impl Services {
    /// The voicemails of `account`, oldest first.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn voicemails_of(&self, account: &Account) -> ServiceResult<Vec<Voicemail>> {
        Ok(self.storage.voicemails_of(account.id).await?)
    }

    /// One voicemail of `account`.
    ///
    /// # Errors
    /// `NotFound(Voicemail)`.
    pub async fn voicemail(&self, account: &Account, id: &str) -> ServiceResult<Voicemail> {
        self.storage
            .voicemail(account.id, &voicemail_id(id)?)
            .await?
            .ok_or(ServiceError::NotFound(Entity::Voicemail))
    }

    /// One voicemail of an account of `space` (uploads and downloads name it by id only).
    ///
    /// # Errors
    /// `NotFound(Voicemail)`, also for one of another space.
    pub async fn voicemail_in_space(&self, space: &Space, id: &str) -> ServiceResult<Voicemail> {
        self.storage
            .voicemail_in_space(&space.domain, &voicemail_id(id)?)
            .await?
            .ok_or(ServiceError::NotFound(Entity::Voicemail))
    }

    /// Adds an empty voicemail slot to `account`.
    ///
    /// # Errors
    /// `VoicemailNeedsEmail`, then `Validation` with every broken rule.
    pub async fn create_voicemail(
        &self,
        account: &Account,
        input: VoicemailInput,
    ) -> ServiceResult<Voicemail> {
        if account.email.is_none() {
            return Err(ServiceError::VoicemailNeedsEmail);
        }
        let (sip_from, content_type) = input.parse()?;
        let id =
            VoicemailId::from_random_hex(&self.tokens.hex(16)).ok_or(ServiceError::Storage(
                StoreError::Backend("the token source gave no 16-byte hex".into()),
            ))?;
        let new = NewVoicemail {
            id,
            account_id: account.id,
            sip_from,
            content_type,
        };
        self.storage
            .create_voicemail(&new, self.now())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => ServiceError::NotFound(Entity::Account),
                other => other.into(),
            })
    }

    /// [`Self::create_voicemail`] on an account of `space`.
    ///
    /// # Errors
    /// `NotFound(Account)`, `VoicemailNeedsEmail`, `Validation`.
    pub async fn create_account_voicemail(
        &self,
        space: &Space,
        account_id: AccountId,
        input: VoicemailInput,
    ) -> ServiceResult<Voicemail> {
        let account = self.account_in_space(account_id, space).await?;
        self.create_voicemail(&account, input).await
    }

    /// Records that `voicemail`'s file, `size` bytes, is stored as `name`.
    ///
    /// # Errors
    /// `NotFound(Voicemail)` when it was filled (or deleted) meanwhile: the caller then drops
    /// the file it wrote.
    pub async fn fill_voicemail(
        &self,
        voicemail: &Voicemail,
        name: &str,
        size: u64,
    ) -> ServiceResult<Voicemail> {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        self.storage
            .fill_voicemail(voicemail.account_id, &voicemail.id, name, size, self.now())
            .await?
            .ok_or(ServiceError::NotFound(Entity::Voicemail))
    }

    /// Deletes a voicemail of `account`, and its file.
    ///
    /// # Errors
    /// `NotFound(Voicemail)`.
    pub async fn delete_voicemail(&self, account: &Account, id: &str) -> ServiceResult<()> {
        let gone = self
            .storage
            .delete_voicemail(account.id, &voicemail_id(id)?)
            .await?
            .ok_or(ServiceError::NotFound(Entity::Voicemail))?;
        self.remove_voicemail_files(std::slice::from_ref(&gone))
            .await;
        Ok(())
    }

    /// [`Self::delete_voicemail`] on an account of `space`.
    ///
    /// # Errors
    /// `NotFound(Account)`, `NotFound(Voicemail)`.
    pub async fn delete_account_voicemail(
        &self,
        space: &Space,
        account_id: AccountId,
        id: &str,
    ) -> ServiceResult<()> {
        let account = self.account_in_space(account_id, space).await?;
        self.delete_voicemail(&account, id).await
    }

    /// Deletes every voicemail (of every space) created before `cutoff`, with its file; returns
    /// how many went.
    ///
    /// # Errors
    /// Storage failures (what was deleted before stays deleted).
    pub async fn clear_voicemails_created_before(
        &self,
        cutoff: DateTime<Utc>,
    ) -> ServiceResult<u64> {
        let mut count = 0;
        loop {
            let batch = self
                .storage
                .voicemails_created_before(cutoff, CLEAR_BATCH)
                .await?;
            if batch.is_empty() {
                return Ok(count);
            }
            for voicemail in batch {
                if let Some(gone) = self
                    .storage
                    .delete_voicemail(voicemail.account_id, &voicemail.id)
                    .await?
                {
                    self.remove_voicemail_files(std::slice::from_ref(&gone))
                        .await;
                    count += 1;
                }
            }
        }
    }

    /// E-mails each uploaded voicemail not mailed yet to its account, its recording attached
    /// (the original's `accounts:send-voicemails-emails`, run by the server): in `language`,
    /// from the account's space. A failed send is tried again on a later run, up to
    /// [`VOICEMAIL_MAIL_TRYOUTS`] times; a space without an e-mail transport, or an account
    /// without an address, is skipped without spending a try. Returns how many were sent.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn mail_voicemails(&self, language: &str) -> ServiceResult<u64> {
        let now = self.now();
        let stale_before = now - chrono::Duration::minutes(VOICEMAIL_MAILING_STALE_MINUTES);
        let pending = self
            .storage
            .voicemails_to_mail(VOICEMAIL_MAIL_TRYOUTS, stale_before, CLEAR_BATCH)
            .await?;
        let mut sent = 0;
        for voicemail in pending {
            let Some(account) = self.storage.account_by_id(voicemail.account_id).await? else {
                continue;
            };
            let Some(to) = account.email.clone() else {
                continue;
            };
            let Some(space) = self.storage.space_by_domain(&account.domain).await? else {
                continue;
            };
            let letterhead = self.letterhead(&space).await?;
            if self.ensure_channel(Channel::Email, &letterhead).is_err() {
                continue;
            }
            if !self
                .storage
                .claim_voicemail_mailing(&voicemail.id, now, stale_before)
                .await?
            {
                continue;
            }
            let data = match voicemail.name.as_deref() {
                Some(name) => self.files.read(name).await,
                None => None,
            };
            let outcome = match data {
                None => false,
                Some(data) => {
                    let notice = Notice::Voicemail {
                        sip_from: voicemail.sip_from.as_ref().map(ToString::to_string),
                        received_at: voicemail.uploaded_at.unwrap_or(voicemail.created_at),
                        attachment: NoticeAttachment {
                            file_name: voicemail.file_name(),
                            content_type: voicemail.content_type.to_string(),
                            data,
                        },
                    };
                    self.notifier
                        .email(
                            &letterhead,
                            &to,
                            account.display_name.as_deref(),
                            language,
                            &notice,
                        )
                        .await
                        .is_ok()
                }
            };
            self.storage
                .finish_voicemail_mailing(&voicemail.id, outcome, self.now())
                .await?;
            sent += u64::from(outcome);
        }
        Ok(sent)
    }

    /// Removes the files of voicemails whose rows are gone.
    pub(crate) async fn remove_voicemail_files(&self, voicemails: &[Voicemail]) {
        for name in voicemails.iter().filter_map(|v| v.name.as_deref()) {
            self.files.remove(name).await;
        }
    }
}
