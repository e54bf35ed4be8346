//! The root middleware: resolves the space from `Host` (an expired one answers 403 on every
//! route but `/api/ping`), works out the client's address and scheme (believing forwarding
//! headers from trusted proxies only), negotiates the language, checks JSON bodies, renders every
//! error as localized JSON, fixes the JSON content type, echoes (or makes) `X-Request-Id`, and
//! logs one line per request (plus a `security` line at `warn` for refused credentials and 429s),
//! all inside a `request` span carrying the request id.

use std::sync::Arc;
use std::time::Instant;

use flexiapi_domain::access::AccessError;
use flexiapi_domain::model::{NewAuditEvent, normalize_host};
use poem::http::header::{ALLOW, CONTENT_LANGUAGE, CONTENT_TYPE, HOST};
use poem::http::{HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};
use tracing::Instrument;

use crate::audit_subject::audit_subject;
use crate::document::{IGNORED_FIELDS_HEADER, RouteTable};
use crate::error::ApiError;
use crate::forwarded;
use crate::i18n::{Arg, MessageId};
use crate::state::{
    AppState, AuditActor, ClientCertificateSubject, ClientIp, HttpSettings, PublicScheme,
    RequestLog, RequestScheme, RequestSpace, ResponseHeaders,
};

/// The header a request id comes in and goes back out in.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The client's request id when it is sane (1 to 64 of `[A-Za-z0-9._:-]`), else a fresh one.
fn request_id(req: &Request, state: &AppState) -> String {
    req.headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            (1..=64).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-_:".contains(&b))
        })
        .map_or_else(|| state.services.tokens.alphanumeric(20), str::to_owned)
}

/// May this peer read `/metrics` on the main listener? Not when it has a listener of its own;
/// else only loopback peers and trusted proxies (the figures are not for everyone).
fn metrics_allowed(req: &Request, settings: &HttpSettings) -> bool {
    if settings.metrics_elsewhere {
        return false;
    }
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_canonical())
        .is_some_and(|ip| ip.is_loopback() || settings.trusted_proxies.contains(ip))
}

/// The JSON object a POST answered with (what it created, for the audit trail), and the answer
/// itself, unchanged. Only small JSON answers are read: a created object, never a file.
async fn created_object(response: Response, json: bool) -> (Response, Option<serde_json::Value>) {
    const LARGEST: u64 = 64 * 1024;
    let small = response
        .headers()
        .get(poem::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_none_or(|n| n <= LARGEST);
    if !json || !small {
        return (response, None);
    }
    let (parts, body) = response.into_parts();
    match body.into_bytes().await {
        Ok(bytes) => {
            let created = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .filter(serde_json::Value::is_object);
            (
                Response::from_parts(parts, poem::Body::from(bytes)),
                created,
            )
        }
        // The body could not be read back: the change is still recorded, without the object.
        Err(_) => (Response::from_parts(parts, poem::Body::empty()), None),
    }
}

/// The one route an expired space still answers (liveness of the host, no data).
const PING_PATH: &str = "/api/ping";

/// Host name of the request, lower-case, without port.
fn request_host(req: &Request) -> Option<String> {
    let raw = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().host().map(str::to_owned))?;
    let without_port = if raw.starts_with('[') {
        raw.split(']').next().map(|h| format!("{h}]"))?
    } else {
        raw.split(':').next()?.to_owned()
    };
    normalize_host(&without_port)
}

/// The client's address and scheme: the socket's, or what a trusted proxy says.
fn client_origin(req: &Request, settings: &HttpSettings) -> (String, PublicScheme) {
    let origin = forwarded::origin(
        req.remote_addr().as_socket_addr().map(|a| a.ip()),
        req.scheme() == &poem::http::uri::Scheme::HTTPS || req.uri().scheme_str() == Some("https"),
        req.headers(),
        &settings.trusted_proxies,
    );
    let ip = origin
        .ip
        .map_or_else(|| "unknown".into(), |ip| ip.to_string());
    let scheme = settings.public_scheme.unwrap_or(if origin.https {
        PublicScheme::Https
    } else {
        PublicScheme::Http
    });
    (ip, scheme)
}

