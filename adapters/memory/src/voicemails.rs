//! Each account's voicemails.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{AccountId, Domain, NewVoicemail, Voicemail, VoicemailId};
use flexiapi_domain::ports::{StoreResult, VoicemailRepository};

use crate::MemoryStorage;

/// The SQL order: oldest first, then by id.
fn by_creation(v: &mut [Voicemail]) {
    v.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
}

#[async_trait]
impl VoicemailRepository for MemoryStorage {
    async fn voicemails_of(&self, account_id: AccountId) -> StoreResult<Vec<Voicemail>> {
        let mut found: Vec<Voicemail> = self
            .lock()
            .voicemails
            .values()
            .filter(|v| v.account_id == account_id)
            .cloned()
            .collect();
        by_creation(&mut found);
        Ok(found)
    }

    async fn voicemail(
        &self,
        account_id: AccountId,
        id: &VoicemailId,
    ) -> StoreResult<Option<Voicemail>> {
        Ok(self
            .lock()
            .voicemails
            .get(id.as_str())
            .filter(|v| v.account_id == account_id)
            .cloned())
    }

    async fn voicemail_in_space(
        &self,
        domain: &Domain,
        id: &VoicemailId,
    ) -> StoreResult<Option<Voicemail>> {
        let t = self.lock();
        Ok(t.voicemails
            .get(id.as_str())
            .filter(|v| {
                t.accounts
                    .get(&v.account_id.0)
                    .is_some_and(|a| &a.domain == domain)
            })
            .cloned())
    }

    async fn create_voicemail(
        &self,
        new: &NewVoicemail,
        now: DateTime<Utc>,
    ) -> StoreResult<Voicemail> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&new.account_id.0) {
            return Err(StoreError::NotFound);
        }
        let row = Voicemail {
            id: new.id.clone(),
            account_id: new.account_id,
            sip_from: new.sip_from.clone(),
            content_type: new.content_type,
            name: None,
            size: None,
            uploaded_at: None,
            created_at: now,
            updated_at: now,
        };
        t.voicemails.insert(new.id.as_str().to_owned(), row.clone());
        Ok(row)
    }

    async fn fill_voicemail(
        &self,
        account_id: AccountId,
        id: &VoicemailId,
        name: &str,
        size: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Voicemail>> {
        let mut t = self.lock();
        let Some(row) = t
            .voicemails
            .get_mut(id.as_str())
            .filter(|v| v.account_id == account_id && v.uploaded_at.is_none())
        else {
            return Ok(None);
        };
        row.name = Some(name.to_owned());
        row.size = Some(size);
        row.uploaded_at = Some(now);
        row.updated_at = now;
        Ok(Some(row.clone()))
    }

    async fn delete_voicemail(
        &self,
        account_id: AccountId,
        id: &VoicemailId,
    ) -> StoreResult<Option<Voicemail>> {
        let mut t = self.lock();
        if t.voicemails
            .get(id.as_str())
            .is_some_and(|v| v.account_id == account_id)
        {
            t.voicemail_mailing.remove(id.as_str());
            Ok(t.voicemails.remove(id.as_str()))
        } else {
            Ok(None)
        }
    }

    async fn voicemails_to_mail(
        &self,
        max_tryouts: u32,
        stale_before: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Voicemail>> {
        let t = self.lock();
        let mut found: Vec<Voicemail> = t
            .voicemails
            .values()
            .filter(|v| v.uploaded_at.is_some())
            .filter(|v| {
                let (sending, sent, tries) = t
                    .voicemail_mailing
                    .get(v.id.as_str())
                    .copied()
                    .unwrap_or_default();
                sent.is_none() && tries < max_tryouts && sending.is_none_or(|s| s < stale_before)
            })
            .cloned()
            .collect();
        by_creation(&mut found);
        found.truncate(limit as usize);
        Ok(found)
    }

    async fn claim_voicemail_mailing(
        &self,
        id: &VoicemailId,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if !t.voicemails.contains_key(id.as_str()) {
            return Ok(false);
        }
        let state = t
            .voicemail_mailing
            .entry(id.as_str().to_owned())
            .or_default();
        if state.1.is_some() || state.0.is_some_and(|s| s >= stale_before) {
            return Ok(false);
        }
        state.0 = Some(now);
        Ok(true)
    }

    async fn finish_voicemail_mailing(
        &self,
        id: &VoicemailId,
        sent: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut t = self.lock();
        if !t.voicemails.contains_key(id.as_str()) {
            return Ok(());
        }
        let state = t
            .voicemail_mailing
            .entry(id.as_str().to_owned())
            .or_default();
        state.0 = None;
        if sent {
            state.1 = Some(now);
        } else {
            state.2 += 1;
        }
        Ok(())
    }

    async fn voicemails_created_before(
        &self,
        cutoff: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Voicemail>> {
        let mut found: Vec<Voicemail> = self
            .lock()
            .voicemails
            .values()
            .filter(|v| v.created_at < cutoff)
            .cloned()
            .collect();
        by_creation(&mut found);
        found.truncate(limit as usize);
        Ok(found)
    }
}
