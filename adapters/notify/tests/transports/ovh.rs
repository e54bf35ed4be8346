//! OVH's SMS API, played by a local server that recomputes every signature.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use flexiapi_adapters_notify::{OutgoingSms, SmsSender};
use flexiapi_adapters_notify::{OvhSettings, OvhSmsSender, ovh_signature};
use flexiapi_domain::error::TransportError;
use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Request, Response, Route, Server, handler};
use serde_json::{Value, json};

use crate::support::closed_port;

const KEY: &str = "app-key-123";
const SECRET: &str = "app-secret-456";
const CONSUMER: &str = "consumer-key-789";
const SERVICE: &str = "sms-ab12345-1";

#[derive(Default)]
struct FakeOvh {
    /// The jobs accepted: (service, body).
    jobs: Mutex<Vec<(String, Value)>>,
    /// Every path called, in order.
    calls: Mutex<Vec<String>>,
}

fn answer(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(body.to_string())
}

fn ovh_error(status: StatusCode, code: &str, message: &str) -> Response {
    answer(
        status,
        &json!({"errorCode": code, "httpCode": status.to_string(), "message": message}),
    )
}

#[handler]
async fn api(req: &Request, body: Vec<u8>, Data(state): Data<&Arc<FakeOvh>>) -> Response {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let body = String::from_utf8(body).unwrap();
    let path = req.uri().path().to_owned();
    state
        .calls
        .lock()
        .unwrap()
        .push(format!("{} {path}", req.method()));
    if header("X-Ovh-Application") != KEY {
        return ovh_error(
            StatusCode::FORBIDDEN,
            "INVALID_KEY",
            "This application key is invalid",
        );
    }
    if header("X-Ovh-Consumer") != CONSUMER {
        return ovh_error(
            StatusCode::FORBIDDEN,
            "INVALID_CREDENTIAL",
            "This credential does not exist",
        );
    }
    let timestamp: u64 = header("X-Ovh-Timestamp").parse().unwrap_or(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if now.abs_diff(timestamp) > 30 {
        return ovh_error(
            StatusCode::BAD_REQUEST,
            "INVALID_TIMESTAMP",
            "Invalid timestamp",
        );
    }
    // The full URL as the client asked for it.
    let url = format!("http://{}{}", header("Host"), req.uri());
    let expected = ovh_signature(
        SECRET,
        CONSUMER,
        req.method().as_str(),
        &url,
        &body,
        timestamp,
    );
    if header("X-Ovh-Signature") != expected {
        return ovh_error(
            StatusCode::BAD_REQUEST,
            "INVALID_SIGNATURE",
            "Invalid signature",
        );
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (req.method().as_str(), segments.as_slice()) {
        ("GET", ["1.0", "sms"]) => answer(StatusCode::OK, &json!([SERVICE, "sms-other-2"])),
        ("POST", ["1.0", "sms", "broken", "jobs"]) => ovh_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "The service is temporarily unavailable",
        ),
        ("POST", ["1.0", "sms", service, "jobs"]) if *service == SERVICE => {
            assert_eq!(header("Content-Type"), "application/json; charset=utf-8");
            let job: Value = serde_json::from_str(&body).unwrap();
            let receivers = job["receivers"].as_array().unwrap().clone();
            state
                .jobs
                .lock()
                .unwrap()
                .push(((*service).to_owned(), job));
            let (valid, invalid): (Vec<Value>, Vec<Value>) =
                receivers.into_iter().partition(|r| r != "+33000000000");
            answer(
                StatusCode::OK,
                &json!({"ids": [4242], "totalCreditsRemoved": valid.len(),
                        "validReceivers": valid, "invalidReceivers": invalid}),
            )
        }
        _ => ovh_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Got an invalid (or empty) URL",
        ),
    }
}

/// The fake API's endpoint (`http://127.0.0.1:PORT/1.0`) and its state.
async fn start() -> (String, Arc<FakeOvh>) {
    let state = Arc::new(FakeOvh::default());
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
    let app = Route::new().at("/*path", api).data(state.clone());
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}/1.0"), state)
}

