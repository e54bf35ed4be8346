//! The audit log.

use async_trait::async_trait;
use flexiapi_domain::model::{AuditEvent, NewAuditEvent, Page};
use flexiapi_domain::ports::{AuditRepository, StoreResult};

use crate::MemoryStorage;

#[async_trait]
impl AuditRepository for MemoryStorage {
    async fn record_audit_event(&self, event: NewAuditEvent) -> StoreResult<()> {
        let mut t = self.lock();
        let id = t.next_id();
        t.audit.push(AuditEvent {
            id,
            actor_id: Some(event.actor_id),
            actor: event.actor,
            method: event.method,
            path: event.path,
            subject: event.subject,
            status: event.status,
            ip: event.ip,
            created_at: event.created_at,
        });
        Ok(())
    }

    async fn list_audit_events(&self, page: u64, per_page: u64) -> StoreResult<Page<AuditEvent>> {
        let t = self.lock();
        let skip = page.saturating_sub(1).saturating_mul(per_page);
        let items = t
            .audit
            .iter()
            .rev()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .map(|e| AuditEvent {
                actor_id: e.actor_id.filter(|id| t.accounts.contains_key(&id.0)),
                ..e.clone()
            })
            .collect();
        Ok(Page {
            items,
            total: t.audit.len() as u64,
            page,
            per_page,
        })
    }
}
