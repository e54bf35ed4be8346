//! Wizards (`POST /wizard`: one-time `/wizard/{token}` links that open a Linphone app) and SIP
//! messages (`POST /messages`, through linphone-daemon), both Admin level in the request's space.

use flexiapi_domain::model::Wizard;
use flexiapi_domain::service::wizards::{SipMessageInput, WizardInput};
use flexiapi_domain::validation::ValidationErrors;
use poem::Request;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde_json::{Map, Value};

use super::space_json::{Reader, fields};
use super::spaces::LooseJson;
use super::{ApiTags, base_url, request_space, state, timestamp};
use crate::auth::AdminCaller;
use crate::error::ApiError;

pub struct WizardsApi;

type ApiResult<T> = Result<T, ApiError>;

/// `POST /wizard`'s body.
#[derive(Debug, Object)]
pub struct WizardRequest {
    /// An account of the space whose configuration the app fetches (a fresh provisioning
    /// token is minted when the link is opened).
    #[oai(nullable)]
    pub provisioning_account_id: Option<i64>,
    /// `sip:user@domain`; required when `linphone_action` is `call`.
    #[oai(nullable)]
    pub sip: Option<String>,
    /// `call`, `show`, `bye`, `accept` or `decline`; `show` when absent.
    #[oai(nullable)]
    pub linphone_action: Option<String>,
    #[oai(nullable)]
    pub linphone_use_sips: Option<bool>,
}

/// A wizard, as the original's model plus the link to hand out.
#[derive(Debug, Object)]
#[oai(example)]
pub struct WizardObject {
    /// 8 letters and digits.
    pub token: String,
    /// The admin who made it.
    pub account_id: i64,
    #[oai(nullable)]
    pub provisioning_account_id: Option<i64>,
    #[oai(nullable)]
    pub sip: Option<String>,
    #[oai(nullable)]
    pub linphone_action: Option<String>,
    #[oai(nullable)]
    pub linphone_use_sips: Option<bool>,
    pub created_at: String,
    pub updated_at: String,
    /// `/wizard/{token}` on the space's host: opening it spends the wizard.
    pub url: String,
}

impl WizardObject {
    fn new(w: &Wizard, base_url: &str) -> Self {
        Self {
            url: format!("{base_url}/wizard/{}", w.token),
            token: w.token.clone(),
            account_id: w.account_id.0,
            provisioning_account_id: w.provisioning_account_id.map(|a| a.0),
            sip: w.sip.as_ref().map(ToString::to_string),
            linphone_action: w.linphone_action.map(|a| a.as_str().to_owned()),
            linphone_use_sips: w.linphone_use_sips,
            created_at: timestamp(w.created_at),
            updated_at: timestamp(w.updated_at),
        }
    }
}

impl poem_openapi::types::Example for WizardObject {
    fn example() -> Self {
        Self {
            token: "aB3dE5gH".into(),
            account_id: 1,
            provisioning_account_id: Some(42),
            sip: Some("sip:bob@sip.example.org".into()),
            linphone_action: Some("call".into()),
            linphone_use_sips: Some(false),
            created_at: "2026-01-01T10:00:00.000000Z".into(),
            updated_at: "2026-01-01T10:00:00.000000Z".into(),
            url: "https://sip.example.org/wizard/aB3dE5gH".into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum WizardCreated {
    #[oai(status = 201)]
    Created(Json<WizardObject>),
}

/// `POST /messages`'s body.
#[derive(Debug, Object)]
pub struct SipMessageRequest {
    /// `user@domain` (as the original's) or `sip:user@domain`; an admin that is not a super
    /// admin may only write to addresses of its space.
    pub to: String,
    /// One line of text, at most 4096 bytes.
    pub body: String,
}

#[derive(Debug, Object)]
#[oai(example)]
pub struct SipMessageSent {
    /// The `Message-ID` linphone-daemon gave the message.
    pub id: String,
}

impl poem_openapi::types::Example for SipMessageSent {
    fn example() -> Self {
        Self {
            id: "0N4xuUyzbBtm6nUj@sip.example.org".into(),
        }
    }
}

/// A nullable boolean: null is absent.
fn nullable_boolean(r: &mut Reader<'_>, map: &Map<String, Value>, key: &str) -> Option<bool> {
    match map.get(key) {
        None | Some(Value::Null) => None,
        Some(_) => r.boolean(key),
    }
}

fn wizard_input(body: &Value) -> WizardInput {
    let map = fields(body);
    let mut unreadable = ValidationErrors::new();
    let mut r = Reader::top(body, &mut unreadable);
    let provisioning_account_id = r.integer("provisioning_account_id").flatten();
    let sip = r.text("sip").flatten();
    let linphone_action = r.text("linphone_action").flatten();
    let linphone_use_sips = nullable_boolean(&mut r, map, "linphone_use_sips");
    WizardInput {
        provisioning_account_id,
        sip,
        linphone_action,
        linphone_use_sips,
        unreadable,
    }
}

fn message_input(body: &Value) -> SipMessageInput {
    let mut unreadable = ValidationErrors::new();
    let mut r = Reader::top(body, &mut unreadable);
    let to = r.text("to").flatten();
    let body = r.text("body").flatten();
    SipMessageInput {
        to,
        body,
        unreadable,
    }
}

#[OpenApi]
impl WizardsApi {
    /// Create a wizard
    ///
    /// Access: Admin. A one-time link (`url`, `/wizard/{token}` on the space's host) that opens
    /// a Linphone app on a `sip-linphone:` URI: with `provisioning_account_id`, the app fetches
    /// that account's configuration (a provisioning token minted when the link is opened); with
    /// `linphone_action` it is asked to `call` (then `sip` is required), `show`, `bye`, `accept`
    /// or `decline` about `sip`. 422 per field: `provisioning_account_id` not an account of the
    /// space, `sip` not a SIP URI, an unknown action.
    #[oai(
        path = "/wizard",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "createWizard"
    )]
    async fn create(
        &self,
        req: &Request,
        caller: AdminCaller,
        body: LooseJson<WizardRequest>,
    ) -> ApiResult<WizardCreated> {
        let space = request_space(req)?;
        let wizard = state(req)?
            .services
            .create_wizard(space, &caller.0.auth.account, wizard_input(&body.0))
            .await?;
        Ok(WizardCreated::Created(Json(WizardObject::new(
            &wizard,
            &base_url(req)?,
        ))))
    }

    /// Send a SIP message
    ///
    /// Access: Admin. Sends `body` to `to` as a SIP MESSAGE from the deployment's own SIP
    /// account, through the linphone-daemon of `[messages] linphone_daemon_socket`; answers the
    /// message's id. 404 when no daemon is configured; 422 per field (`to` not a SIP address,
    /// or — for an admin that is not a super admin — not an address of the space; `body` empty,
    /// longer than 4096 bytes or with a line break or control character), 422 with the daemon's
    /// reason when it refuses the address, 503 when it cannot be reached in time.
    #[oai(
        path = "/messages",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "sendSipMessage"
    )]
    async fn send(
        &self,
        req: &Request,
        caller: AdminCaller,
        body: LooseJson<SipMessageRequest>,
    ) -> ApiResult<Json<SipMessageSent>> {
        let space = request_space(req)?;
        let id = state(req)?
            .services
            .send_sip_message(space, caller.0.super_admin, message_input(&body.0))
            .await?;
        Ok(Json(SipMessageSent { id }))
    }
}
