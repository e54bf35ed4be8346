//! Call and message statistics: the routes Flexisip's statistics hooks call (Admin, records of
//! the request's space) and each account's call history (User for one's own, Admin for an
//! account of the space).

use flexiapi_domain::model::{
    AccountId, Page, StatisticsCall, StatisticsCallDevice, StatisticsMessageDevice,
};
use flexiapi_domain::service::statistics::{
    STATISTICS_PAGE_SIZE, StatisticsCallDeviceInput, StatisticsCallInput,
    StatisticsMessageDeviceInput, StatisticsMessageInput,
};
use flexiapi_domain::validation::ValidationErrors;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::{Map, Value};

use super::space_json::Reader;
use super::spaces::LooseJson;
use super::{ApiTags, base_url, request_space, state, timestamp};
use crate::auth::{AdminCaller, UserCaller};
use crate::error::ApiError;

pub struct StatisticsApi;

type ApiResult<T> = Result<T, ApiError>;

/// One device a call rang on.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct StatisticsCallDeviceObject {
    pub call_id: String,
    pub device_id: String,
    #[oai(nullable)]
    pub rang_at: Option<String>,
    #[oai(nullable)]
    pub invite_terminated_at: Option<String>,
    /// `error`, `declined`, `canceled`, `accepted_elsewhere`, `declined_elsewhere` or
    /// `accepted`.
    #[oai(nullable)]
    pub invite_terminated_state: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&StatisticsCallDevice> for StatisticsCallDeviceObject {
    fn from(d: &StatisticsCallDevice) -> Self {
        Self {
            call_id: d.call_id.clone(),
            device_id: d.device_id.clone(),
            rang_at: d.rang_at.map(timestamp),
            invite_terminated_at: d.invite_terminated.map(|(at, _)| timestamp(at)),
            invite_terminated_state: d.invite_terminated.map(|(_, s)| s.to_string()),
            created_at: timestamp(d.created_at),
            updated_at: timestamp(d.updated_at),
        }
    }
}

impl poem_openapi::types::Example for StatisticsCallDeviceObject {
    fn example() -> Self {
        Self {
            call_id: "b4c0f3e2-call".into(),
            device_id: "urn:uuid:0c4a-device".into(),
            rang_at: Some("2026-01-01T10:00:01.000000Z".into()),
            invite_terminated_at: Some("2026-01-01T10:00:05.000000Z".into()),
            invite_terminated_state: Some("accepted".into()),
            created_at: "2026-01-01T10:00:01.000000Z".into(),
            updated_at: "2026-01-01T10:00:05.000000Z".into(),
        }
    }
}

/// A call, as the original's `StatisticsCall` with its `devices`.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct StatisticsCallObject {
    pub id: String,
    pub from_username: String,
    pub from_domain: String,
    pub to_username: String,
    pub to_domain: String,
    pub initiated_at: String,
    #[oai(nullable)]
    pub ended_at: Option<String>,
    #[oai(nullable)]
    pub conference_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub devices: Vec<StatisticsCallDeviceObject>,
}

impl From<&StatisticsCall> for StatisticsCallObject {
    fn from(c: &StatisticsCall) -> Self {
        Self {
            id: c.id.clone(),
            from_username: c.from.username.clone(),
            from_domain: c.from.domain.clone(),
            to_username: c.to.username.clone(),
            to_domain: c.to.domain.clone(),
            initiated_at: timestamp(c.initiated_at),
            ended_at: c.ended_at.map(timestamp),
            conference_id: c.conference_id.clone(),
            created_at: timestamp(c.created_at),
            updated_at: timestamp(c.updated_at),
            devices: c.devices.iter().map(Into::into).collect(),
        }
    }
}

impl poem_openapi::types::Example for StatisticsCallObject {
    fn example() -> Self {
        Self {
            id: "b4c0f3e2-call".into(),
            from_username: "alice".into(),
            from_domain: "sip.example.org".into(),
            to_username: "bob".into(),
            to_domain: "sip.example.org".into(),
            initiated_at: "2026-01-01T10:00:00.000000Z".into(),
            ended_at: Some("2026-01-01T10:02:00.000000Z".into()),
            conference_id: None,
            created_at: "2026-01-01T10:00:00.000000Z".into(),
            updated_at: "2026-01-01T10:02:00.000000Z".into(),
            devices: vec![poem_openapi::types::Example::example()],
        }
    }
}

