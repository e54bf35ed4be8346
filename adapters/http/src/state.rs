//! What every request can reach: the use cases, the authenticator, and the HTTP settings.

use std::sync::{Arc, Mutex};

use flexiapi_domain::auth::Authenticator;
use flexiapi_domain::model::Space;
use flexiapi_domain::service::Services;

use crate::i18n::Languages;

/// HTTP-level settings.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub languages: Languages,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Peers whose `Forwarded` / `X-Forwarded-*` headers are believed.
    pub trusted_proxies: crate::forwarded::TrustedProxies,
    /// The header carrying the verified client certificate's subject, believed from
    /// `trusted_proxies` only; `None`: no login by client certificate.
    pub client_certificate_header: Option<String>,
    /// The scheme of the URLs we hand out; `None`: HTTPS when the connection is TLS or a trusted
    /// proxy says so, else HTTP.
    pub public_scheme: Option<PublicScheme>,
    /// The port of the URLs we hand out; `None`: the scheme's default (no port in the URL).
    pub public_port: Option<u16>,
    /// The `[files] directory` and upload limit (voicemails).
    pub files: crate::files::LocalFiles,
    /// `/metrics` is served on a listener of its own (`metrics_bind`): the main one answers 404.
    /// Else the main one answers loopback peers and `trusted_proxies` only.
    pub metrics_elsewhere: bool,
}

/// The scheme clients reach us by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicScheme {
    Http,
    Https,
}

impl PublicScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    /// The port a URL of this scheme leaves out.
    pub fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// Shared state, reachable from extractors as `req.data::<AppState>()`. A handle: poem's `data`
/// clones it into every request, so it is one `Arc` to [`SharedState`].
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

/// What [`AppState`] shares.
pub struct SharedState {
    pub services: Services,
    pub authenticator: Authenticator,
    pub settings: HttpSettings,
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    pub fn new(shared: SharedState) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// The space the request's `Host` resolved to (set by the root middleware).
#[derive(Debug, Clone)]
pub struct RequestSpace(pub Arc<Space>);

/// The client's IP address as a string (set by the root middleware): the socket's peer, or
/// what a trusted proxy says.
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

/// The subject of the client certificate the TLS terminator verified (set by the root
/// middleware, only when a trusted proxy passed it in `client_certificate_header`).
#[derive(Debug, Clone)]
pub struct ClientCertificateSubject(pub String);

/// The scheme of the URLs given to this request's client (set by the root middleware).
#[derive(Debug, Clone, Copy)]
pub struct RequestScheme(pub PublicScheme);

/// Headers that extractors want on the response, appended by the root middleware; Digest puts
/// its challenges here on success.
#[derive(Debug, Clone, Default)]
pub struct ResponseHeaders(pub Arc<Mutex<Vec<(&'static str, String)>>>);

impl ResponseHeaders {
    pub fn push(&self, name: &'static str, value: String) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name, value));
    }

    pub fn take(&self) -> Vec<(&'static str, String)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Who acted, set by the admin extractors, read by the root middleware to write the audit trail
/// once the answer is known.
#[derive(Debug, Clone, Default)]
pub struct AuditActor(pub Arc<Mutex<Option<(flexiapi_domain::model::AccountId, String)>>>);

impl AuditActor {
    pub fn set(&self, id: flexiapi_domain::model::AccountId, identity: String) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((id, identity));
    }

    pub fn take(&self) -> Option<(flexiapi_domain::model::AccountId, String)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// What the request's log lines need from deeper down: the authenticated account, and the
/// security event the authentication met (written by the root middleware, once per request).
#[derive(Debug, Clone, Default)]
pub struct RequestLog(pub Arc<Mutex<RequestLogEntry>>);

#[derive(Debug, Default)]
pub struct RequestLogEntry {
    pub account_id: Option<i64>,
    /// The event's name and the account it was about (a SIP identity, or `-`).
    pub security: Option<(&'static str, String)>,
}

impl RequestLog {
    pub fn account(&self, id: i64) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).account_id = Some(id);
    }

    pub fn security(&self, event: &'static str, account: String) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).security = Some((event, account));
    }

    pub fn take(&self) -> RequestLogEntry {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
