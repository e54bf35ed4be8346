//! APNs' stand-in: HTTP/2 only (prior knowledge, or TLS with ALPN `h2` and a throwaway CA), the
//! provider JWT checked with the key's public part, and Apple's header rules.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::Answer;
use super::server::{Protocol, Reply, Request, Server, bearer, hang, header, reply};
use crate::http::unix_now;

/// One push that passed the checks Apple makes.
#[derive(Debug, Clone, PartialEq)]
pub struct ApnsArrival {
    /// `production` or `sandbox`: which base URL it was sent to.
    pub environment: String,
    /// Always HTTP/2 (anything else cannot reach this server); kept so tests can say so.
    pub http2: bool,
    pub device_token: String,
    /// The provider JWT it carried.
    pub provider_token: String,
    pub topic: String,
    pub push_type: String,
    pub priority: u8,
    pub expiration: u64,
    pub body: Value,
}

struct State {
    key_id: String,
    team_id: String,
    bundle_id: String,
    public_pem: String,
    answer: Mutex<Answer>,
    arrivals: Mutex<Vec<ApnsArrival>>,
}

/// A local APNs with its own `.p8` key, serving production under `/production` and the sandbox
/// under `/sandbox`.
pub struct ApnsStandIn {
    state: Arc<State>,
    server: Server,
    scheme: &'static str,
    dir: tempfile::TempDir,
}

impl ApnsStandIn {
    /// HTTP/2 with prior knowledge on `http://` (h2c).
    pub async fn start() -> Self {
        Self::start_with(false).await
    }

    /// HTTP/2 over TLS with ALPN `h2` only, its certificate signed by a throwaway CA
    /// ([`ApnsStandIn::ca_file`]).
    pub async fn start_tls() -> Self {
        Self::start_with(true).await
    }

    async fn start_with(tls: bool) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let key = p256::SecretKey::random(&mut rand_core06::OsRng);
        let private_pem = key.to_pkcs8_pem(LineEnding::LF).expect("a PEM key");
        let public_pem = key
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("a PEM public key");
        std::fs::write(
            dir.path().join("AuthKey_STANDIN123.p8"),
            private_pem.as_bytes(),
        )
        .expect("the .p8 file is written");
        let state = Arc::new(State {
            key_id: "STANDIN123".into(),
            team_id: "TEAM456789".into(),
            bundle_id: "org.linphone.phone".into(),
            public_pem,
            answer: Mutex::new(Answer::Accept),
            arrivals: Mutex::new(Vec::new()),
        });
        let protocol = if tls {
            Protocol::Http2Tls(tls_acceptor(&dir.path().join("ca.pem")))
        } else {
            Protocol::Http2
        };
        let server = {
            let state = state.clone();
            Server::start(protocol, move |request, stopped| {
                let state = state.clone();
                async move { handle(&state, request, stopped).await }
            })
            .await
        };
        Self {
            state,
            server,
            scheme: if tls { "https" } else { "http" },
            dir,
        }
    }

    /// `[push.apns] key_file`.
    pub fn key_file(&self) -> PathBuf {
        self.dir.path().join("AuthKey_STANDIN123.p8")
    }

    pub fn key_id(&self) -> &str {
        &self.state.key_id
    }

    pub fn team_id(&self) -> &str {
        &self.state.team_id
    }

    /// The app's bundle id: the only topic accepted (and its `.voip`).
    pub fn bundle_id(&self) -> &str {
        &self.state.bundle_id
    }

    /// A `pn_param` of the app, as Linphone sends it (`TEAMID.bundle.id`).
    pub fn pn_param(&self) -> String {
        format!("{}.{}", self.state.team_id, self.state.bundle_id)
    }

    /// `[push.apns] base_url`.
    pub fn production_url(&self) -> String {
        format!(
            "{}://localhost:{}/production",
            self.scheme,
            self.server.addr.port()
        )
    }

    /// `[push.apns] sandbox_base_url`.
    pub fn sandbox_url(&self) -> String {
        format!(
            "{}://localhost:{}/sandbox",
            self.scheme,
            self.server.addr.port()
        )
    }

    /// The CA that signed the TLS certificate (`[push.apns] ca_file`), for [`Self::start_tls`].
    pub fn ca_file(&self) -> Option<PathBuf> {
        (self.scheme == "https").then(|| self.dir.path().join("ca.pem"))
    }

    /// How a valid push is answered from now on.
    pub fn answer(&self, answer: Answer) {
        *self.state.answer.lock().unwrap() = answer;
    }

    /// The valid pushes that arrived, oldest first (whatever they were answered).
    pub fn arrivals(&self) -> Vec<ApnsArrival> {
        self.state.arrivals.lock().unwrap().clone()
    }
}