fn settings(endpoint: &str) -> OvhSettings {
    OvhSettings {
        endpoint: endpoint.into(),
        application_key: KEY.into(),
        application_secret: SECRET.into(),
        consumer_key: CONSUMER.into(),
        service_name: Some(SERVICE.into()),
        sender: Some("Flexisip".into()),
    }
}

fn sms(to: &str) -> OutgoingSms {
    OutgoingSms {
        to: to.into(),
        text: "Your sip.example.org validation code is 1234.".into(),
    }
}

#[tokio::test]
async fn a_signed_job_is_accepted_with_the_originals_fields() {
    let (endpoint, state) = start().await;
    let sender = OvhSmsSender::new(settings(&endpoint)).unwrap();
    sender.send(&sms("+33612345678")).await.unwrap();
    let jobs = state.jobs.lock().unwrap().clone();
    assert_eq!(jobs.len(), 1);
    let (service, job) = &jobs[0];
    assert_eq!(service, SERVICE);
    assert_eq!(
        job,
        &json!({
            "charset": "UTF-8",
            "class": "phoneDisplay",
            "coding": "7bit",
            "message": "Your sip.example.org validation code is 1234.",
            "noStopClause": true,
            "priority": "high",
            "receivers": ["+33612345678"],
            "sender": "Flexisip",
            "senderForResponse": false,
            "validityPeriod": 2880,
        })
    );
}

#[tokio::test]
async fn without_a_service_name_the_accounts_first_is_found_once() {
    let (endpoint, state) = start().await;
    let sender = OvhSmsSender::new(OvhSettings {
        service_name: None,
        sender: None,
        ..settings(&endpoint)
    })
    .unwrap();
    sender.send(&sms("+33612345678")).await.unwrap();
    sender.send(&sms("+33698765432")).await.unwrap();
    assert_eq!(
        *state.calls.lock().unwrap(),
        [
            "GET /1.0/sms".to_owned(),
            format!("POST /1.0/sms/{SERVICE}/jobs"),
            format!("POST /1.0/sms/{SERVICE}/jobs"),
        ]
    );
    let jobs = state.jobs.lock().unwrap().clone();
    // No sender: OVH's short number, which the person may answer.
    assert!(jobs[0].1.get("sender").is_none());
    assert_eq!(jobs[0].1["senderForResponse"], true);
}

#[tokio::test]
async fn a_bad_signature_is_refused_with_ovhs_message() {
    let (endpoint, state) = start().await;
    let sender = OvhSmsSender::new(OvhSettings {
        application_secret: "not-the-secret".into(),
        ..settings(&endpoint)
    })
    .unwrap();
    let err = sender.send(&sms("+33612345678")).await.unwrap_err();
    assert!(
        matches!(&err, TransportError::Refused(m) if m.contains("Invalid signature") && m.contains("400")),
        "{err:?}"
    );
    assert!(!err.to_string().contains("not-the-secret"));
    assert!(state.jobs.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_receiver_or_unknown_service_is_refused() {
    let (endpoint, _state) = start().await;
    let sender = OvhSmsSender::new(settings(&endpoint)).unwrap();
    let err = sender.send(&sms("+33000000000")).await.unwrap_err();
    assert!(
        matches!(&err, TransportError::Refused(m) if m.contains("+33000000000")),
        "{err:?}"
    );
    let sender = OvhSmsSender::new(OvhSettings {
        service_name: Some("sms-unknown-9".into()),
        ..settings(&endpoint)
    })
    .unwrap();
    let err = sender.send(&sms("+33612345678")).await.unwrap_err();
    assert!(
        matches!(&err, TransportError::Refused(m) if m.contains("404")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_server_error_or_no_server_is_unavailable() {
    let (endpoint, _state) = start().await;
    let sender = OvhSmsSender::new(OvhSettings {
        service_name: Some("broken".into()),
        ..settings(&endpoint)
    })
    .unwrap();
    let err = sender.send(&sms("+33612345678")).await.unwrap_err();
    assert!(
        matches!(&err, TransportError::Unavailable(m) if m.contains("temporarily unavailable")),
        "{err:?}"
    );
    let down = format!("http://127.0.0.1:{}/1.0", closed_port());
    let err = OvhSmsSender::new(settings(&down))
        .unwrap()
        .send(&sms("+33612345678"))
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Unavailable(_)), "{err:?}");
}
