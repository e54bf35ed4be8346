//! The HTTP adapter: poem-openapi operations under `/api`, the authentication extractors, the
//! root middleware, and the single mapping from domain errors to localized HTTP answers.
//!
//! # Layout
//! - `api`: operations and JSON shapes, one module per resource.
//! - `auth`: the security-scheme extractors (`UserCaller`, `AdminCaller`, `SuperAdminCaller`).
//! - `error`: `ApiError` and every domain error's status and message id.
//! - `i18n`: Fluent catalogues and `Accept-Language` negotiation.
//! - `middleware`: space resolution, JSON checks, error rendering, logging.
//! - `state`: what requests share.

// `ApiError` carries its message, field errors and challenges; it is built once per failing
// request, so boxing it would only add an allocation on the error path.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod auth;
pub mod error;
pub mod i18n;
pub mod middleware;
pub mod state;

use poem::{Endpoint, EndpointExt, Route};
use poem_openapi::OpenApiService;

pub use state::{AppState, HttpSettings};

type Apis = (
    api::ping::PingApi,
    api::accounts::AccountsApi,
    api::api_keys::ApiKeysApi,
    api::spaces::SpacesApi,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            api::ping::PingApi,
            api::accounts::AccountsApi,
            api::api_keys::ApiKeysApi,
            api::spaces::SpacesApi,
        ),
        "flexiapi",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "A Flexisip Account Manager REST API. Send `Accept: application/json` and \
         `Content-Type: application/json`; errors are JSON `{\"message\"}` (422 adds `errors`), \
         localized from `Accept-Language` (en, fr).",
    )
    .server("/api")
}

/// The OpenAPI 3 document, as JSON.
pub fn openapi_json() -> String {
    service().spec()
}

/// Every route, wrapped in the root middleware, with `state` attached.
pub fn app(state: AppState) -> impl Endpoint {
    let service = service();
    let spec = service.spec_endpoint();
    Route::new()
        .at("/api/openapi.json", spec)
        .nest("/api", service)
        .around(middleware::root)
        .data(state)
}
