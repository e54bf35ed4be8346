//! The HTTP adapter: poem-openapi operations under `/api`, the authentication extractors, the
//! root middleware, and the single mapping from domain errors to localized HTTP answers.
//!
//! # Layout
//! - `api`: operations and JSON shapes, one module per resource.
//! - `auth`: the security-scheme extractors (`UserCaller`, `AdminCaller`, `SuperAdminCaller`).
//! - `error`: `ApiError` and every domain error's status and message id.
//! - `forwarded`: the client's address and scheme behind trusted reverse proxies.
//! - `i18n`: Fluent catalogues and `Accept-Language` negotiation.
//! - `middleware`: space resolution, JSON checks, error rendering, logging.
//! - `state`: what requests share.

// `ApiError` carries its message, field errors and challenges; it is built once per failing
// request, so boxing it would only add an allocation on the error path.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod audit_subject;
pub mod auth;
pub mod document;
pub mod error;
pub mod files;
pub mod forwarded;
pub mod i18n;
pub mod metrics;
pub mod middleware;
pub mod state;

use poem::{Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Route};
use poem_openapi::OpenApiService;

pub use files::LocalFiles;
pub use forwarded::TrustedProxies;
pub use state::{AppState, HttpSettings, PublicScheme, SharedState};

/// The API's resources, in the order of the document: written once, as the service's type and
/// its value.
macro_rules! apis {
    ($($api:path),* $(,)?) => {
        type Apis = nested!(type $($api),*);

        fn apis() -> Apis {
            nested!(value $($api),*)
        }
    };
}

/// `(A, (B, C))`: poem-openapi implements `OpenApi` for tuples of at most 16, and for a
/// tuple of tuples, so nesting pairs takes any number of APIs in the same order.
macro_rules! nested {
    (type $api:path) => { $api };
    (type $api:path, $($rest:path),+) => { ($api, nested!(type $($rest),+)) };
    (value $api:path) => { $api };
    (value $api:path, $($rest:path),+) => { ($api, nested!(value $($rest),+)) };
}

apis!(
    api::ping::PingApi,
    api::me::MeApi,
    api::turn::TurnApi,
    api::accounts::AccountsApi,
    api::api_keys::ApiKeysApi,
    api::devices::DevicesApi,
    api::dictionary::DictionaryApi,
    api::external_accounts::ExternalAccountsApi,
    api::account_types::AccountTypesApi,
    api::actions::ActionsApi,
    api::contacts::ContactsApi,
    api::contacts_lists::ContactsListsApi,
    api::phone_countries::PhoneCountriesApi,
    api::spaces::SpacesApi,
    api::space_email_servers::SpaceEmailServersApi,
    api::creation_tokens::CreationTokensApi,
    api::audit::AuditApi,
    api::change_codes::ChangeCodesApi,
    api::reset_password::ResetPasswordApi,
    api::push_tokens::PushTokensApi,
    api::call_forwardings::CallForwardingsApi,
    api::voicemails::VoicemailsApi,
    api::statistics::StatisticsApi,
    api::wizards::WizardsApi,
    api::vcards::VcardsApi,
    api::carddavs::CardDavsApi,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(apis(), "flexiapi", env!("CARGO_PKG_VERSION"))
        .description(
            "A Flexisip Account Manager REST API. Send `Accept: application/json` and \
         `Content-Type: application/json`; errors are JSON `{\"message\"}` (422 adds `errors`), \
         localized from `Accept-Language` (en, fr).\n\n\
         A JSON body is read against its schema: a field of the wrong JSON type answers 422 on \
         that field (a boolean may also be sent as `0`, `1`, `\"true\"`, `\"false\"`, an \
         integer as an integral string, a string as a number, as the original accepts). A \
         field the operation does not know is ignored, as the original does, and named in the \
         answer's `Warning` header: `Warning: 299 flexiapi \"ignored fields: a, b\"`. The \
         request schemas say `additionalProperties: false` so that generated clients can be \
         strict; the server still tolerates unknown fields. A 405 carries `Allow` with the \
         route's methods. Every path is given from the host's root (server `/`): the API \
         under `/api`, provisioning under `/provisioning`.",
        )
        .server("/api")
}

