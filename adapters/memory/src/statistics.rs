//! Call and message statistics, keyed by (space, id). Each row remembers the account its `from`
//! was when recorded, so that it goes with that account (the SQL foreign key).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    Domain, Page, StatisticsAddress, StatisticsCall, StatisticsCallDevice, StatisticsMessage,
    StatisticsMessageDevice,
};
use flexiapi_domain::ports::{StatisticsRepository, StoreResult};

use crate::{MemoryStorage, Tables};

/// (space domain, id).
pub(crate) type StatisticsKey = (String, String);

impl Tables {
    /// The account `from` names, when it is an account of the space recording it.
    fn sender_account(&self, space: &Domain, from: &StatisticsAddress) -> Option<i64> {
        (from.domain == space.as_str())
            .then(|| {
                self.identities
                    .get(&(from.username.clone(), from.domain.clone()))
                    .copied()
            })
            .flatten()
    }

    /// Drops the statistics sent by account `id` (called when the account goes).
    pub(crate) fn delete_statistics_of_account(&mut self, id: i64) {
        self.statistics_messages
            .retain(|_, (sender, _)| *sender != Some(id));
        self.statistics_calls
            .retain(|_, (sender, _)| *sender != Some(id));
    }

    /// Drops the statistics of a space (called when the space goes).
    pub(crate) fn delete_statistics_of_space(&mut self, space: &Domain) {
        self.statistics_messages
            .retain(|(s, _), _| s != space.as_str());
        self.statistics_calls
            .retain(|(s, _), _| s != space.as_str());
    }
}

fn key(space: &Domain, id: &str) -> StatisticsKey {
    (space.as_str().to_owned(), id.to_owned())
}

#[async_trait]
impl StatisticsRepository for MemoryStorage {
    async fn record_statistics_message(&self, message: &StatisticsMessage) -> StoreResult<bool> {
        let mut t = self.lock();
        let k = key(&message.space, &message.id);
        if t.statistics_messages.contains_key(&k) {
            return Ok(false);
        }
        let sender = t.sender_account(&message.space, &message.from);
        let stored = StatisticsMessage {
            devices: Vec::new(),
            ..message.clone()
        };
        t.statistics_messages.insert(k, (sender, stored));
        Ok(true)
    }

    async fn statistics_message(
        &self,
        space: &Domain,
        id: &str,
    ) -> StoreResult<Option<StatisticsMessage>> {
        Ok(self
            .lock()
            .statistics_messages
            .get(&key(space, id))
            .map(|(_, m)| m.clone()))
    }

    async fn put_statistics_message_device(
        &self,
        space: &Domain,
        device: &StatisticsMessageDevice,
    ) -> StoreResult<(StatisticsMessageDevice, bool)> {
        let mut t = self.lock();
        let (_, message) = t
            .statistics_messages
            .get_mut(&key(space, &device.message_id))
            .ok_or(StoreError::NotFound)?;
        let same =
            |d: &StatisticsMessageDevice| d.to == device.to && d.device_id == device.device_id;
        if let Some(existing) = message.devices.iter_mut().find(|d| same(d)) {
            existing.last_status = device.last_status;
            existing.received_at = device.received_at;
            existing.updated_at = device.updated_at;
            return Ok((existing.clone(), false));
        }
        message.devices.push(device.clone());
        message
            .devices
            .sort_by(|a, b| (&a.to, &a.device_id).cmp(&(&b.to, &b.device_id)));
        Ok((device.clone(), true))
    }

    async fn record_statistics_call(&self, call: &StatisticsCall) -> StoreResult<bool> {
        let mut t = self.lock();
        let k = key(&call.space, &call.id);
        if t.statistics_calls.contains_key(&k) {
            return Ok(false);
        }
        let sender = t.sender_account(&call.space, &call.from);
        let stored = StatisticsCall {
            devices: Vec::new(),
            ..call.clone()
        };
        t.statistics_calls.insert(k, (sender, stored));
        Ok(true)
    }

    async fn statistics_call(
        &self,
        space: &Domain,
        id: &str,
    ) -> StoreResult<Option<StatisticsCall>> {
        Ok(self
            .lock()
            .statistics_calls
            .get(&key(space, id))
            .map(|(_, c)| c.clone()))
    }

    async fn end_statistics_call(
        &self,
        space: &Domain,
        id: &str,
        ended_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StatisticsCall>> {
        let mut t = self.lock();
        Ok(t.statistics_calls.get_mut(&key(space, id)).map(|(_, c)| {
            c.ended_at = Some(ended_at);
            c.updated_at = now;
            c.clone()
        }))
    }

    async fn put_statistics_call_device(
        &self,
        space: &Domain,
        device: &StatisticsCallDevice,
    ) -> StoreResult<(StatisticsCallDevice, bool)> {
        let mut t = self.lock();
        let (_, call) = t
            .statistics_calls
            .get_mut(&key(space, &device.call_id))
            .ok_or(StoreError::NotFound)?;
        if let Some(existing) = call
            .devices
            .iter_mut()
            .find(|d| d.device_id == device.device_id)
        {
            existing.rang_at = device.rang_at.or(existing.rang_at);
            existing.invite_terminated = device.invite_terminated.or(existing.invite_terminated);
            existing.updated_at = device.updated_at;
            return Ok((existing.clone(), false));
        }
        call.devices.push(device.clone());
        call.devices.sort_by(|a, b| a.device_id.cmp(&b.device_id));
        Ok((device.clone(), true))
    }

    async fn statistics_calls_of(
        &self,
        space: &Domain,
        party: &StatisticsAddress,
        page: u64,
        per_page: u64,
    ) -> StoreResult<Page<StatisticsCall>> {
        let t = self.lock();
        let mut calls: Vec<&StatisticsCall> = t
            .statistics_calls
            .range(key(space, "")..)
            .take_while(|((s, _), _)| s == space.as_str())
            .map(|(_, (_, c))| c)
            .filter(|c| &c.from == party || &c.to == party)
            .collect();
        calls.sort_by(|a, b| (b.initiated_at, &b.id).cmp(&(a.initiated_at, &a.id)));
        let page = page.max(1);
        let per_page = per_page.max(1);
        let skip = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
        let take = usize::try_from(per_page).unwrap_or(usize::MAX);
        Ok(Page {
            total: calls.len() as u64,
            items: calls.into_iter().skip(skip).take(take).cloned().collect(),
            page,
            per_page,
        })
    }

    async fn clear_statistics(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let count = t.statistics_messages.len() + t.statistics_calls.len();
        t.statistics_messages
            .retain(|_, (_, m)| m.sent_at >= before);
        t.statistics_calls
            .retain(|_, (_, c)| c.initiated_at >= before);
        Ok((count - t.statistics_messages.len() - t.statistics_calls.len()) as u64)
    }
}
