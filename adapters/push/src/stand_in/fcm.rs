//! Firebase Cloud Messaging's stand-in: an OAuth2 token endpoint (`/token`) and the HTTP v1 send
//! endpoint, over HTTP/1.1.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};

use super::Answer;
use super::server::{Protocol, Reply, Request, Server, bearer, hang, reply};
use crate::fcm::{FCM_SCOPE, JWT_BEARER_GRANT};

/// One message that reached the send endpoint with a valid access token and a valid shape.
#[derive(Debug, Clone, PartialEq)]
pub struct FcmArrival {
    /// The access token it carried (one the token endpoint issued).
    pub access_token: String,
    /// The project in the path.
    pub project_id: String,
    /// The `message` object.
    pub message: Value,
}

struct State {
    client_email: String,
    project_id: String,
    token_url: String,
    public_pem: String,
    token_lifetime: AtomicU64,
    token_answer: Mutex<Answer>,
    send_answer: Mutex<Answer>,
    token_requests: AtomicUsize,
    issued: Mutex<Vec<(String, Instant)>>,
    arrivals: Mutex<Vec<FcmArrival>>,
}

/// A local FCM with its own service account.
pub struct FcmStandIn {
    state: Arc<State>,
    server: Server,
    dir: tempfile::TempDir,
}

/// One RSA key for every stand-in of a process: generating one takes a while in debug builds.
fn rsa_key() -> &'static (String, String) {
    static KEY: OnceLock<(String, String)> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = rsa::RsaPrivateKey::new(&mut rand_core06::OsRng, 2048).expect("an RSA key");
        let private = key
            .to_pkcs8_pem(LineEnding::LF)
            .expect("a PEM key")
            .to_string();
        let public = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("a PEM public key");
        (private, public)
    })
}

impl FcmStandIn {
    /// Starts on a free local port, with a fresh service-account file whose `token_uri` is this
    /// stand-in's token endpoint. Access tokens live an hour unless told otherwise.
    pub async fn start() -> Self {
        let (private_pem, public_pem) = rsa_key().clone();
        let slot = Arc::new(OnceLock::<Arc<State>>::new());
        let server = {
            let slot = slot.clone();
            Server::start(Protocol::Http1, move |request, stopped| {
                let state = slot.get().expect("the stand-in's state").clone();
                async move { handle(&state, request, stopped).await }
            })
            .await
        };
        let token_url = format!("http://{}/token", server.addr);
        let state = Arc::new(State {
            client_email: "flexiapi-test@stand-in.iam.gserviceaccount.com".into(),
            project_id: "flexiapi-stand-in".into(),
            token_url: token_url.clone(),
            public_pem,
            token_lifetime: AtomicU64::new(3600),
            token_answer: Mutex::new(Answer::Accept),
            send_answer: Mutex::new(Answer::Accept),
            token_requests: AtomicUsize::new(0),
            issued: Mutex::new(Vec::new()),
            arrivals: Mutex::new(Vec::new()),
        });
        let _ = slot.set(state.clone());
        let dir = tempfile::tempdir().expect("a temporary folder");
        let account = json!({
            "type": "service_account",
            "project_id": state.project_id,
            "private_key_id": "stand-in",
            "private_key": private_pem,
            "client_email": state.client_email,
            "client_id": "1",
            "token_uri": token_url,
        });
        std::fs::write(dir.path().join("service-account.json"), account.to_string())
            .expect("the service-account file is written");
        Self { state, server, dir }
    }

    /// The service-account key file (`[push.fcm] service_account_file`).
    pub fn service_account_file(&self) -> PathBuf {
        self.dir.path().join("service-account.json")
    }

    /// The folder the key file is in (for tests that write files beside it).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `[push.fcm] base_url`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    pub fn token_url(&self) -> &str {
        &self.state.token_url
    }

    pub fn project_id(&self) -> &str {
        &self.state.project_id
    }

    /// The `expires_in` of the next access tokens.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state
            .token_lifetime
            .store(lifetime.as_secs(), Ordering::SeqCst);
    }

    /// How the token endpoint answers a valid assertion from now on.
    pub fn answer_tokens(&self, answer: Answer) {
        *self.state.token_answer.lock().unwrap() = answer;
    }

    /// How the send endpoint answers a valid message from now on.
    pub fn answer_sends(&self, answer: Answer) {
        *self.state.send_answer.lock().unwrap() = answer;
    }

    /// How many requests reached the token endpoint.
    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// The valid messages that arrived, oldest first (whatever they were answered).
    pub fn arrivals(&self) -> Vec<FcmArrival> {
        self.state.arrivals.lock().unwrap().clone()
    }
}

