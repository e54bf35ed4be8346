//! Accounts as admins manage them: creation, lookup, update, state changes, and the listing.

use std::collections::BTreeMap;

use flexiapi_domain::accounts::{CreateAccount, Creator, UpdateAccount};
use flexiapi_domain::model::{AccountId, SipIdentity};
use poem::Request;
use poem::http::StatusCode;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{
    AccountObject, ApiTags, CodeView, account_object, account_object_with, account_objects_with,
    base_url, client_ip, request_language, request_space, state,
};
use crate::auth::AdminCaller;
use crate::error::ApiError;
use crate::i18n::MessageId;

pub struct AccountsApi;

type ApiResult<T> = Result<T, ApiError>;

/// `POST /accounts` body: the account to create (Admin).
#[derive(Debug, Object)]
#[oai(example)]
pub struct NewAccountRequest {
    /// Required: lower case, a valid SIP user part, not a phone number, unique in the space.
    #[oai(nullable)]
    pub username: Option<String>,
    /// Required, at least 6 characters; stored as the digest hash only.
    #[oai(nullable)]
    pub password: Option<String>,
    /// `MD5` or `SHA-256`; default the space's algorithm.
    #[oai(nullable)]
    pub algorithm: Option<String>,
    /// Super admins only: create the account in the space with this domain.
    #[oai(nullable)]
    pub domain: Option<String>,
    #[oai(nullable)]
    pub email: Option<String>,
    #[oai(nullable)]
    pub display_name: Option<String>,
    /// E.164, e.g. `+33612345678`.
    #[oai(nullable)]
    pub phone: Option<String>,
    /// `sipinfo`, `rfc2833` or `sipmessage`.
    #[oai(nullable)]
    pub dtmf_protocol: Option<String>,
    #[oai(nullable)]
    pub activated: Option<bool>,
    #[oai(nullable)]
    pub admin: Option<bool>,
    /// Free key/value strings for the account's clients; on update, replaces every entry.
    #[oai(nullable)]
    pub dictionary: Option<BTreeMap<String, String>>,
}

/// `PUT /accounts/{id}` body: everything is sent again; omitted text fields are cleared.
#[derive(Debug, Object)]
#[oai(example)]
pub struct UpdateAccountRequest {
    /// Required, same rules as on creation.
    #[oai(nullable)]
    pub username: Option<String>,
    /// When given, replaces every stored password. Required with a move (`domain`).
    #[oai(nullable)]
    pub password: Option<String>,
    #[oai(nullable)]
    pub algorithm: Option<String>,
    /// Super admins only: moves the account to the space with this domain, with the checks of
    /// a creation there (username free, the space neither full nor expired) and a new
    /// `password`. The account's own domain (or none) moves nothing; another one from an admin
    /// who is not a super admin answers 403.
    #[oai(nullable)]
    pub domain: Option<String>,
    #[oai(nullable)]
    pub email: Option<String>,
    #[oai(nullable)]
    pub display_name: Option<String>,
    #[oai(nullable)]
    pub phone: Option<String>,
    #[oai(nullable)]
    pub dtmf_protocol: Option<String>,
    /// Unchanged when omitted.
    #[oai(nullable)]
    pub activated: Option<bool>,
    /// Unchanged when omitted.
    #[oai(nullable)]
    pub blocked: Option<bool>,
    /// Unchanged when omitted.
    #[oai(nullable)]
    pub admin: Option<bool>,
    /// Free key/value strings for the account's clients; on update, replaces every entry.
    #[oai(nullable)]
    pub dictionary: Option<BTreeMap<String, String>>,
}

/// `GET /resolve/{sip}` answer.
#[derive(Debug, Object)]
#[oai(example)]
pub struct Resolved {
    /// Always `account`.
    #[oai(rename = "type")]
    pub kind: String,
    /// The account with its `call_forwardings`, for Flexisip to route its calls.
    pub payload: super::call_forwardings::AccountWithForwardings,
}

/// One page of accounts, in the original's paginator shape.
#[derive(Debug, Object)]
#[oai(example)]
pub struct AccountPage {
    pub current_page: u64,
    pub data: Vec<AccountObject>,
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

#[derive(ApiResponse)]
pub enum Empty {
    #[oai(status = 200)]
    Ok,
}

pub(crate) fn user_agent(req: &Request) -> Option<String> {
    req.headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// An account of the request's space by `username@domain` (with or without `sip:`).
async fn find_by_sip(req: &Request, sip: &str) -> ApiResult<flexiapi_domain::model::Account> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, MessageId::SipAddressNotFound);
    let raw = sip.strip_prefix("sip:").unwrap_or(sip);
    let identity = SipIdentity::parse_user_at_domain(raw).map_err(|_| not_found())?;
    state(req)?
        .services
        .account_in_space_by_identity(request_space(req)?, &identity)
        .await?
        .ok_or_else(not_found)
}

