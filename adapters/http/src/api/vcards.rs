//! vCards: the caller's stored vCards (User, `/accounts/me/vcards-storage`), those of an account
//! of the request's space (Admin, `/accounts/{id}/vcards-storage`), and, outside `/api` as the
//! original's web routes, the raw stored vCards (`/vcards-storage`) and the caller's contacts
//! as one vCard 4.0 stream (`/contacts/vcard`).

use std::collections::BTreeMap;

use flexiapi_domain::model::{Account, AccountId, StoredVcard};
use flexiapi_domain::service::vcards::VcardInput;
use flexiapi_domain::validation::ValidationErrors;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};
use serde_json::Value;

use super::space_json::Reader;
use super::spaces::LooseJson;
use super::{ApiTags, request_space, state, timestamp};
use crate::auth::{AdminCaller, UserCaller};
use crate::error::ApiError;

pub struct VcardsApi;

/// The web routes (served from the root).
pub struct WebVcardsApi;

type ApiResult<T> = Result<T, ApiError>;

/// A stored vCard, as the original's (its id, account and UID are not shown: the index is keyed
/// by UID).
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct VcardObject {
    /// The card as stored: parsed and written again by a vCard library, LF line ends.
    pub vcard: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&StoredVcard> for VcardObject {
    fn from(v: &StoredVcard) -> Self {
        Self {
            vcard: v.vcard.clone(),
            created_at: timestamp(v.created_at),
            updated_at: timestamp(v.updated_at),
        }
    }
}

impl poem_openapi::types::Example for VcardObject {
    fn example() -> Self {
        Self {
            vcard: "BEGIN:VCARD\nVERSION:4.0\nFN:Simone Perreault\nUID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\nEND:VCARD\n".into(),
            created_at: "2026-01-01T10:00:00.000000Z".into(),
            updated_at: "2026-01-01T10:00:00.000000Z".into(),
        }
    }
}

/// `POST`/`PUT …/vcards-storage` body.
#[derive(Debug, Object)]
pub struct VcardRequest {
    /// Required: one vCard (2.1, 3.0 or 4.0) with a `UID`; a `urn:uuid:` prefix of the UID is
    /// not part of the key it is stored under.
    pub vcard: String,
}

fn input(body: &Value) -> VcardInput {
    let mut unreadable = ValidationErrors::new();
    let mut r = Reader::top(body, &mut unreadable);
    let vcard = r.text("vcard").flatten();
    VcardInput { vcard, unreadable }
}

#[derive(ApiResponse)]
pub enum VcardCreated {
    #[oai(status = 201)]
    Created(Json<VcardObject>),
}

#[derive(ApiResponse)]
pub enum VcardText {
    /// vCards, as text.
    #[oai(status = 200, content_type = "text/vcard")]
    Ok(PlainText<String>),
}

fn index(vcards: &[StoredVcard]) -> Json<BTreeMap<String, VcardObject>> {
    Json(vcards.iter().map(|v| (v.uuid.clone(), v.into())).collect())
}

async fn account_of(req: &Request, id: i64) -> ApiResult<Account> {
    Ok(state(req)?
        .services
        .vcards_account(request_space(req)?, AccountId(id))
        .await?)
}

#[OpenApi]
impl VcardsApi {
    /// My stored vCards
    ///
    /// Access: User. An object keyed by UID (`{}` when none).
    #[oai(
        path = "/accounts/me/vcards-storage",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "listMyVcards"
    )]
    async fn mine(
        &self,
        req: &Request,
        caller: UserCaller,
    ) -> ApiResult<Json<BTreeMap<String, VcardObject>>> {
        let vcards = state(req)?
            .services
            .vcards_of(&caller.0.auth.account)
            .await?;
        Ok(index(&vcards))
    }

    /// Store one of my vCards
    ///
    /// Access: User. `vcard` is one vCard (2.1, 3.0 or 4.0) with a `UID`, parsed and written
    /// again by a vCard library (422 otherwise); 409 when I have one of that UID.
    #[oai(
        path = "/accounts/me/vcards-storage",
        method = "post",
        tag = "ApiTags::Me",
        operation_id = "createMyVcard"
    )]
    async fn create_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        body: LooseJson<VcardRequest>,
    ) -> ApiResult<VcardCreated> {
        let created = state(req)?
            .services
            .create_vcard(&caller.0.auth.account, input(&body.0))
            .await?;
        Ok(VcardCreated::Created(Json((&created).into())))
    }

    /// One of my vCards
    ///
    /// Access: User. By UID; 404 when I have none of that UID.
    #[oai(
        path = "/accounts/me/vcards-storage/:uuid",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "getMyVcard"
    )]
    async fn one_of_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        uuid: Path<String>,
    ) -> ApiResult<Json<VcardObject>> {
        let vcard = state(req)?
            .services
            .vcard_of(&caller.0.auth.account, &uuid.0)
            .await?;
        Ok(Json((&vcard).into()))
    }

    /// Replace one of my vCards
    ///
    /// Access: User. The new card's `UID` must be the one in the path (422 otherwise); 404 when
    /// I have none of that UID.
    #[oai(
        path = "/accounts/me/vcards-storage/:uuid",
        method = "put",
        tag = "ApiTags::Me",
        operation_id = "updateMyVcard"
    )]
    async fn update_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        uuid: Path<String>,
        body: LooseJson<VcardRequest>,
    ) -> ApiResult<Json<VcardObject>> {
        let updated = state(req)?
            .services
            .update_vcard(&caller.0.auth.account, &uuid.0, input(&body.0))
            .await?;
        Ok(Json((&updated).into()))
    }

    /// Replace one of my vCards (PATCH)
    ///
    /// Access: User. As `PUT`.
    #[oai(
        path = "/accounts/me/vcards-storage/:uuid",
        method = "patch",
        tag = "ApiTags::Me",
        operation_id = "patchMyVcard"
    )]
    async fn patch_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        uuid: Path<String>,
        body: LooseJson<VcardRequest>,
    ) -> ApiResult<Json<VcardObject>> {
        self.update_mine(req, caller, uuid, body).await
    }

    /// Delete one of my vCards
    ///
    /// Access: User. Answers `1`; 404 when I have none of that UID.
    #[oai(
        path = "/accounts/me/vcards-storage/:uuid",
        method = "delete",
        tag = "ApiTags::Me",
        operation_id = "deleteMyVcard"
    )]
    async fn delete_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        uuid: Path<String>,
    ) -> ApiResult<PlainText<&'static str>> {
        state(req)?
            .services
            .delete_vcard(&caller.0.auth.account, &uuid.0)
            .await?;
        Ok(PlainText("1"))
    }

    /// An account's stored vCards
    ///
    /// Access: Admin. An object keyed by UID (`{}` when none); 404 for an account of another
    /// space.
    #[oai(
        path = "/accounts/:id/vcards-storage",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "listVcards"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Json<BTreeMap<String, VcardObject>>> {
        let account = account_of(req, id.0).await?;
        Ok(index(&state(req)?.services.vcards_of(&account).await?))
    }

    /// Store a vCard of an account
    ///
    /// Access: Admin. As `POST /accounts/me/vcards-storage`, for an account of the space.
    #[oai(
        path = "/accounts/:id/vcards-storage",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "createVcard"
    )]
    async fn create(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        body: LooseJson<VcardRequest>,
    ) -> ApiResult<VcardCreated> {
        let account = account_of(req, id.0).await?;
        let created = state(req)?
            .services
            .create_vcard(&account, input(&body.0))
            .await?;
        Ok(VcardCreated::Created(Json((&created).into())))
    }

    /// One vCard of an account
    ///
    /// Access: Admin. By UID.
    #[oai(
        path = "/accounts/:id/vcards-storage/:uuid",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "getVcard"
    )]
    async fn get(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        uuid: Path<String>,
    ) -> ApiResult<Json<VcardObject>> {
        let account = account_of(req, id.0).await?;
        let vcard = state(req)?.services.vcard_of(&account, &uuid.0).await?;
        Ok(Json((&vcard).into()))
    }

    /// Replace a vCard of an account
    ///
    /// Access: Admin. The new card's `UID` must be the one in the path.
    #[oai(
        path = "/accounts/:id/vcards-storage/:uuid",
        method = "put",
        tag = "ApiTags::Accounts",
        operation_id = "updateVcard"
    )]
    async fn update(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        uuid: Path<String>,
        body: LooseJson<VcardRequest>,
    ) -> ApiResult<Json<VcardObject>> {
        let account = account_of(req, id.0).await?;
        let updated = state(req)?
            .services
            .update_vcard(&account, &uuid.0, input(&body.0))
            .await?;
        Ok(Json((&updated).into()))
    }

    /// Replace a vCard of an account (PATCH)
    ///
    /// Access: Admin. As `PUT`.
    #[oai(
        path = "/accounts/:id/vcards-storage/:uuid",
        method = "patch",
        tag = "ApiTags::Accounts",
        operation_id = "patchVcard"
    )]
    async fn patch(
        &self,
        req: &Request,
        caller: AdminCaller,
        id: Path<i64>,
        uuid: Path<String>,
        body: LooseJson<VcardRequest>,
    ) -> ApiResult<Json<VcardObject>> {
        self.update(req, caller, id, uuid, body).await
    }

    /// Delete a vCard of an account
    ///
    /// Access: Admin. Answers `1`.
    #[oai(
        path = "/accounts/:id/vcards-storage/:uuid",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "deleteVcard"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        uuid: Path<String>,
    ) -> ApiResult<PlainText<&'static str>> {
        let account = account_of(req, id.0).await?;
        state(req)?.services.delete_vcard(&account, &uuid.0).await?;
        Ok(PlainText("1"))
    }
}