/// Metrics labelled by the API's route templates.
pub fn api_metrics() -> metrics::Metrics {
    let doc: serde_json::Value = serde_json::from_str(&service().spec()).unwrap_or_default();
    let paths: Vec<String> = doc["paths"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    metrics::Metrics::new(&paths)
}

/// Provisioning lives outside `/api`, where Linphone apps look for it: its own service, routed
/// at the root, and merged into the one document.
/// The voicemail downloads (`/f/…`) and the address books (`/contacts/vcard…`,
/// `/vcards-storage…`) are served from the root as well, through this service.
fn provisioning_service() -> OpenApiService<
    (
        api::provisioning::ProvisioningApi,
        api::voicemails::FilesApi,
        api::vcards::WebVcardsApi,
    ),
    (),
> {
    OpenApiService::new(
        (
            api::provisioning::ProvisioningApi,
            api::voicemails::FilesApi,
            api::vcards::WebVcardsApi,
        ),
        "flexiapi",
        env!("CARGO_PKG_VERSION"),
    )
}

/// The OpenAPI 3 document, as JSON: the `/api` operations and the provisioning ones, every
/// path given from the host's root (one server, `/`), so that a generated client or Swagger UI's
/// "try it out" calls `/api/accounts` and `/provisioning/me` alike. Each operation also gets
/// `x-access-level` (Public, User, Admin, Super Admin), read from the "Access: ..." sentence its
/// description starts with; the request schemas get `additionalProperties: false`.
pub fn openapi_json() -> String {
    let spec = service().spec();
    let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(&spec) else {
        return spec;
    };
    if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
        *paths = std::mem::take(paths)
            .into_iter()
            .map(|(path, item)| (format!("/api{path}"), item))
            .collect();
    }
    doc["servers"] = serde_json::json!([{"url": "/"}]);
    if let Ok(extra) = serde_json::from_str::<serde_json::Value>(&provisioning_service().spec()) {
        merge_root_paths(&mut doc, extra);
    }
    annotate_access_levels(&mut doc);
    strict_request_schemas(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or(spec)
}

/// `additionalProperties: false` on every object schema a request body reaches (not on the
/// answers' schemas): generated clients send only known fields, while the server tolerates and
/// names the others (`document`).
fn strict_request_schemas(doc: &mut serde_json::Value) {
    use serde_json::Value;
    fn refs(schema: &Value, out: &mut Vec<String>) {
        match schema {
            Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.push(name.to_owned());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut pending = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for op in paths
            .values()
            .filter_map(Value::as_object)
            .flat_map(|i| i.values())
        {
            if let Some(content) = op["requestBody"]["content"].as_object() {
                for (media, body) in content {
                    if media.starts_with("application/json") {
                        refs(&body["schema"], &mut pending);
                    }
                }
            }
        }
    }
    let mut done = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        let Some(schema) = doc["components"]["schemas"].get_mut(&name) else {
            continue;
        };
        refs(schema, &mut pending);
        if let Some(map) = schema.as_object_mut()
            && map.get("type").and_then(Value::as_str) == Some("object")
            && map.contains_key("properties")
            && !map.contains_key("additionalProperties")
        {
            map.insert("additionalProperties".into(), Value::Bool(false));
        }
    }
}

/// Adds `extra`'s paths (served from the root, not `/api`), tags and components to `doc`.
fn merge_root_paths(doc: &mut serde_json::Value, extra: serde_json::Value) {
    use serde_json::Value;
    if let (Some(paths), Some(extra_paths)) = (
        doc.get_mut("paths").and_then(Value::as_object_mut),
        extra.get("paths").and_then(Value::as_object),
    ) {
        for (path, item) in extra_paths {
            paths.insert(path.clone(), item.clone());
        }
    }
    if let (Some(tags), Some(extra_tags)) = (
        doc.get_mut("tags").and_then(Value::as_array_mut),
        extra.get("tags").and_then(Value::as_array),
    ) {
        tags.extend(extra_tags.iter().cloned());
    }
    if let Some(extra_components) = extra.get("components").and_then(Value::as_object) {
        let components = doc.as_object_mut().map(|d| {
            d.entry("components")
                .or_insert_with(|| serde_json::json!({}))
        });
        if let Some(components) = components.and_then(Value::as_object_mut) {
            for (kind, entries) in extra_components {
                let target = components
                    .entry(kind.clone())
                    .or_insert_with(|| serde_json::json!({}));
                if let (Some(target), Some(entries)) = (target.as_object_mut(), entries.as_object())
                {
                    for (name, entry) in entries {
                        target.entry(name.clone()).or_insert_with(|| entry.clone());
                    }
                }
            }
        }
    }
}

fn annotate_access_levels(doc: &mut serde_json::Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for operation in paths
            .values_mut()
            .filter_map(|item| item.as_object_mut())
            .flat_map(|item| item.values_mut())
        {
            let level = operation
                .get("description")
                .and_then(|d| d.as_str())
                .and_then(|d| d.strip_prefix("Access: "))
                .and_then(|rest| rest.split('.').next())
                .map(str::to_owned);
            if let (Some(level), Some(op)) = (level, operation.as_object_mut()) {
                op.insert("x-access-level".into(), serde_json::Value::String(level));
            }
        }
    }
}

