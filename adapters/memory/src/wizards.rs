//! Wizards.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{Domain, NewWizard, Wizard};
use flexiapi_domain::ports::{StoreResult, WizardRepository};

use crate::MemoryStorage;

#[async_trait]
impl WizardRepository for MemoryStorage {
    async fn create_wizard(&self, new: NewWizard, now: DateTime<Utc>) -> StoreResult<Wizard> {
        let mut t = self.lock();
        if t.wizards.contains_key(&new.token) {
            return Err(StoreError::Conflict(Conflict::Wizard));
        }
        let known = |id: i64| t.accounts.get(&id).is_some_and(|a| a.domain == new.domain);
        if !t.spaces.values().any(|s| s.domain == new.domain)
            // The maker may be a super admin of another space.
            || !t.accounts.contains_key(&new.account_id.0)
            || new.provisioning_account_id.is_some_and(|id| !known(id.0))
        {
            return Err(StoreError::NotFound);
        }
        let wizard = Wizard {
            token: new.token,
            domain: new.domain,
            account_id: new.account_id,
            provisioning_account_id: new.provisioning_account_id,
            sip: new.sip,
            linphone_action: new.linphone_action,
            linphone_use_sips: new.linphone_use_sips,
            used_at: None,
            created_at: now,
            updated_at: now,
        };
        t.wizards.insert(wizard.token.clone(), wizard.clone());
        Ok(wizard)
    }

    async fn use_wizard(
        &self,
        token: &str,
        domain: &Domain,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Wizard>> {
        let mut t = self.lock();
        Ok(t.wizards
            .get_mut(token)
            .filter(|w| &w.domain == domain && w.used_at.is_none())
            .map(|w| {
                w.used_at = Some(now);
                w.updated_at = now;
                w.clone()
            }))
    }
}
