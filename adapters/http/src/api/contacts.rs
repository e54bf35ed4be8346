//! Contacts: an account's direct contacts (Admin), and what the caller sees as its contacts
//! (User): direct contacts and members of the contacts lists attached to it.

use flexiapi_domain::model::{Account, AccountId};
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{AccountObject, ApiTags, account_object, request_space, state};
use crate::auth::{AdminCaller, UserCaller};
use crate::error::ApiError;

pub struct ContactsApi;

/// A contact as its owner's clients see it: public fields only. Unlike the original, which
/// serializes the whole account (provisioning token included), nothing here is a secret of the
/// contact's.
#[derive(Debug, Object)]
#[oai(example)]
pub struct ContactObject {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub activated: bool,
    /// `sipinfo`, `rfc2833` or `sipmessage`.
    #[oai(nullable)]
    pub dtmf_protocol: Option<String>,
    #[oai(nullable)]
    pub display_name: Option<String>,
    /// `sip:username@domain`.
    pub sip_uri: String,
}

impl From<&Account> for ContactObject {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.0,
            username: a.username.to_string(),
            domain: a.domain.to_string(),
            activated: a.activated,
            dtmf_protocol: a.dtmf_protocol.as_ref().map(ToString::to_string),
            display_name: a.display_name.clone(),
            sip_uri: a.identity().to_string(),
        }
    }
}

impl poem_openapi::types::Example for ContactObject {
    fn example() -> Self {
        Self {
            id: 43,
            username: "bob".into(),
            domain: "sip.example.org".into(),
            activated: true,
            dtmf_protocol: Some("rfc2833".into()),
            display_name: Some("Bob".into()),
            sip_uri: "sip:bob@sip.example.org".into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum ContactAdded {
    /// The account is a contact (it may already have been one).
    #[oai(status = 200)]
    Ok,
}

#[OpenApi]
impl ContactsApi {
    /// My contacts
    ///
    /// Access: User. My direct contacts and the members of the contacts lists attached to me,
    /// each once, ordered by id.
    #[oai(
        path = "/accounts/me/contacts",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "listMyContacts"
    )]
    async fn mine(
        &self,
        req: &Request,
        caller: UserCaller,
    ) -> Result<Json<Vec<ContactObject>>, ApiError> {
        let contacts = state(req)?
            .services
            .my_contacts(&caller.0.auth.account)
            .await?;
        Ok(Json(contacts.iter().map(ContactObject::from).collect()))
    }

    /// One of my contacts
    ///
    /// Access: User. `sip` is `username@domain` (a `sip:` prefix is accepted); 404 when that
    /// account is not one of my contacts.
    #[oai(
        path = "/accounts/me/contacts/:sip",
        method = "get",
        tag = "ApiTags::Me",
        operation_id = "getMyContact"
    )]
    async fn one_of_mine(
        &self,
        req: &Request,
        caller: UserCaller,
        sip: Path<String>,
    ) -> Result<Json<ContactObject>, ApiError> {
        let contact = state(req)?
            .services
            .my_contact(&caller.0.auth.account, &sip.0)
            .await?;
        Ok(Json(ContactObject::from(&contact)))
    }

    /// An account's contacts
    ///
    /// Access: Admin. Its direct contacts, as account objects, ordered by id.
    #[oai(
        path = "/accounts/:id/contacts",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "listContacts"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> Result<Json<Vec<AccountObject>>, ApiError> {
        let contacts = state(req)?
            .services
            .direct_contacts(request_space(req)?, AccountId(id.0))
            .await?;
        let mut objects = Vec::with_capacity(contacts.len());
        for contact in &contacts {
            objects.push(account_object(req, contact).await?);
        }
        Ok(Json(objects))
    }

    /// One of an account's contacts
    ///
    /// Access: Admin. 404 when it is not one of its direct contacts.
    #[oai(
        path = "/accounts/:id/contacts/:contact_id",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "getContact"
    )]
    async fn get(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        contact_id: Path<i64>,
    ) -> Result<Json<AccountObject>, ApiError> {
        let contact = state(req)?
            .services
            .direct_contact(
                request_space(req)?,
                AccountId(id.0),
                AccountId(contact_id.0),
            )
            .await?;
        Ok(Json(account_object(req, &contact).await?))
    }

    /// Add a contact to an account
    ///
    /// Access: Admin. Both accounts must be of the request's space (404); adding a contact twice
    /// changes nothing. Answers an empty 200.
    #[oai(
        path = "/accounts/:id/contacts/:contact_id",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "addContact"
    )]
    async fn add(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        contact_id: Path<i64>,
    ) -> Result<ContactAdded, ApiError> {
        state(req)?
            .services
            .add_direct_contact(
                request_space(req)?,
                AccountId(id.0),
                AccountId(contact_id.0),
            )
            .await?;
        Ok(ContactAdded::Ok)
    }

    /// Remove a contact from an account
    ///
    /// Access: Admin. 404 when it is not a contact. Answers `1`.
    #[oai(
        path = "/accounts/:id/contacts/:contact_id",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "removeContact"
    )]
    async fn remove(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        contact_id: Path<i64>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        state(req)?
            .services
            .remove_direct_contact(
                request_space(req)?,
                AccountId(id.0),
                AccountId(contact_id.0),
            )
            .await?;
        Ok(PlainText("1"))
    }
}