/// A CA (written to `ca_path`) and a certificate for `localhost` and `127.0.0.1` it signed.
fn tls_acceptor(ca_path: &std::path::Path) -> tokio_rustls::TlsAcceptor {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    use tokio_rustls::rustls;
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name
        .push(DnType::CommonName, "flexiapi throwaway APNs CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("a CA key"))
        .expect("a CA certificate");
    let leaf_key = KeyPair::generate().expect("a server key");
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("server parameters")
        .signed_by(&leaf_key, &ca)
        .expect("a server certificate");
    std::fs::write(ca_path, ca.pem()).expect("the CA file is written");
    // ring is the one provider this workspace links (as reqwest and lettre do); its post-quantum
    // key exchange is no concern for a test server.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .expect("a TLS configuration");
    // Like Apple: HTTP/2 or nothing.
    config.alpn_protocols = vec![b"h2".to_vec()];
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

async fn handle(state: &State, request: Request, stopped: watch::Receiver<bool>) -> Reply {
    let Some((environment, device_token)) = request
        .path
        .strip_prefix('/')
        .and_then(|p| p.split_once("/3/device/"))
        .filter(|(env, _)| matches!(*env, "production" | "sandbox"))
    else {
        return reason(404, "BadPath");
    };
    if request.method != "POST" {
        return reason(405, "MethodNotAllowed");
    }
    if device_token.is_empty() || !device_token.chars().all(|c| c.is_ascii_hexdigit()) {
        return reason(400, "BadDeviceToken");
    }
    let Some(provider_token) = bearer(&request.headers) else {
        return reason(403, "MissingProviderToken");
    };
    if let Err(why) = check_provider_token(state, &provider_token) {
        return reason(403, why);
    }
    let Some(topic) = header(&request.headers, "apns-topic") else {
        return reason(400, "MissingTopic");
    };
    let push_type = header(&request.headers, "apns-push-type").unwrap_or_default();
    let voip_topic = format!("{}.voip", state.bundle_id);
    let topic_ok = match push_type.as_str() {
        "voip" => topic == voip_topic,
        "alert" | "background" => topic == state.bundle_id,
        _ => return reason(400, "InvalidPushType"),
    };
    if !topic_ok {
        return reason(400, "TopicDisallowed");
    }
    let priority = header(&request.headers, "apns-priority").and_then(|p| p.parse::<u8>().ok());
    let priority = match (priority, push_type.as_str()) {
        (Some(5), _) => 5,
        (Some(10), "alert" | "voip") => 10,
        _ => return reason(400, "BadPriority"),
    };
    let Some(expiration) =
        header(&request.headers, "apns-expiration").and_then(|e| e.parse::<u64>().ok())
    else {
        return reason(400, "BadExpirationDate");
    };
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return reason(400, "PayloadEmpty");
    };
    if !body["aps"].is_object() {
        return reason(400, "PayloadEmpty");
    }
    if push_type == "background" && body["aps"]["content-available"] != 1 {
        return reason(400, "PayloadEmpty");
    }
    state.arrivals.lock().unwrap().push(ApnsArrival {
        environment: environment.to_owned(),
        http2: request.version == hyper::Version::HTTP_2,
        device_token: device_token.to_owned(),
        provider_token,
        topic,
        push_type,
        priority,
        expiration,
        body,
    });
    let answer = state.answer.lock().unwrap().clone();
    match answer {
        Answer::Accept => {
            let mut ok = reply(200, &json!({}));
            ok.headers_mut().insert(
                "apns-id",
                hyper::header::HeaderValue::from_static("00000000-0000-0000-0000-000000000000"),
            );
            *ok.body_mut() = http_body_util::Full::new(bytes::Bytes::new());
            ok
        }
        Answer::Status(status, why) => reply(status, &json!({ "reason": why })),
        Answer::Hang => hang(stopped).await,
    }
}

/// ES256 with this key, `kid` the key id, `iss` the team, `iat` within the last hour.
fn check_provider_token(state: &State, token: &str) -> Result<(), &'static str> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| "InvalidProviderToken")?;
    if header.alg != Algorithm::ES256 || header.kid.as_deref() != Some(state.key_id.as_str()) {
        return Err("InvalidProviderToken");
    }
    let key =
        DecodingKey::from_ec_pem(state.public_pem.as_bytes()).map_err(|_| "InternalServerError")?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_required_spec_claims(&["iss"]);
    validation.validate_exp = false;
    validation.set_issuer(&[&state.team_id]);
    let claims = jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map_err(|_| "InvalidProviderToken")?
        .claims;
    let iat = claims["iat"].as_u64().ok_or("InvalidProviderToken")?;
    let now = unix_now();
    if iat > now + 60 || iat + 3600 < now {
        return Err("ExpiredProviderToken");
    }
    Ok(())
}

fn reason(status: u16, why: &str) -> Reply {
    reply(status, &json!({ "reason": why }))
}