/// What one device of one recipient reported for a message.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct StatisticsMessageDeviceObject {
    pub message_id: String,
    pub to_username: String,
    pub to_domain: String,
    pub device_id: String,
    pub last_status: i64,
    pub received_at: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&StatisticsMessageDevice> for StatisticsMessageDeviceObject {
    fn from(d: &StatisticsMessageDevice) -> Self {
        Self {
            message_id: d.message_id.clone(),
            to_username: d.to.username.clone(),
            to_domain: d.to.domain.clone(),
            device_id: d.device_id.clone(),
            last_status: d.last_status,
            received_at: timestamp(d.received_at),
            created_at: timestamp(d.created_at),
            updated_at: timestamp(d.updated_at),
        }
    }
}

impl poem_openapi::types::Example for StatisticsMessageDeviceObject {
    fn example() -> Self {
        Self {
            message_id: "msg-1".into(),
            to_username: "bob".into(),
            to_domain: "sip.example.org".into(),
            device_id: "urn:uuid:0c4a-device".into(),
            last_status: 200,
            received_at: "2026-01-01T10:00:01.000000Z".into(),
            created_at: "2026-01-01T10:00:01.000000Z".into(),
            updated_at: "2026-01-01T10:00:01.000000Z".into(),
        }
    }
}

/// One page of calls, in the original's paginator shape.
#[derive(Debug, Object)]
pub struct StatisticsCallPage {
    pub current_page: u64,
    pub data: Vec<StatisticsCallObject>,
    pub first_page_url: String,
    #[oai(nullable)]
    pub from: Option<u64>,
    pub last_page: u64,
    pub last_page_url: String,
    #[oai(nullable)]
    pub next_page_url: Option<String>,
    pub path: String,
    pub per_page: u64,
    #[oai(nullable)]
    pub prev_page_url: Option<String>,
    #[oai(nullable)]
    pub to: Option<u64>,
    pub total: u64,
}

fn call_page(
    req: &Request,
    path: &str,
    page: &Page<StatisticsCall>,
) -> ApiResult<StatisticsCallPage> {
    let path = format!("{}/api{path}", base_url(req)?);
    let url = |n: u64| format!("{path}?page={n}&per_page={}", page.per_page);
    let last_page = page.last_page();
    let from = (page.page - 1) * page.per_page + 1;
    let shown = page.items.len() as u64;
    Ok(StatisticsCallPage {
        current_page: page.page,
        first_page_url: url(1),
        from: (shown > 0).then_some(from),
        to: (shown > 0).then_some(from + shown - 1),
        last_page,
        last_page_url: url(last_page),
        next_page_url: (page.page < last_page).then(|| url(page.page + 1)),
        prev_page_url: (page.page > 1).then(|| url(page.page - 1)),
        path,
        per_page: page.per_page,
        total: page.total,
        data: page.items.iter().map(Into::into).collect(),
    })
}

/// `POST /statistics/messages` body.
#[derive(Debug, Object)]
pub struct StatisticsMessageRequest {
    /// Required, at most 64 characters; a retry with the same id changes nothing.
    pub id: String,
    /// Required `username@domain`, at most 256 characters.
    pub from: String,
    /// Required ISO 8601 instant.
    pub sent_at: String,
    /// Required boolean.
    pub encrypted: bool,
    #[oai(nullable)]
    pub conference_id: Option<String>,
}

/// `PATCH /statistics/messages/{message_id}/to/{to}/devices/{device_id}` body.
#[derive(Debug, Object)]
pub struct StatisticsMessageDeviceRequest {
    /// Required integer (the SIP status the device answered).
    pub last_status: i64,
    /// Required ISO 8601 instant.
    pub received_at: String,
}

/// `POST /statistics/calls` body.
#[derive(Debug, Object)]
pub struct StatisticsCallRequest {
    /// Required, at most 64 characters; a retry with the same id changes nothing.
    pub id: String,
    /// Required `username@domain`, at most 256 characters.
    pub from: String,
    /// Required `username@domain`, at most 256 characters.
    pub to: String,
    /// Required ISO 8601 instant.
    pub initiated_at: String,
    #[oai(nullable)]
    pub ended_at: Option<String>,
    #[oai(nullable)]
    pub conference_id: Option<String>,
}

/// `PATCH /statistics/calls/{call_id}` body.
#[derive(Debug, Object)]
pub struct StatisticsCallEndRequest {
    /// Required ISO 8601 instant.
    pub ended_at: String,
}

/// `invite_terminated` of a call device report.
#[derive(Debug, Object)]
pub struct InviteTerminatedRequest {
    /// ISO 8601 instant; required with `state`.
    pub at: Option<String>,
    /// `error`, `declined`, `canceled`, `accepted_elsewhere`, `declined_elsewhere` or
    /// `accepted`; required with `at`.
    pub state: Option<String>,
}

