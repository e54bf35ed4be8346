//! The audit trail of admin changes (Super Admin).

use flexiapi_domain::model::AuditEvent;
use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

use super::{ApiTags, state, timestamp};
use crate::auth::SuperAdminCaller;
use crate::error::ApiError;

pub struct AuditApi;

/// One successful state-changing request by an admin or a super admin.
#[derive(Debug, Object)]
pub struct AuditEventObject {
    pub id: i64,
    /// The acting account; null once it is deleted.
    #[oai(nullable)]
    pub actor_id: Option<i64>,
    /// `sip:user@domain` of the actor.
    pub actor: String,
    pub method: String,
    /// The request path (tokens masked).
    pub path: String,
    /// What the request changed: `account 42`, `space sip.example.org`, `account 42, api_key 7`
    /// (each resource of the path and the one it created); empty when nothing is named.
    pub subject: String,
    pub status: u16,
    pub ip: String,
    pub created_at: String,
}

impl From<AuditEvent> for AuditEventObject {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            actor_id: e.actor_id.map(|a| a.0),
            actor: e.actor,
            method: e.method,
            path: e.path,
            subject: e.subject,
            status: e.status,
            ip: e.ip,
            created_at: timestamp(e.created_at),
        }
    }
}

/// One page of the trail, newest first.
#[derive(Debug, Object)]
pub struct AuditPage {
    pub current_page: u64,
    pub data: Vec<AuditEventObject>,
    pub per_page: u64,
    pub total: u64,
    pub last_page: u64,
}

#[OpenApi]
impl AuditApi {
    /// List the audit trail
    ///
    /// Access: Super Admin. Every successful POST, PUT, PATCH or DELETE made by an admin or a
    /// super admin, in any space: who, what, when, from which address. Newest first, 50 per page
    /// (`per_page` up to 200).
    #[oai(
        path = "/audit_events",
        method = "get",
        tag = "ApiTags::Spaces",
        operation_id = "listAuditEvents"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: SuperAdminCaller,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
    ) -> Result<Json<AuditPage>, ApiError> {
        let per_page = per_page.0.unwrap_or(50).clamp(1, 200);
        let page = page.0.unwrap_or(1).clamp(1, u64::from(u32::MAX));
        let found = state(req)?
            .services
            .list_audit_events(page, per_page)
            .await?;
        Ok(Json(AuditPage {
            current_page: found.page,
            per_page: found.per_page,
            total: found.total,
            last_page: found.last_page(),
            data: found.items.into_iter().map(Into::into).collect(),
        }))
    }
}
