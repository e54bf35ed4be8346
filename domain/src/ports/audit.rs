//! The audit trail.

use async_trait::async_trait;

use super::StoreResult;
use crate::model::{AuditEvent, NewAuditEvent, Page};

/// The audit trail of admin changes.
#[async_trait]
pub trait AuditRepository: Send + Sync + 'static {
    async fn record_audit_event(&self, event: NewAuditEvent) -> StoreResult<()>;

    /// Newest first; `page` starts at 1.
    async fn list_audit_events(&self, page: u64, per_page: u64) -> StoreResult<Page<AuditEvent>>;
}
