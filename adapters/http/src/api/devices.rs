//! Devices registered with the SIP registrar: the caller's own, and an account's for its admins.

use std::collections::BTreeMap;

use flexiapi_domain::model::{Account, AccountId, Device};
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{Object, OpenApi};

use super::{ApiTags, request_space, state, timestamp};
use crate::auth::{AdminCaller, UserCaller};
use crate::error::ApiError;

pub struct DevicesApi;

type ApiResult<T> = Result<T, ApiError>;

/// A registered device, as the original shows it.
#[derive(Debug, Object)]
#[oai(example)]
pub struct DeviceObject {
    /// The instance id the device registered with (`+sip.instance`).
    pub uuid: String,
    /// Its last registration.
    #[oai(nullable)]
    pub update_time: Option<String>,
    /// The `User-Agent` of its last registration.
    pub user_agent: String,
    /// The app, read from the user agent (`LinphoneAndroid`).
    #[oai(nullable)]
    pub app: Option<String>,
    /// The app's version (`5.2.1`).
    #[oai(nullable)]
    pub version: Option<String>,
    /// The device's name, between the user agent's first parentheses (`Pixel 7`).
    #[oai(nullable)]
    pub device_name: Option<String>,
}

impl From<&Device> for DeviceObject {
    fn from(d: &Device) -> Self {
        let info = d.user_agent_info();
        Self {
            uuid: d.uuid.clone(),
            update_time: d.update_time.map(timestamp),
            user_agent: d.user_agent.clone(),
            app: info.app.map(str::to_owned),
            version: info.version.map(str::to_owned),
            device_name: info.device_name.map(str::to_owned),
        }
    }
}

/// `{"<uuid>": device, …}`, `{}` when none.
type Devices = Json<BTreeMap<String, DeviceObject>>;

async fn devices(req: &Request, account: &Account) -> ApiResult<Devices> {
    let devices = state(req)?.services.devices_of(account).await?;
    Ok(Json(
        devices
            .iter()
            .map(|d| (d.uuid.clone(), DeviceObject::from(d)))
            .collect(),
    ))
}

async fn remove(
    req: &Request,
    account: &Account,
    uuid: &str,
) -> ApiResult<PlainText<&'static str>> {
    state(req)?.services.remove_device(account, uuid).await?;
    Ok(PlainText("1"))
}

async fn account_of_space(req: &Request, id: i64) -> ApiResult<Account> {
    Ok(state(req)?
        .services
        .account_in_space(AccountId(id), request_space(req)?)
        .await?)
}

#[OpenApi]
impl DevicesApi {
    /// My devices
    ///
    /// Access: User. The devices registered with the SIP registrar for my address, by uuid;
    /// `{}` when none (or when the server has no registrar store configured). 503 when the
    /// registrar's store does not answer.
    #[oai(
        path = "/accounts/me/devices",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "listMyDevices"
    )]
    async fn mine(&self, req: &Request, caller: UserCaller) -> ApiResult<Devices> {
        devices(req, &caller.0.auth.account).await
    }

    /// Remove one of my devices
    ///
    /// Access: User. Unregisters the device and tells the SIP proxy, which stops reaching it at
    /// once. Answers `1`; 404 when no device has that uuid.
    #[oai(
        path = "/accounts/me/devices/:uuid",
        method = "delete",
        tag = "ApiTags::Me",
        operation_id = "deleteMyDevice"
    )]
    async fn remove_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        uuid: Path<String>,
    ) -> ApiResult<PlainText<&'static str>> {
        remove(req, &caller.0.auth.account, &uuid.0).await
    }

    /// An account's devices
    ///
    /// Access: Admin. As `GET /accounts/me/devices`, for an account of the request's space.
    #[oai(
        path = "/accounts/:id/devices",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "listAccountDevices"
    )]
    async fn of_account(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Devices> {
        let account = account_of_space(req, id.0).await?;
        devices(req, &account).await
    }

    /// Remove an account's device
    ///
    /// Access: Admin. As `DELETE /accounts/me/devices/{uuid}`, for an account of the request's
    /// space.
    #[oai(
        path = "/accounts/:id/devices/:uuid",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "deleteAccountDevice"
    )]
    async fn remove_of_account(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        uuid: Path<String>,
    ) -> ApiResult<PlainText<&'static str>> {
        let account = account_of_space(req, id.0).await?;
        remove(req, &account, &uuid.0).await
    }
}

impl poem_openapi::types::Example for DeviceObject {
    fn example() -> Self {
        Self {
            uuid: "urn:uuid:0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d".into(),
            update_time: Some("2026-01-01T10:00:00.000000Z".into()),
            user_agent: "LinphoneiOS/5.2.0 (iPhone) LinphoneSDK/5.3.0".into(),
            app: Some("LinphoneiOS".into()),
            version: Some("5.2.0".into()),
            device_name: Some("iPhone".into()),
        }
    }
}