#[derive(Tags)]
enum WebTags {
    /// Address books for Linphone apps, served outside `/api` (vCards).
    AddressBooks,
}

#[OpenApi(tag = "WebTags::AddressBooks")]
impl WebVcardsApi {
    /// My contacts as vCards
    ///
    /// Access: User. My contacts (direct, and members of the contacts lists attached to me),
    /// each once, as one stream of vCard 4.0 cards: `IMPP` the SIP URI, `FN` the display name
    /// (else `username@domain`), `EMAIL`, and Linphone's `X-LINPHONE-ACCOUNT-*` properties.
    /// This is the URL provisioning gives as `contacts-vcard-list`.
    #[oai(
        path = "/contacts/vcard",
        method = "get",
        operation_id = "myContactsVcards"
    )]
    async fn contacts(&self, req: &Request, caller: UserCaller) -> ApiResult<VcardText> {
        let services = &state(req)?.services;
        let contacts = services.my_contacts(&caller.0.auth.account).await?;
        let cards = services.contact_vcards(&contacts).await?;
        Ok(VcardText::Ok(PlainText(cards.concat())))
    }

    /// One of my contacts as a vCard
    ///
    /// Access: User. By `username@domain` (a `sip:` prefix is accepted); 404 when not one of my
    /// contacts.
    #[oai(
        path = "/contacts/vcard/:sip",
        method = "get",
        operation_id = "myContactVcard"
    )]
    async fn contact(
        &self,
        req: &Request,
        caller: UserCaller,
        sip: Path<String>,
    ) -> ApiResult<VcardText> {
        let services = &state(req)?.services;
        let contact = services.my_contact(&caller.0.auth.account, &sip.0).await?;
        let cards = services
            .contact_vcards(std::slice::from_ref(&contact))
            .await?;
        Ok(VcardText::Ok(PlainText(cards.concat())))
    }

    /// My stored vCards, as text
    ///
    /// Access: User. Every vCard I stored, oldest first, each as stored.
    #[oai(
        path = "/vcards-storage",
        method = "get",
        operation_id = "myVcardsText"
    )]
    async fn stored(&self, req: &Request, caller: UserCaller) -> ApiResult<VcardText> {
        let vcards = state(req)?
            .services
            .vcards_of(&caller.0.auth.account)
            .await?;
        Ok(VcardText::Ok(PlainText(
            vcards.iter().map(|v| v.vcard.as_str()).collect(),
        )))
    }

    /// One of my stored vCards, as text
    ///
    /// Access: User. By UID; 404 when I have none of that UID.
    #[oai(
        path = "/vcards-storage/:uuid",
        method = "get",
        operation_id = "myVcardText"
    )]
    async fn stored_one(
        &self,
        req: &Request,
        caller: UserCaller,
        uuid: Path<String>,
    ) -> ApiResult<VcardText> {
        let vcard = state(req)?
            .services
            .vcard_of(&caller.0.auth.account, &uuid.0)
            .await?;
        Ok(VcardText::Ok(PlainText(vcard.vcard)))
    }
}