async fn handle(
    state: &State,
    request: Request,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> Reply {
    if request.method == "POST" && request.path == "/token" {
        return token(state, &request, stopped).await;
    }
    let project = request
        .path
        .strip_prefix("/v1/projects/")
        .and_then(|rest| rest.strip_suffix("/messages:send"));
    match project {
        Some(project) if request.method == "POST" => {
            let project = project.to_owned();
            send(state, &request, project, stopped).await
        }
        _ => error(404, "NOT_FOUND", "no such endpoint"),
    }
}

/// The JWT-bearer grant: the assertion must be signed by the service account's key, from its
/// e-mail, for this endpoint, with the messaging scope, for at most an hour.
async fn token(
    state: &State,
    request: &Request,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> Reply {
    state.token_requests.fetch_add(1, Ordering::SeqCst);
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if field("grant_type") != Some(JWT_BEARER_GRANT) {
        return oauth_error("unsupported_grant_type", "Invalid grant_type");
    }
    let Some(assertion) = field("assertion") else {
        return oauth_error("invalid_request", "Missing assertion");
    };
    let Ok(key) = DecodingKey::from_rsa_pem(state.public_pem.as_bytes()) else {
        return oauth_error("server_error", "stand-in key");
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&state.token_url]);
    validation.set_issuer(&[&state.client_email]);
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss"]);
    let claims = match jsonwebtoken::decode::<Value>(assertion, &key, &validation) {
        Ok(data) => data.claims,
        Err(e) => return oauth_error("invalid_grant", &format!("Invalid JWT: {e}")),
    };
    if claims["scope"].as_str() != Some(FCM_SCOPE) {
        return oauth_error("invalid_scope", "Invalid scope");
    }
    let (iat, exp) = (claims["iat"].as_u64(), claims["exp"].as_u64());
    if !matches!((iat, exp), (Some(iat), Some(exp)) if exp > iat && exp - iat <= 3600) {
        return oauth_error("invalid_grant", "Invalid JWT: lifetime over an hour");
    }
    let answer = state.token_answer.lock().unwrap().clone();
    match answer {
        Answer::Accept => {}
        Answer::Status(status, reason) => {
            return reply(
                status,
                &json!({"error": reason, "error_description": reason}),
            );
        }
        Answer::Hang => return hang(stopped).await,
    }
    let lifetime = state.token_lifetime.load(Ordering::SeqCst);
    let mut issued = state.issued.lock().unwrap();
    let value = format!("ya29.stand-in-{}", issued.len() + 1);
    issued.push((
        value.clone(),
        // Within the clock's range, whatever `expires_in` a test announces.
        Instant::now() + Duration::from_secs(lifetime.min(10 * 365 * 86_400)),
    ));
    reply(
        200,
        &json!({"access_token": value, "expires_in": lifetime, "token_type": "Bearer"}),
    )
}

/// A message: an unexpired issued token, this project, and the v1 shape (a device token, string
/// data values, high Android priority).
async fn send(
    state: &State,
    request: &Request,
    project: String,
    stopped: tokio::sync::watch::Receiver<bool>,
) -> Reply {
    let valid_token = bearer(&request.headers).filter(|token| {
        state
            .issued
            .lock()
            .unwrap()
            .iter()
            .any(|(issued, until)| issued == token && Instant::now() < *until)
    });
    let Some(access_token) = valid_token else {
        return error(
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        );
    };
    if project != state.project_id {
        return error(
            403,
            "PERMISSION_DENIED",
            "not this service account's project",
        );
    }
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    };
    let message = &body["message"];
    let token_ok = message["token"].as_str().is_some_and(|t| !t.is_empty());
    let data_ok = message["data"]
        .as_object()
        .is_some_and(|data| data.values().all(Value::is_string));
    if !token_ok || !data_ok || message["android"]["priority"] != "high" {
        return error(400, "INVALID_ARGUMENT", "The message is not a v1 message.");
    }
    state.arrivals.lock().unwrap().push(FcmArrival {
        access_token,
        project_id: project.clone(),
        message: message.clone(),
    });
    let answer = state.send_answer.lock().unwrap().clone();
    match answer {
        Answer::Accept => reply(
            200,
            &json!({"name": format!("projects/{project}/messages/0:1")}),
        ),
        Answer::Status(status, reason) => {
            let details = json!([{
                "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                "errorCode": reason,
            }]);
            reply(
                status,
                &json!({"error": {"code": status, "message": "stand-in", "status": reason, "details": details}}),
            )
        }
        Answer::Hang => hang(stopped).await,
    }
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    reply(
        status,
        &json!({"error": {"code": status, "message": message, "status": code}}),
    )
}

fn oauth_error(code: &str, description: &str) -> Reply {
    reply(
        400,
        &json!({"error": code, "error_description": description}),
    )
}