/// `PATCH /statistics/calls/{call_id}/devices/{device_id}` body.
#[derive(Debug, Object)]
pub struct StatisticsCallDeviceRequest {
    /// ISO 8601 instant.
    pub rang_at: Option<String>,
    pub invite_terminated: Option<InviteTerminatedRequest>,
}

/// The body's object (a non-object body reads as empty: every required field is then missing).
fn object(body: &Value) -> Map<String, Value> {
    body.as_object().cloned().unwrap_or_default()
}

fn reader<'a>(
    map: &'a Map<String, Value>,
    prefix: &'static str,
    errors: &'a mut ValidationErrors,
) -> Reader<'a> {
    Reader {
        map,
        prefix,
        errors,
    }
}

#[derive(ApiResponse)]
pub enum DeviceStored<T: poem_openapi::types::ToJSON> {
    /// A new device row.
    #[oai(status = 201)]
    Created(Json<T>),
    /// An update of the device's row.
    #[oai(status = 200)]
    Updated(Json<T>),
}

impl<T: poem_openapi::types::ToJSON> DeviceStored<T> {
    fn new(object: T, created: bool) -> Self {
        if created {
            Self::Created(Json(object))
        } else {
            Self::Updated(Json(object))
        }
    }
}

#[OpenApi]
impl StatisticsApi {
    /// Record a message
    ///
    /// Access: Admin. What Flexisip's statistics hook sends; recorded in the request's space.
    /// Answers `1`, also for a retry of an id already recorded there (which changes nothing).
    /// 422 with every broken rule.
    #[oai(
        path = "/statistics/messages",
        method = "post",
        tag = "ApiTags::Statistics",
        operation_id = "recordStatisticsMessage"
    )]
    async fn record_message(
        &self,
        req: &Request,
        _caller: AdminCaller,
        body: LooseJson<StatisticsMessageRequest>,
    ) -> ApiResult<PlainText<&'static str>> {
        let map = object(&body.0);
        let mut unreadable = ValidationErrors::new();
        let mut r = reader(&map, "", &mut unreadable);
        let input = StatisticsMessageInput {
            id: r.text("id").flatten(),
            from: r.text("from").flatten(),
            sent_at: r.text("sent_at").flatten(),
            encrypted: match map.get("encrypted") {
                None | Some(Value::Null) => None,
                Some(_) => r.boolean("encrypted"),
            },
            conference_id: r.text("conference_id").flatten(),
            unreadable,
        };
        state(req)?
            .services
            .record_statistics_message(request_space(req)?, input)
            .await?;
        Ok(PlainText("1"))
    }

    /// Record what a device received of a message
    ///
    /// Access: Admin. Creates (201) or updates (200) the row of device `device_id` of recipient
    /// `to` (`username@domain`) for a message of the request's space; 404 for an unknown message.
    #[oai(
        path = "/statistics/messages/:message_id/to/:to/devices/:device_id",
        method = "patch",
        tag = "ApiTags::Statistics",
        operation_id = "putStatisticsMessageDevice"
    )]
    async fn put_message_device(
        &self,
        req: &Request,
        _caller: AdminCaller,
        message_id: Path<String>,
        to: Path<String>,
        device_id: Path<String>,
        body: LooseJson<StatisticsMessageDeviceRequest>,
    ) -> ApiResult<DeviceStored<StatisticsMessageDeviceObject>> {
        let map = object(&body.0);
        let mut unreadable = ValidationErrors::new();
        let mut r = reader(&map, "", &mut unreadable);
        let last_status = r.integer("last_status").flatten();
        let received_at = r.text("received_at").flatten();
        let input = StatisticsMessageDeviceInput {
            last_status,
            received_at,
            unreadable,
        };
        let (device, created) = state(req)?
            .services
            .put_statistics_message_device(
                request_space(req)?,
                &message_id.0,
                &to.0,
                &device_id.0,
                input,
            )
            .await?;
        Ok(DeviceStored::new((&device).into(), created))
    }

    /// Record a call
    ///
    /// Access: Admin. What Flexisip's statistics hook sends; recorded in the request's space.
    /// Answers `1`, also for a retry of an id already recorded there (which changes nothing).
    /// 422 with every broken rule.
    #[oai(
        path = "/statistics/calls",
        method = "post",
        tag = "ApiTags::Statistics",
        operation_id = "recordStatisticsCall"
    )]
    async fn record_call(
        &self,
        req: &Request,
        _caller: AdminCaller,
        body: LooseJson<StatisticsCallRequest>,
    ) -> ApiResult<PlainText<&'static str>> {
        let map = object(&body.0);
        let mut unreadable = ValidationErrors::new();
        let mut r = reader(&map, "", &mut unreadable);
        let input = StatisticsCallInput {
            id: r.text("id").flatten(),
            from: r.text("from").flatten(),
            to: r.text("to").flatten(),
            initiated_at: r.text("initiated_at").flatten(),
            ended_at: r.text("ended_at").flatten(),
            conference_id: r.text("conference_id").flatten(),
            unreadable,
        };
        state(req)?
            .services
            .record_statistics_call(request_space(req)?, input)
            .await?;
        Ok(PlainText("1"))
    }

    /// End a call
    ///
    /// Access: Admin. Sets `ended_at` (required) of a call of the request's space and answers
    /// the call; 404 for an unknown call.
    #[oai(
        path = "/statistics/calls/:call_id",
        method = "patch",
        tag = "ApiTags::Statistics",
        operation_id = "endStatisticsCall"
    )]
    async fn end_call(
        &self,
        req: &Request,
        _caller: AdminCaller,
        call_id: Path<String>,
        body: LooseJson<StatisticsCallEndRequest>,
    ) -> ApiResult<Json<StatisticsCallObject>> {
        let map = object(&body.0);
        let mut unreadable = ValidationErrors::new();
        let ended_at = reader(&map, "", &mut unreadable).text("ended_at").flatten();
        let call = state(req)?
            .services
            .end_statistics_call(request_space(req)?, &call_id.0, ended_at, unreadable)
            .await?;
        Ok(Json((&call).into()))
    }

    /// Record what a device did with a call
    ///
    /// Access: Admin. Creates (201) or updates (200) the row of device `device_id` for a call of
    /// the request's space; fields not sent keep what an earlier report stored.
    /// `invite_terminated.at` and `.state` come together. 404 for an unknown call.
    #[oai(
        path = "/statistics/calls/:call_id/devices/:device_id",
        method = "patch",
        tag = "ApiTags::Statistics",
        operation_id = "putStatisticsCallDevice"
    )]
    async fn put_call_device(
        &self,
        req: &Request,
        _caller: AdminCaller,
        call_id: Path<String>,
        device_id: Path<String>,
        body: LooseJson<StatisticsCallDeviceRequest>,
    ) -> ApiResult<DeviceStored<StatisticsCallDeviceObject>> {
        let map = object(&body.0);
        let mut unreadable = ValidationErrors::new();
        let rang_at = reader(&map, "", &mut unreadable).text("rang_at").flatten();
        let terminated = match map.get("invite_terminated") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(o)) => o.clone(),
            Some(_) => {
                unreadable.add(
                    "invite_terminated",
                    flexiapi_domain::validation::Rule::Object,
                );
                Map::new()
            }
        };
        let mut t = reader(&terminated, "invite_terminated", &mut unreadable);
        let terminated_at = t.text("at").flatten();
        let terminated_state = t.text("state").flatten();
        let input = StatisticsCallDeviceInput {
            rang_at,
            terminated_at,
            terminated_state,
            unreadable,
        };
        let (device, created) = state(req)?
            .services
            .put_statistics_call_device(request_space(req)?, &call_id.0, &device_id.0, input)
            .await?;
        Ok(DeviceStored::new((&device).into(), created))
    }

    /// My call history
    ///
    /// Access: User. The calls from or to me recorded in my space, newest first, each with its
    /// devices; `per_page` defaults to 30 (at most 100).
    #[oai(
        path = "/accounts/me/statistics/calls",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "listMyStatisticsCalls"
    )]
    async fn mine(
        &self,
        req: &Request,
        caller: UserCaller,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<StatisticsCallPage>> {
        let calls = state(req)?
            .services
            .statistics_calls_of(
                &caller.0.auth.account,
                page.0.unwrap_or(1),
                per_page.0.unwrap_or(STATISTICS_PAGE_SIZE),
            )
            .await?;
        Ok(Json(call_page(
            req,
            "/accounts/me/statistics/calls",
            &calls,
        )?))
    }

    /// An account's call history
    ///
    /// Access: Admin. As `GET /accounts/me/statistics/calls`, for an account of the request's
    /// space; 404 for an account of another space.
    #[oai(
        path = "/accounts/:id/statistics/calls",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "listStatisticsCalls"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
    ) -> ApiResult<Json<StatisticsCallPage>> {
        let calls = state(req)?
            .services
            .account_statistics_calls(
                request_space(req)?,
                AccountId(id.0),
                page.0.unwrap_or(1),
                per_page.0.unwrap_or(STATISTICS_PAGE_SIZE),
            )
            .await?;
        let path = format!("/accounts/{}/statistics/calls", id.0);
        Ok(Json(call_page(req, &path, &calls)?))
    }
}
