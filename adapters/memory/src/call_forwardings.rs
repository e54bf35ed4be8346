//! Each account's call forwardings.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    AccountId, CallForwarding, CallForwardingId, NewCallForwarding, SipIdentity,
};
use flexiapi_domain::ports::{CallForwardingRepository, StoreResult};

use crate::{MemoryStorage, Tables};

impl Tables {
    /// The account's rows, in id order, without scanning other accounts'.
    fn forwardings_of(&self, account_id: AccountId) -> impl Iterator<Item = &CallForwarding> {
        self.call_forwardings
            .range((account_id.0, i64::MIN)..=(account_id.0, i64::MAX))
            .map(|(_, f)| f)
    }

    /// The row with its contact's identity, as the SQL join reads it.
    fn forwarding_view(&self, row: &CallForwarding) -> CallForwarding {
        let contact = row
            .contact_id
            .and_then(|id| self.accounts.get(&id.0))
            .map(|a| SipIdentity::new(a.username.clone(), a.domain.clone()));
        CallForwarding {
            contact,
            ..row.clone()
        }
    }

    /// The checks of a write of `new` (over forwarding `itself`, if any), as the port states.
    fn check_forwarding(
        &self,
        new: &NewCallForwarding,
        itself: Option<CallForwardingId>,
    ) -> StoreResult<()> {
        if !self.accounts.contains_key(&new.account_id.0)
            || new
                .contact_id
                .is_some_and(|c| !self.accounts.contains_key(&c.0))
        {
            return Err(StoreError::NotFound);
        }
        let others = || {
            self.forwardings_of(new.account_id)
                .filter(move |f| Some(f.id) != itself)
        };
        if others().any(|f| f.kind == new.kind) {
            return Err(StoreError::Conflict(Conflict::CallForwardingType));
        }
        if new.enabled && others().any(|f| f.enabled && f.kind.excludes(new.kind)) {
            return Err(StoreError::Conflict(Conflict::CallForwardingEnabled));
        }
        Ok(())
    }
}

fn row(
    id: CallForwardingId,
    new: &NewCallForwarding,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
) -> CallForwarding {
    CallForwarding {
        id,
        account_id: new.account_id,
        kind: new.kind,
        forward_to: new.forward_to,
        sip_uri: new.sip_uri.clone(),
        contact_id: new.contact_id,
        contact: None,
        enabled: new.enabled,
        created_at,
        updated_at,
    }
}

#[async_trait]
impl CallForwardingRepository for MemoryStorage {
    async fn call_forwardings_of(&self, account_id: AccountId) -> StoreResult<Vec<CallForwarding>> {
        let t = self.lock();
        Ok(t.forwardings_of(account_id)
            .map(|f| t.forwarding_view(f))
            .collect())
    }

    async fn call_forwarding(
        &self,
        account_id: AccountId,
        id: CallForwardingId,
    ) -> StoreResult<Option<CallForwarding>> {
        let t = self.lock();
        Ok(t.call_forwardings
            .get(&(account_id.0, id.0))
            .map(|f| t.forwarding_view(f)))
    }

    async fn create_call_forwarding(
        &self,
        new: &NewCallForwarding,
        now: DateTime<Utc>,
    ) -> StoreResult<CallForwarding> {
        let mut t = self.lock();
        t.check_forwarding(new, None)?;
        let id = CallForwardingId(t.next_id());
        let stored = row(id, new, now, now);
        t.call_forwardings
            .insert((new.account_id.0, id.0), stored.clone());
        Ok(t.forwarding_view(&stored))
    }

    async fn update_call_forwarding(
        &self,
        id: CallForwardingId,
        new: &NewCallForwarding,
        now: DateTime<Utc>,
    ) -> StoreResult<CallForwarding> {
        let mut t = self.lock();
        let created_at = t
            .call_forwardings
            .get(&(new.account_id.0, id.0))
            .ok_or(StoreError::NotFound)?
            .created_at;
        t.check_forwarding(new, Some(id))?;
        let stored = row(id, new, created_at, now);
        t.call_forwardings
            .insert((new.account_id.0, id.0), stored.clone());
        Ok(t.forwarding_view(&stored))
    }

    async fn delete_call_forwarding(
        &self,
        account_id: AccountId,
        id: CallForwardingId,
    ) -> StoreResult<bool> {
        Ok(self
            .lock()
            .call_forwardings
            .remove(&(account_id.0, id.0))
            .is_some())
    }
}
