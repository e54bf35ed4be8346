//! OVH's SMS API played by a local HTTP server that checks every request's signature, as the
//! real one does, and keeps the texts it accepted.
//!
//! ```ignore
//! let ovh = OvhStandIn::start().await;
//! let app = TestApp::spawn_with(store, |c| ovh.configure(c)).await;
//! // ... a request that sends an SMS to +33612345678 ...
//! let sms = ovh.wait_for_sms("+33612345678").await;
//! ```

// A fixture for every test module: each uses a part of it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use flexiapi::config::Config;
use flexiapi_adapters_notify::{OvhSettings, ovh_signature};
use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Request, Response, Route, Server, handler};
use serde_json::{Value, json};

pub const APPLICATION_KEY: &str = "stand-in-application-key";
pub const APPLICATION_SECRET: &str = "stand-in-application-secret";
pub const CONSUMER_KEY: &str = "stand-in-consumer-key";
pub const SERVICE_NAME: &str = "sms-standin-1";

/// One text message the stand-in accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSms {
    /// E.164.
    pub to: String,
    pub text: String,
}

#[derive(Default)]
struct State {
    received: Mutex<Vec<ReceivedSms>>,
    /// Requests refused for a bad key or signature (a test can assert there are none).
    bad_requests: Mutex<Vec<String>>,
    /// When set, every job is refused with OVH's 400 answer.
    refuse: Mutex<bool>,
}

/// The running stand-in; stops with the test's runtime.
pub struct OvhStandIn {
    /// `http://127.0.0.1:PORT/1.0`.
    pub endpoint: String,
    state: Arc<State>,
}

fn answer(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(body.to_string())
}

fn ovh_error(status: StatusCode, message: &str) -> Response {
    answer(
        status,
        &json!({"errorCode": "ERROR", "httpCode": status.to_string(), "message": message}),
    )
}

#[handler]
async fn api(req: &Request, body: Vec<u8>, Data(state): Data<&Arc<State>>) -> Response {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let body = String::from_utf8_lossy(&body).into_owned();
    let bad = |why: &str| {
        state
            .bad_requests
            .lock()
            .unwrap()
            .push(format!("{} {}: {why}", req.method(), req.uri()));
        ovh_error(StatusCode::FORBIDDEN, why)
    };
    if header("X-Ovh-Application") != APPLICATION_KEY {
        return bad("This application key is invalid");
    }
    if header("X-Ovh-Consumer") != CONSUMER_KEY {
        return bad("This credential does not exist");
    }
    let timestamp: u64 = header("X-Ovh-Timestamp").parse().unwrap_or(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if now.abs_diff(timestamp) > 30 {
        return bad("Invalid timestamp");
    }
    let url = format!("http://{}{}", header("Host"), req.uri());
    let expected = ovh_signature(
        APPLICATION_SECRET,
        CONSUMER_KEY,
        req.method().as_str(),
        &url,
        &body,
        timestamp,
    );
    if header("X-Ovh-Signature") != expected {
        return bad("Invalid signature");
    }
    let path = req.uri().path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (req.method().as_str(), segments.as_slice()) {
        ("GET", ["1.0", "sms"]) => answer(StatusCode::OK, &json!([SERVICE_NAME])),
        ("POST", ["1.0", "sms", service, "jobs"]) if *service == SERVICE_NAME => {
            if *state.refuse.lock().unwrap() {
                return ovh_error(StatusCode::BAD_REQUEST, "Invalid receivers (stand-in)");
            }
            let job: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let text = job["message"].as_str().unwrap_or_default().to_owned();
            let receivers: Vec<String> = job["receivers"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let mut received = state.received.lock().unwrap();
            for to in &receivers {
                received.push(ReceivedSms {
                    to: to.clone(),
                    text: text.clone(),
                });
            }
            answer(
                StatusCode::OK,
                &json!({"ids": [1], "totalCreditsRemoved": receivers.len(),
                        "validReceivers": receivers, "invalidReceivers": []}),
            )
        }
        _ => ovh_error(StatusCode::NOT_FOUND, "Got an invalid (or empty) URL"),
    }
}

impl OvhStandIn {
    /// Listens on 127.0.0.1, a free port.
    pub async fn start() -> Self {
        let state = Arc::new(State::default());
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
        let app = Route::new().at("/*path", api).data(state.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Self {
            endpoint: format!("http://{addr}/1.0"),
            state,
        }
    }

    /// `[sms.ovh]` pointing at this stand-in, with its keys.
    pub fn settings(&self) -> OvhSettings {
        OvhSettings {
            endpoint: self.endpoint.clone(),
            application_key: APPLICATION_KEY.into(),
            application_secret: APPLICATION_SECRET.into(),
            consumer_key: CONSUMER_KEY.into(),
            service_name: Some(SERVICE_NAME.into()),
            sender: None,
        }
    }

    /// Sets `config.sms_ovh`: `TestApp::spawn_with(store, |c| ovh.configure(c))`.
    pub fn configure(&self, config: &mut Config) {
        config.sms_ovh = Some(self.settings());
    }

    /// The same `[sms.ovh]` as TOML, for a configuration file.
    pub fn toml(&self) -> String {
        format!(
            "[sms.ovh]\nendpoint = \"{}\"\napplication_key = \"{APPLICATION_KEY}\"\n\
             application_secret = \"{APPLICATION_SECRET}\"\nconsumer_key = \"{CONSUMER_KEY}\"\n\
             service_name = \"{SERVICE_NAME}\"\n",
            self.endpoint
        )
    }

    /// From now on, refuse (`true`) or accept (`false`) every job.
    pub fn refuse(&self, refuse: bool) {
        *self.state.refuse.lock().unwrap() = refuse;
    }

    /// The texts accepted so far, in order.
    pub fn messages(&self) -> Vec<ReceivedSms> {
        self.state.received.lock().unwrap().clone()
    }

    /// Requests refused for a bad key, timestamp or signature (empty when the client signs right).
    pub fn bad_requests(&self) -> Vec<String> {
        self.state.bad_requests.lock().unwrap().clone()
    }

    /// The latest text to `to`, waiting up to 10 seconds; panics when none came.
    pub async fn wait_for_sms(&self, to: &str) -> ReceivedSms {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(last) = self.messages().into_iter().rev().find(|m| m.to == to) {
                return last;
            }
            assert!(
                Instant::now() < deadline,
                "no SMS to {to} within 10 s (received: {:?}, refused requests: {:?})",
                self.messages(),
                self.bad_requests()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
