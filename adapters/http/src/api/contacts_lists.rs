//! Contacts lists of the request's space: their members, and the accounts they are attached to
//! (Admin).

use flexiapi_domain::contacts::ContactsListInput;
use flexiapi_domain::model::{AccountId, ContactsList, ContactsListId};
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{ApiTags, request_space, state, timestamp};
use crate::auth::AdminCaller;
use crate::error::ApiError;

pub struct ContactsListsApi;

/// A contacts list.
#[derive(Debug, Object)]
#[oai(example)]
pub struct ContactsListObject {
    pub id: i64,
    /// Internal id of the space the list belongs to.
    pub space_id: i64,
    /// Unique across every space.
    pub title: String,
    #[oai(nullable)]
    pub description: Option<String>,
    /// How many accounts are members of the list.
    pub contacts_count: u64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<ContactsList> for ContactsListObject {
    fn from(l: ContactsList) -> Self {
        Self {
            id: l.id.0,
            space_id: l.space_id.0,
            title: l.title.into_string(),
            description: l.description,
            contacts_count: l.contacts_count,
            created_at: timestamp(l.created_at),
            updated_at: timestamp(l.updated_at),
        }
    }
}

impl poem_openapi::types::Example for ContactsListObject {
    fn example() -> Self {
        Self {
            id: 7,
            space_id: 1,
            title: "Reception".into(),
            description: Some("Front desk and concierge".into()),
            contacts_count: 3,
            created_at: "2026-01-01T10:00:00.000000Z".into(),
            updated_at: "2026-01-01T10:00:00.000000Z".into(),
        }
    }
}

/// `POST`/`PUT /contacts_lists` body.
#[derive(Debug, Object)]
#[oai(example)]
pub struct ContactsListBody {
    /// Required, at most 255 characters, unique across every space.
    #[oai(nullable)]
    pub title: Option<String>,
    /// Required.
    #[oai(nullable)]
    pub description: Option<String>,
}

impl poem_openapi::types::Example for ContactsListBody {
    fn example() -> Self {
        Self {
            title: Some("Reception".into()),
            description: Some("Front desk and concierge".into()),
        }
    }
}

impl From<ContactsListBody> for ContactsListInput {
    fn from(b: ContactsListBody) -> Self {
        Self {
            title: b.title,
            description: b.description,
        }
    }
}

#[derive(ApiResponse)]
pub enum ListCreated {
    #[oai(status = 201)]
    Created(Json<ContactsListObject>),
}

#[derive(ApiResponse)]
pub enum Done {
    /// Done (it may already have been so). Empty body.
    #[oai(status = 200)]
    Ok,
}

#[OpenApi]
impl ContactsListsApi {
    /// List contacts lists
    ///
    /// Access: Admin. The lists of the request's space, ordered by id, with their
    /// `contacts_count`.
    #[oai(
        path = "/contacts_lists",
        method = "get",
        tag = "ApiTags::ContactsLists",
        operation_id = "listContactsLists"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: AdminCaller,
    ) -> Result<Json<Vec<ContactsListObject>>, ApiError> {
        let lists = state(req)?
            .services
            .contacts_lists_of(request_space(req)?)
            .await?;
        Ok(Json(lists.into_iter().map(Into::into).collect()))
    }