/// The verified client certificate's subject, when the configured header carries one and the
/// peer (the TLS terminator) is a trusted proxy: anyone else could write the header.
fn client_certificate(req: &Request, settings: &HttpSettings) -> Option<ClientCertificateSubject> {
    let name = settings.client_certificate_header.as_deref()?;
    let peer = req.remote_addr().as_socket_addr().map(|a| a.ip())?;
    if !settings.trusted_proxies.contains(peer) {
        return None;
    }
    let value = req.headers().get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| ClientCertificateSubject(value.to_owned()))
}

/// The voicemail uploads (`POST /api/files/{uuid}`), whose bodies are not buffered.
const UPLOAD_PATH_PREFIX: &str = "/api/files/";

fn is_json(req: &Request) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let mime = v.split(';').next().unwrap_or_default().trim();
            mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
        })
}

/// The path with secrets in it (tokens after `api_key/`, `auth_token/`, `provisioning/`,
/// `provisioning/qrcode/`, `reset_password/`, `recovery/phone/`) replaced, for logs.
fn loggable_path(path: &str) -> String {
    let mut previous = "";
    let mut before = "";
    path.split('/')
        .map(|segment| {
            let secret = (matches!(
                previous,
                "api_key" | "auth_token" | "provisioning" | "qrcode" | "reset_password"
            ) || (before == "recovery" && previous == "phone"))
                && !matches!(segment, "" | "me" | "qrcode")
                // Anything shaped like a key, wherever a client put it.
                || segment.len() >= 32;
            before = previous;
            previous = segment;
            if secret { "***" } else { segment }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The host for logs: a label shaped like a key (32 characters or more) is masked, as in paths.
fn loggable_host(host: Option<&str>) -> String {
    host.map_or_else(
        || "-".to_owned(),
        |h| {
            h.split('.')
                .map(|label| if label.len() >= 32 { "***" } else { label })
                .collect::<Vec<_>>()
                .join(".")
        },
    )
}

/// Translates what poem and poem-openapi return as errors into our `ApiError`.
fn to_api_error(err: poem::Error) -> ApiError {
    if let Some(api) = err.downcast_ref::<ApiError>() {
        return api.clone();
    }
    let status = err.status();
    let id = match status {
        StatusCode::NOT_FOUND => MessageId::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => MessageId::MethodNotAllowed,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => MessageId::UnsupportedMediaType,
        StatusCode::PAYLOAD_TOO_LARGE => MessageId::PayloadTooLarge,
        StatusCode::BAD_REQUEST if err.is::<poem_openapi::error::ParseRequestPayloadError>() => {
            MessageId::InvalidJson
        }
        StatusCode::BAD_REQUEST => MessageId::BadRequest,
        StatusCode::UNAUTHORIZED => MessageId::ApiKeyRequired,
        s if s.is_server_error() => {
            tracing::error!(error = %err, "unhandled server error");
            MessageId::InternalError
        }
        _ => MessageId::BadRequest,
    };
    ApiError::new(status, id)
}

/// Runs the request through `ep` with everything above applied.
pub async fn root<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let Some(state) = req.data::<AppState>().cloned() else {
        return Ok(ApiError::internal().into_response());
    };
    let id = request_id(&req, &state);
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = handle(ep, req, state).instrument(span).await?;
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    Ok(response)
}

async fn handle<E: Endpoint>(
    ep: Arc<E>,
    mut req: Request,
    state: AppState,
) -> poem::Result<Response> {
    let started = Instant::now();
    let method = req.method().clone();
    // Kept raw: the loggable form is only built where it is written out.
    let path = req.uri().path().to_owned();
    let host = request_host(&req);
    let routes = req.data::<Arc<RouteTable>>().cloned().unwrap_or_default();
    let lang = state
        .settings
        .languages
        .negotiate(
            req.headers()
                .get("accept-language")
                .and_then(|v| v.to_str().ok()),
        )
        .clone();

    let response_headers = ResponseHeaders::default();
    let audit_actor = AuditActor::default();
    let request_log = RequestLog::default();
    let (ip, scheme) = client_origin(&req, &state.settings);
    let caller_ip = ip.clone();
    let outcome: Result<Response, ApiError> = async {
        // Two `Host` headers: which one picked the space is anyone's guess (RFC 9112 §3.2).
        if req.headers().get_all(HOST).iter().nth(1).is_some() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                MessageId::DuplicateHostHeader,
            ));
        }
        if path == "/metrics" && !metrics_allowed(&req, &state.settings) {
            return Err(ApiError::new(StatusCode::NOT_FOUND, MessageId::NotFound));
        }
        // Probes and scrapers come by IP: no space to resolve.
        if path.starts_with("/health/") || path == "/metrics" {
            return ep
                .call(req)
                .await
                .map(IntoResponse::into_response)
                .map_err(to_api_error);
        }
        let host = host
            .clone()
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, MessageId::HostMissing))?;
        // The host it got and how to serve it: the first thing an operator needs to see.
        let space = state.services.space_by_host(&host).await?.ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, MessageId::HostNotConfigured)
                .with_arg("host", Arg::Text(host.clone()))
        })?;
        // An expired space serves nothing but `ping`: public routes (registration,
        // provisioning, auth tokens…) included, as the original does for its whole host.
        if space.is_expired(state.services.now()) && path != PING_PATH {
            return Err(AccessError::SpaceExpired.into());
        }
        req.extensions_mut().insert(RequestSpace(space));
        req.extensions_mut().insert(ClientIp(caller_ip));
        req.extensions_mut().insert(RequestScheme(scheme));
        if let Some(subject) = client_certificate(&req, &state.settings) {
            req.extensions_mut().insert(subject);
        }
        req.extensions_mut().insert(response_headers.clone());
        req.extensions_mut().insert(audit_actor.clone());
        req.extensions_mut().insert(request_log.clone());

        // Uploads are streamed to disk by their handler, under their own limit.
        let streamed = method == Method::POST && path.starts_with(UPLOAD_PATH_PREFIX);
        if method != Method::GET && method != Method::HEAD && !streamed {
            let body = req
                .take_body()
                .into_bytes_limit(state.settings.max_body_bytes)
                .await
                .map_err(|_| {
                    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, MessageId::PayloadTooLarge)
                })?;
            let mut body = body;
            // The body's type mistakes, answered only if the operation's parser refuses the
            // body: after the caller is authenticated (a stranger learns 401, not the schema).
            let mut mistakes = None;
            if is_json(&req) && !body.iter().all(u8::is_ascii_whitespace) {
                if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        MessageId::InvalidJson,
                    ));
                }
                if let Some(check) = routes.check_body(&method, &path, &body) {
                    if !check.ignored.is_empty() {
                        response_headers.push(
                            IGNORED_FIELDS_HEADER,
                            format!(
                                "299 flexiapi \"ignored fields: {}\"",
                                check.ignored.join(", ").replace(['"', '\\'], "")
                            ),
                        );
                    }
                    if !check.errors.is_empty() {
                        mistakes = Some(check.errors);
                    }
                    if let Some(rewritten) = check.rewritten {
                        body = rewritten.into();
                    }
                }
            }
            req.set_body(body);
            return ep.call(req).await.map(IntoResponse::into_response).map_err(
                |err| match mistakes {
                    Some(errors) if err.is::<poem_openapi::error::ParseRequestPayloadError>() => {
                        ApiError::validation(&errors)
                    }
                    _ => to_api_error(err),
                },
            );
        }
        ep.call(req)
            .await
            .map(IntoResponse::into_response)
            .map_err(to_api_error)
    }
    .await;

    let mut response = match outcome {
        Ok(r) => r,
        Err(e) => e.render(&lang),
    };
    // RFC 9110 §15.5.6: a 405 lists the methods the route has.
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(allow) = routes.allow(&path)
        && let Ok(v) = HeaderValue::from_str(&allow)
    {
        response.headers_mut().insert(ALLOW, v);
    }
    let headers = response.headers_mut();
    for (name, value) in response_headers.take() {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.append(name, v);
        }
    }
    // The Linphone SDK accepts exactly `application/json`, and poem adds a charset.
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if let Ok(v) = HeaderValue::from_str(&lang.to_string()) {
        headers.insert(CONTENT_LANGUAGE, v);
    }
    let mutating = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    if mutating
        && response.status().is_success()
        && let Some((actor_id, actor)) = audit_actor.take()
    {
        let (answer, created) = created_object(response, json && method == Method::POST).await;
        response = answer;
        let event = NewAuditEvent {
            actor_id,
            actor,
            method: method.to_string(),
            path: loggable_path(&path),
            subject: audit_subject(
                state.metrics.route(&path),
                &path,
                actor_id,
                created.as_ref(),
            ),
            status: response.status().as_u16(),
            ip: ip.clone(),
            created_at: state.services.now(),
        };
        // The change is made: a failure to record it is logged, not answered.
        if let Err(e) = state.services.record_audit_event(event).await {
            tracing::error!(error = %e, "could not record an audit event");
        }
    }
    state.metrics.observe(
        method.as_str(),
        &path,
        response.status().as_u16(),
        started.elapsed(),
    );
    let logged = request_log.take();
    let status = response.status();
    // One stable shape a fail2ban filter matches (README, "Logs"): the message itself, so text
    // and JSON lines both carry it.
    let security = logged.security.or_else(|| {
        (status == StatusCode::TOO_MANY_REQUESTS).then(|| ("rate_limited", "-".to_owned()))
    });
    if let Some((event, account)) = security {
        tracing::warn!(
            target: "flexiapi::security",
            "security event={event} client={ip} account={account}"
        );
    }
    let account_id = logged.account_id.map(tracing::field::display);
    tracing::info!(
        %method,
        route = state.metrics.route(&path),
        path = loggable_path(&path),
        status = status.as_u16(),
        latency_ms = started.elapsed().as_micros() as f64 / 1000.0,
        host = loggable_host(host.as_deref()),
        client = %ip,
        account_id,
        "request"
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn tokens_in_paths_are_not_logged() {
        assert_eq!(
            loggable_path("/api/accounts/me/api_key/abcDEF123"),
            "/api/accounts/me/api_key/***"
        );
        assert_eq!(
            loggable_path("/api/accounts/auth_token/abc/attach"),
            "/api/accounts/auth_token/***/attach"
        );
        assert_eq!(
            loggable_path("/api/accounts/me/api_key"),
            "/api/accounts/me/api_key"
        );
        assert_eq!(
            loggable_path(&format!("/api/accounts/{}/x", "k".repeat(40))),
            "/api/accounts/***/x"
        );
        assert_eq!(
            loggable_path("/provisioning/qrcode/abcDEF123"),
            "/provisioning/qrcode/***"
        );
        assert_eq!(loggable_path("/provisioning/me"), "/provisioning/me");
        assert_eq!(
            loggable_path("/reset_password/abcdefghijklmnop"),
            "/reset_password/***"
        );
        assert_eq!(
            loggable_path("/recovery/phone/abcdefghijklm"),
            "/recovery/phone/***"
        );
        assert_eq!(
            loggable_path("/api/accounts/me/phone/request"),
            "/api/accounts/me/phone/request"
        );
        assert_eq!(loggable_path("/provisioning/abc123"), "/provisioning/***");
        assert_eq!(
            loggable_path("/provisioning/qrcode/abc123"),
            "/provisioning/qrcode/***"
        );
    }
}
