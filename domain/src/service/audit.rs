//! The audit trail of admins' changes.

use super::{ServiceResult, Services};
use crate::model::{AuditEvent, NewAuditEvent, Page};

impl Services {
    /// # Errors
    /// Storage failures.
    pub async fn record_audit_event(&self, event: NewAuditEvent) -> ServiceResult<()> {
        Ok(self.storage.record_audit_event(event).await?)
    }

    /// Newest first; `page` starts at 1.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn list_audit_events(
        &self,
        page: u64,
        per_page: u64,
    ) -> ServiceResult<Page<AuditEvent>> {
        Ok(self.storage.list_audit_events(page, per_page).await?)
    }
}