    /// Create a contacts list
    ///
    /// Access: Admin. In the request's space; `title` (at most 255 characters, unique across
    /// every space) and `description` are required.
    #[oai(
        path = "/contacts_lists",
        method = "post",
        tag = "ApiTags::ContactsLists",
        operation_id = "createContactsList"
    )]
    async fn create(
        &self,
        req: &Request,
        _caller: AdminCaller,
        body: Json<ContactsListBody>,
    ) -> Result<ListCreated, ApiError> {
        let created = state(req)?
            .services
            .create_contacts_list(request_space(req)?, body.0.into())
            .await?;
        Ok(ListCreated::Created(Json(created.into())))
    }

    /// Show a contacts list
    ///
    /// Access: Admin. 404 for a list of another space.
    #[oai(
        path = "/contacts_lists/:id",
        method = "get",
        tag = "ApiTags::ContactsLists",
        operation_id = "getContactsList"
    )]
    async fn show(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> Result<Json<ContactsListObject>, ApiError> {
        let list = state(req)?
            .services
            .contacts_list_in_space(ContactsListId(id.0), request_space(req)?)
            .await?;
        Ok(Json(list.into()))
    }

    /// Update a contacts list
    ///
    /// Access: Admin. Same rules as the creation. Only a list of the request's space can be
    /// updated (404 otherwise): the original loads the list from any space and moves it into the
    /// request's, which this server does not do.
    #[oai(
        path = "/contacts_lists/:id",
        method = "put",
        tag = "ApiTags::ContactsLists",
        operation_id = "updateContactsList"
    )]
    async fn update(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        body: Json<ContactsListBody>,
    ) -> Result<Json<ContactsListObject>, ApiError> {
        let updated = state(req)?
            .services
            .update_contacts_list(request_space(req)?, ContactsListId(id.0), body.0.into())
            .await?;
        Ok(Json(updated.into()))
    }

    /// Update a contacts list (PATCH)
    ///
    /// Access: Admin. The same as `PUT`: the original routes `PUT` and `PATCH` alike.
    #[oai(
        path = "/contacts_lists/:id",
        method = "patch",
        tag = "ApiTags::ContactsLists",
        operation_id = "patchContactsList"
    )]
    async fn patch_update(
        &self,
        req: &Request,
        caller: AdminCaller,
        id: Path<i64>,
        body: Json<ContactsListBody>,
    ) -> Result<Json<ContactsListObject>, ApiError> {
        self.update(req, caller, id, body).await
    }

    /// Delete a contacts list
    ///
    /// Access: Admin. 404 for a list of another space. Answers `1`.
    #[oai(
        path = "/contacts_lists/:id",
        method = "delete",
        tag = "ApiTags::ContactsLists",
        operation_id = "deleteContactsList"
    )]
    async fn delete(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        state(req)?
            .services
            .delete_contacts_list(request_space(req)?, ContactsListId(id.0))
            .await?;
        Ok(PlainText("1"))
    }

    /// Add an account to a contacts list
    ///
    /// Access: Admin. The list and the account must be of the request's space (404); adding an
    /// account twice changes nothing. Answers an empty 200.
    #[oai(
        path = "/contacts_lists/:id/contacts/:contact_id",
        method = "post",
        tag = "ApiTags::ContactsLists",
        operation_id = "addContactsListContact"
    )]
    async fn add_contact(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        contact_id: Path<i64>,
    ) -> Result<Done, ApiError> {
        state(req)?
            .services
            .add_to_contacts_list(
                request_space(req)?,
                ContactsListId(id.0),
                AccountId(contact_id.0),
            )
            .await?;
        Ok(Done::Ok)
    }

    /// Remove an account from a contacts list
    ///
    /// Access: Admin. 404 when the list is of another space or the account is not a member.
    /// Answers `1`.
    #[oai(
        path = "/contacts_lists/:id/contacts/:contact_id",
        method = "delete",
        tag = "ApiTags::ContactsLists",
        operation_id = "removeContactsListContact"
    )]
    async fn remove_contact(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        contact_id: Path<i64>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        state(req)?
            .services
            .remove_from_contacts_list(
                request_space(req)?,
                ContactsListId(id.0),
                AccountId(contact_id.0),
            )
            .await?;
        Ok(PlainText("1"))
    }

    /// Attach a contacts list to an account
    ///
    /// Access: Admin. Its members become the account's contacts. The account and the list must
    /// be of the request's space (404; the original finds the list in any space); 403 when it is
    /// already attached (as the original). Answers an empty 200.
    #[oai(
        path = "/accounts/:id/contacts_lists/:list_id",
        method = "post",
        tag = "ApiTags::ContactsLists",
        operation_id = "attachContactsList"
    )]
    async fn attach(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        list_id: Path<i64>,
    ) -> Result<Done, ApiError> {
        state(req)?
            .services
            .attach_contacts_list(
                request_space(req)?,
                AccountId(id.0),
                ContactsListId(list_id.0),
            )
            .await?;
        Ok(Done::Ok)
    }

    /// Detach a contacts list from an account
    ///
    /// Access: Admin. 404 for an account or a list of another space; 403 when it was not
    /// attached (as the original). Answers `1`.
    #[oai(
        path = "/accounts/:id/contacts_lists/:list_id",
        method = "delete",
        tag = "ApiTags::ContactsLists",
        operation_id = "detachContactsList"
    )]
    async fn detach(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
        list_id: Path<i64>,
    ) -> Result<PlainText<&'static str>, ApiError> {
        state(req)?
            .services
            .detach_contacts_list(
                request_space(req)?,
                AccountId(id.0),
                ContactsListId(list_id.0),
            )
            .await?;
        Ok(PlainText("1"))
    }
}