/// Blocks or unblocks an account of the request's space.
async fn set_blocked(req: &Request, id: i64, blocked: bool) -> ApiResult<Json<AccountObject>> {
    let services = &state(req)?.services;
    let account = services
        .account_in_space(AccountId(id), request_space(req)?)
        .await?;
    let updated = services.set_blocked(&account, blocked).await?;
    Ok(Json(account_object(req, &updated).await?))
}

/// Activates or deactivates an account of the request's space, as an admin.
async fn set_activated(req: &Request, id: i64, activated: bool) -> ApiResult<Json<AccountObject>> {
    let services = &state(req)?.services;
    let account = services
        .account_in_space(AccountId(id), request_space(req)?)
        .await?;
    let updated = services.set_activated_by_admin(&account, activated).await?;
    Ok(Json(account_object(req, &updated).await?))
}

#[OpenApi]
impl AccountsApi {
    /// Create an account
    ///
    /// Access: Admin. Answers 200 with the account (as the original). 403 when the space has
    /// reached `max_accounts`; 422 with every broken rule otherwise.
    #[oai(
        path = "/accounts",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "createAccount"
    )]
    async fn create(
        &self,
        req: &Request,
        caller: AdminCaller,
        body: Json<NewAccountRequest>,
    ) -> ApiResult<Json<AccountObject>> {
        let body = body.0;
        let input = CreateAccount {
            username: body.username,
            password: body.password,
            algorithm: body.algorithm,
            domain: body.domain,
            email: body.email,
            display_name: body.display_name,
            phone: body.phone,
            dtmf_protocol: body.dtmf_protocol,
            activated: body.activated,
            admin: body.admin,
            dictionary: body.dictionary,
        };
        let creator = Creator {
            space: request_space(req)?,
            super_admin: caller.0.super_admin,
            ip: Some(client_ip(req)),
            user_agent: user_agent(req),
        };
        let account = state(req)?.services.create_account(input, creator).await?;
        Ok(Json(account_object(req, &account).await?))
    }

    /// Show an account
    ///
    /// Access: Admin. With the pending e-mail and phone changes and their codes. 404 for an
    /// account of another space.
    #[oai(
        path = "/accounts/:id",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "getAccount"
    )]
    async fn show(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Json<AccountObject>> {
        let account = state(req)?
            .services
            .account_in_space(AccountId(id.0), request_space(req)?)
            .await?;
        Ok(Json(
            account_object_with(req, &account, CodeView::AdminShow).await?,
        ))
    }

    /// Delete an account
    ///
    /// Access: Admin. Leaves a tombstone, as `DELETE /accounts/me`.
    #[oai(
        path = "/accounts/:id",
        method = "delete",
        tag = "ApiTags::Accounts",
        operation_id = "deleteAccount"
    )]
    async fn delete(&self, req: &Request, _caller: AdminCaller, id: Path<i64>) -> ApiResult<Empty> {
        let services = &state(req)?.services;
        let account = services
            .account_in_space(AccountId(id.0), request_space(req)?)
            .await?;
        services.delete_account(account.id).await?;
        Ok(Empty::Ok)
    }

    /// Update an account
    ///
    /// Access: Admin. Replaces the account as the original does: `email`, `display_name`,
    /// `phone` and `dtmf_protocol` become null when omitted; flags omitted stay; a `password`
    /// replaces every stored hash. A super admin moves the account to another space with
    /// `domain` (403 for other admins); its account types and contacts lists, which belong to
    /// the old space, are detached.
    #[oai(
        path = "/accounts/:id",
        method = "put",
        tag = "ApiTags::Accounts",
        operation_id = "updateAccount"
    )]
    async fn update(
        &self,
        req: &Request,
        caller: AdminCaller,
        id: Path<i64>,
        body: Json<UpdateAccountRequest>,
    ) -> ApiResult<Json<AccountObject>> {
        let body = body.0;
        let space = request_space(req)?;
        let moves = body
            .domain
            .as_deref()
            .map(str::trim)
            .is_some_and(|d| !d.is_empty() && d != space.domain.as_str());
        if moves && !caller.0.super_admin {
            return Err(flexiapi_domain::access::AccessError::NotSuperAdmin.into());
        }
        let input = UpdateAccount {
            domain: body.domain,
            username: body.username,
            password: body.password,
            algorithm: body.algorithm,
            email: body.email,
            display_name: body.display_name,
            phone: body.phone,
            dtmf_protocol: body.dtmf_protocol,
            activated: body.activated,
            blocked: body.blocked,
            admin: body.admin,
            dictionary: body.dictionary,
        };
        let account = state(req)?
            .services
            .update_account(AccountId(id.0), space, input, user_agent(req))
            .await?;
        Ok(Json(account_object(req, &account).await?))
    }

    /// Find an account by SIP address
    ///
    /// Access: Admin. `sip` is `username@domain`, in the request's space. The whole account
    /// object, as `GET /accounts/{id}` answers it (dictionary, types, actions, provisioning
    /// token, pending changes), with the account's `call_forwardings`.
    #[oai(
        path = "/accounts/:sip/search",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "searchAccount"
    )]
    async fn search(
        &self,
        req: &Request,
        _caller: AdminCaller,
        sip: Path<String>,
    ) -> ApiResult<Json<super::call_forwardings::AccountWithForwardings>> {
        let account = find_by_sip(req, &sip.0).await?;
        let object = account_object_with(req, &account, CodeView::AdminShow).await?;
        Ok(Json(
            super::call_forwardings::with_forwardings(req, &account, object).await?,
        ))
    }

    /// Find an account by email
    ///
    /// Access: Admin. The first account of the request's space with that email, with its
    /// `call_forwardings`.
    #[oai(
        path = "/accounts/:email/search-by-email",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "searchAccountByEmail"
    )]
    async fn search_by_email(
        &self,
        req: &Request,
        _caller: AdminCaller,
        email: Path<String>,
    ) -> ApiResult<Json<super::call_forwardings::AccountWithForwardings>> {
        let space = request_space(req)?;
        let account = state(req)?
            .services
            .account_by_email(space, &email.0)
            .await?
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, MessageId::EmailNotFound))?;
        let object = account_object(req, &account).await?;
        Ok(Json(
            super::call_forwardings::with_forwardings(req, &account, object).await?,
        ))
    }

    /// Resolve a SIP address
    ///
    /// Access: Admin. `{"type": "account", "payload": <account>}` for `username@domain`; the
    /// account carries its `call_forwardings`, which Flexisip routes its calls by.
    #[oai(
        path = "/resolve/:sip",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "resolve"
    )]
    async fn resolve(
        &self,
        req: &Request,
        _caller: AdminCaller,
        sip: Path<String>,
    ) -> ApiResult<Json<Resolved>> {
        let account = find_by_sip(req, &sip.0).await?;
        let object = account_object(req, &account).await?;
        Ok(Json(Resolved {
            kind: "account".into(),
            payload: super::call_forwardings::with_forwardings(req, &account, object).await?,
        }))
    }

    /// Renew an account's provisioning token
    ///
    /// Access: Admin. A new single-use provisioning token replaces the unused one; the account is
    /// answered with it.
    #[oai(
        path = "/accounts/:id/provision",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "provisionAccount"
    )]
    async fn provision(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Json<AccountObject>> {
        let services = &state(req)?.services;
        let account = services
            .account_in_space(AccountId(id.0), request_space(req)?)
            .await?;
        services
            .new_provisioning_token(&account, Some(client_ip(req)), user_agent(req))
            .await?;
        Ok(Json(account_object(req, &account).await?))
    }

    /// E-mail an account its provisioning link
    ///
    /// Access: Admin. Sends the account's address a fresh provisioning link (and its QR code) in
    /// the request's language; the new token replaces the unused one once the message is sent.
    /// 403 `No email configured` when the account has no e-mail address, 403 for a blocked
    /// account or one an admin deactivated; 503 when no mail server is configured, or when it
    /// refused the message or cannot be reached: then nothing changed. 404 for an account of
    /// another space.
    #[oai(
        path = "/accounts/:id/send_provisioning_email",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "sendProvisioningEmail"
    )]
    async fn send_provisioning_email(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Empty> {
        let base = base_url(req)?;
        let link = |token: &str| {
            let token =
                percent_encoding::utf8_percent_encode(token, percent_encoding::NON_ALPHANUMERIC);
            format!("{base}/provisioning/{token}")
        };
        let origin = flexiapi_domain::registration::Origin {
            ip: Some(client_ip(req)),
            user_agent: user_agent(req),
        };
        state(req)?
            .services
            .send_provisioning_email(
                AccountId(id.0),
                request_space(req)?,
                &request_language(req)?,
                origin,
                link,
            )
            .await?;
        Ok(Empty::Ok)
    }

    /// Activate an account
    ///
    /// Access: Admin.
    #[oai(
        path = "/accounts/:id/activate",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "activateAccount"
    )]
    async fn activate(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Json<AccountObject>> {
        set_activated(req, id.0, true).await
    }

    /// Deactivate an account
    ///
    /// Access: Admin. The SIP server stops authenticating it, and until an admin activates it
    /// again the account gets no provisioning (403) and cannot activate itself.
    #[oai(
        path = "/accounts/:id/deactivate",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "deactivateAccount"
    )]
    async fn deactivate(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Json<AccountObject>> {
        set_activated(req, id.0, false).await
    }

    /// Block an account
    ///
    /// Access: Admin. A blocked account gets 403 on every authenticated endpoint.
    #[oai(
        path = "/accounts/:id/block",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "blockAccount"
    )]
    async fn block(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Json<AccountObject>> {
        set_blocked(req, id.0, true).await
    }

    /// Unblock an account
    ///
    /// Access: Admin.
    #[oai(
        path = "/accounts/:id/unblock",
        method = "post",
        tag = "ApiTags::Accounts",
        operation_id = "unblockAccount"
    )]
    async fn unblock(
        &self,
        req: &Request,
        _caller: AdminCaller,
        id: Path<i64>,
    ) -> ApiResult<Json<AccountObject>> {
        set_blocked(req, id.0, false).await
    }

    /// List accounts
    ///
    /// Access: Admin. Accounts of the request's space, 20 per page (`per_page` up to 100),
    /// filtered by `search` on username, email and phone; with the pending e-mail and phone
    /// changes, without their codes.
    #[oai(
        path = "/accounts",
        method = "get",
        tag = "ApiTags::Accounts",
        operation_id = "listAccounts"
    )]
    async fn list(
        &self,
        req: &Request,
        _caller: AdminCaller,
        page: Query<Option<u64>>,
        per_page: Query<Option<u64>>,
        search: Query<Option<String>>,
    ) -> ApiResult<Json<AccountPage>> {
        let space = request_space(req)?;
        let per_page = per_page.0.unwrap_or(20).clamp(1, 100);
        let page_number = page.0.unwrap_or(1).max(1);
        let page = state(req)?
            .services
            .list_accounts(&space.domain, page_number, per_page, search.0.clone())
            .await?;
        let data = account_objects_with(req, &page.items, CodeView::AdminList).await?;
        let path = format!("{}/api/accounts", base_url(req)?);
        let url = |n: u64| format!("{path}?page={n}");
        let last_page = page.last_page();
        let from = (page.page - 1) * page.per_page + 1;
        let shown = page.items.len() as u64;
        Ok(Json(AccountPage {
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
            data,
        }))
    }
}