/// `/api` itself answers the documentation page; everything below goes to the operations.
struct ApiWithDocs<E> {
    api: E,
    docs: poem::web::Html<String>,
}

impl<E: Endpoint> Endpoint for ApiWithDocs<E> {
    type Output = poem::Response;

    async fn call(&self, req: poem::Request) -> poem::Result<Self::Output> {
        if matches!(req.uri().path(), "" | "/") && req.method() == poem::http::Method::GET {
            return Ok(self.docs.clone().into_response());
        }
        self.api.call(req).await.map(IntoResponse::into_response)
    }
}

/// Ready when the database answers.
#[poem::handler]
async fn ready(state: poem::web::Data<&AppState>) -> poem::Result<&'static str> {
    state.services.ping().await.map_err(error::ApiError::from)?;
    Ok("ok")
}

/// The Prometheus text exposition.
#[poem::handler]
fn metrics_text(state: poem::web::Data<&AppState>) -> poem::Response {
    poem::Response::builder()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render(
            state.services.pool_usage(),
            state.services.notifier.counts(),
            state.services.b2bua.failures(),
        ))
}

/// `/metrics` alone, for its own listener (`metrics_bind`): no space, no middleware; whoever
/// reaches that address may read it.
pub fn metrics_app(state: AppState) -> impl Endpoint {
    Route::new()
        .at("/metrics", poem::get(metrics_text))
        .data(state)
}

/// Every route, wrapped in the root middleware, with `state` attached.
pub fn app(state: AppState) -> impl Endpoint {
    app_with(state, |routes| routes)
}

/// [`app`] with the routes `pages` adds (the web pages), behind the same root middleware: they
/// get the request's space, client address, scheme and language as the API does.
pub fn app_with(state: AppState, pages: impl FnOnce(Route) -> Route) -> impl Endpoint {
    let service = service();
    let spec = openapi_json();
    // Swagger UI embeds the document it is given: the served one (with provisioning, paths
    // from the root) replaces the `/api` service's own.
    let docs = poem::web::Html(
        service
            .swagger_ui_html()
            .replacen(&service.spec(), &spec, 1),
    );
    let routes = std::sync::Arc::new(document::RouteTable::new(&spec));
    pages(Route::new())
        .at("/health/live", poem::endpoint::make_sync(|_| "ok"))
        .at("/health/ready", poem::get(ready))
        .at("/metrics", poem::get(metrics_text))
        .at(
            "/api/openapi.json",
            poem::endpoint::make_sync(move |_| {
                poem::Response::builder()
                    .content_type("application/json")
                    .body(spec.clone())
            }),
        )
        .nest(
            "/api",
            ApiWithDocs {
                api: service.into_endpoint(),
                docs,
            },
        )
        .nest_no_strip("/provisioning", provisioning_service().into_endpoint())
        .nest_no_strip("/f", provisioning_service().into_endpoint())
        .nest_no_strip("/contacts/vcard", provisioning_service().into_endpoint())
        .nest_no_strip("/vcards-storage", provisioning_service().into_endpoint())
        .around(middleware::root)
        .data(routes)
        .data(state)
}