impl poem_openapi::types::Example for NewAccountRequest {
    fn example() -> Self {
        Self {
            username: Some("alice".into()),
            password: Some("a-passphrase".into()),
            algorithm: Some("SHA-256".into()),
            domain: None,
            email: Some("alice@example.org".into()),
            display_name: Some("Alice".into()),
            phone: Some("+33612345678".into()),
            dtmf_protocol: Some("rfc2833".into()),
            activated: Some(true),
            admin: Some(false),
            dictionary: Some(BTreeMap::from([("language".to_owned(), "fr".to_owned())])),
        }
    }
}

impl poem_openapi::types::Example for UpdateAccountRequest {
    fn example() -> Self {
        Self {
            username: Some("alice".into()),
            password: None,
            algorithm: None,
            domain: None,
            email: Some("alice@example.org".into()),
            display_name: Some("Alice Liddell".into()),
            phone: None,
            dtmf_protocol: Some("rfc2833".into()),
            activated: Some(true),
            blocked: Some(false),
            admin: Some(false),
            dictionary: None,
        }
    }
}

impl poem_openapi::types::Example for Resolved {
    fn example() -> Self {
        Self {
            kind: "account".into(),
            payload: poem_openapi::types::Example::example(),
        }
    }
}

impl poem_openapi::types::Example for AccountPage {
    fn example() -> Self {
        let path = "https://sip.example.org/api/accounts".to_owned();
        Self {
            current_page: 1,
            data: vec![poem_openapi::types::Example::example()],
            first_page_url: format!("{path}?page=1"),
            from: Some(1),
            last_page: 1,
            last_page_url: format!("{path}?page=1"),
            next_page_url: None,
            path,
            per_page: 20,
            prev_page_url: None,
            to: Some(1),
            total: 1,
        }
    }
}
