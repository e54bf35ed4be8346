//! The Linphone apps' sign-up and recovery by push and by request token, and
//! `POST /push_notification`, against a recorded `flexisip_pusher` stand-in
//! (`fixtures/flexisip_pusher.sh`): what it was asked to push, and a pusher that refuses or
//! hangs.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use flexiapi::config::Config;
use flexiapi::push::{PushConfig, PushFile};
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use flexiapi_domain::model::{Domain, PushParam, PushPrid, PushProvider, PushTarget};
use flexiapi_domain::testing::FixedClock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp, json};
use crate::support_chromium::Chromium;
use crate::web_pages::{Visitor, hidden};

/// `[push] timeout_seconds` of the tests: the slow stand-in sleeps far past it.
const TIMEOUT_SECONDS: u64 = 1;

/// The stand-in, copied into its own directory with its `mode` and `calls` files.
pub(crate) struct StandIn {
    dir: tempfile::TempDir,
}

impl StandIn {
    pub(crate) fn new() -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("flexisip_pusher");
        std::fs::write(&script, include_str!("fixtures/flexisip_pusher.sh")).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        Self { dir }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("flexisip_pusher")
    }

    /// `ok`, `fail` or `slow`.
    fn mode(&self, mode: &str) {
        std::fs::write(self.dir.path().join("mode"), mode).unwrap();
    }

    pub(crate) fn configure(&self, c: &mut Config) {
        c.push = PushConfig::from_file(Some(PushFile {
            flexisip_pusher_path: Some(self.path()),
            firebase_keysmap: None,
            timeout_seconds: Some(TIMEOUT_SECONDS),
            ..PushFile::default()
        }))
        .unwrap();
    }

    /// The arguments of every call so far, in order.
    fn calls(&self) -> Vec<Vec<String>> {
        let recorded = std::fs::read_to_string(self.dir.path().join("calls")).unwrap_or_default();
        let mut calls = Vec::new();
        let mut current = Vec::new();
        for line in recorded.lines() {
            if line == "--" {
                calls.push(std::mem::take(&mut current));
            } else {
                current.push(line.to_owned());
            }
        }
        calls
    }

    /// The token the last call pushed (its `--customPayload`).
    fn last_token(&self) -> String {
        let calls = self.calls();
        let args = calls.last().expect("a push");
        let payload = value_after(args, "--customPayload").expect("a payload");
        let payload: Value = serde_json::from_str(&payload).unwrap();
        payload["token"].as_str().unwrap().to_owned()
    }
}

fn value_after(args: &[String], flag: &str) -> Option<String> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}

fn device(prid: &str) -> Value {
    json!({"pn_provider": "fcm", "pn_param": "123456789", "pn_prid": prid})
}

fn target(prid: &str) -> PushTarget {
    PushTarget {
        provider: PushProvider::Fcm,
        param: PushParam::unchecked("123456789"),
        prid: PushPrid::unchecked(prid),
    }
}

fn localhost() -> Domain {
    Domain::parse("localhost").unwrap()
}

async fn post(app: &TestApp, host: &str, path: &str, body: &Value) -> reqwest::Response {
    app.request(Method::POST, host, path)
        .json(body)
        .send()
        .await
        .unwrap()
}

const CREATION: &str = "/api/account_creation_tokens/send-by-push";
const RECOVERY: &str = "/api/account_recovery_tokens/send-by-push";
const REQUEST_TOKENS: &str = "/api/account_creation_request_tokens";
const EXCHANGE: &str = "/api/account_creation_tokens/using-account-creation-request-token";
const REGISTER: &str = "/api/accounts/with-account-creation-token";

/// Whether storage holds a creation (or recovery) token pushed to `prid` on localhost.
async fn stored_for(app: &TestApp, prid: &str, recovery: bool) -> bool {
    let storage = app.services.storage_for_tests();
    let since = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    if recovery {
        storage
            .latest_pushed_account_recovery_token(&localhost(), &target(prid), since)
            .await
            .unwrap()
            .is_some()
    } else {
        storage
            .latest_pushed_creation_token(&localhost(), &target(prid), since)
            .await
            .unwrap()
            .is_some()
    }
}

async fn a_pushed_creation_token_registers_an_account(store: Store) {
    let pusher = StandIn::new();
    let app = TestApp::spawn_with(store, |c| pusher.configure(c)).await;
    let resp = post(&app, "localhost", CREATION, &device("device-1:abc_D")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "");
    let calls = pusher.calls();
    assert_eq!(calls.len(), 1);
    let token = pusher.last_token();
    assert_eq!(token.len(), 13);
    // The Linphone SDK 5.1's path for the same (answered `{}`: 5.1 cannot read an empty body).
    let legacy = post(&app, "localhost", "/api/tokens", &device("device-sdk-5-1")).await;
    assert_eq!(legacy.status(), 200);
    assert_eq!(legacy.text().await.unwrap(), "{}");
    assert_eq!(pusher.calls().len(), 2);
    assert_eq!(
        value_after(&pusher.calls()[1], "--pn-prid").as_deref(),
        Some("device-sdk-5-1")
    );
    assert_eq!(
        &calls[0][..6],
        [
            "--pn-provider",
            "fcm",
            "--pn-param",
            "123456789",
            "--pn-prid",
            "device-1:abc_D"
        ]
    );
    assert_eq!(
        value_after(&calls[0], "--customPayload").unwrap(),
        json!({ "token": token }).to_string()
    );
    let stored = app
        .services
        .storage_for_tests()
        .creation_token(&token, &localhost())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            stored.pn_provider.as_deref(),
            stored.pn_param.as_deref(),
            stored.pn_prid.as_deref()
        ),
        (Some("fcm"), Some("123456789"), Some("device-1:abc_D"))
    );

    let body =
        json!({"username": "pushed", "password": "secret123", "account_creation_token": token});
    let resp = post(&app, "localhost", REGISTER, &body).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["username"], "pushed");

    // `consume` answers the device of the token it links.
    pusher.mode("ok");
    let resp = post(&app, "localhost", CREATION, &device("device-2")).await;
    assert_eq!(resp.status(), 200);
    let second = pusher.last_token();
    app.account("bob", "localhost", "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("bob", "localhost").await;
    let resp = app
        .request(
            Method::POST,
            "localhost",
            "/api/account_creation_tokens/consume",
        )
        .header("x-api-key", key)
        .json(&json!({ "account_creation_token": second }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let consumed = json(resp).await;
    assert_eq!(consumed["used"], true);
    assert_eq!(
        (
            &consumed["pn_provider"],
            &consumed["pn_param"],
            &consumed["pn_prid"]
        ),
        (&json!("fcm"), &json!("123456789"), &json!("device-2"))
    );
    app.stop().await;
}

async fn send_by_push_refuses_a_missing_null_or_malformed_field(store: Store) {
    let pusher = StandIn::new();
    let app = TestApp::spawn_with(store, |c| pusher.configure(c)).await;
    let valid = device("device-1");
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"pn_provider": "wrong", "pn_param": "p", "pn_prid": "d"}),
            "pn_provider",
            "The selected pn_provider is invalid (expected one of: apns.dev, apns, fcm).",
        ),
        (
            json!({"pn_provider": "fcm", "pn_param": "@wrong", "pn_prid": "d"}),
            "pn_param",
            "The pn_param format is invalid.",
        ),
        (
            json!({"pn_provider": "fcm", "pn_param": "p", "pn_prid": "@wrong"}),
            "pn_prid",
            "The pn_prid format is invalid.",
        ),
        (
            json!({"pn_provider": "fcm", "pn_param": null, "pn_prid": "d"}),
            "pn_param",
            "The pn_param field is required.",
        ),
        (
            json!({"pn_provider": "fcm", "pn_param": "p", "pn_prid": null}),
            "pn_prid",
            "The pn_prid field is required.",
        ),
        (
            json!({"pn_param": "p", "pn_prid": "d"}),
            "pn_provider",
            "The pn_provider field is required.",
        ),
        (
            json!({"pn_provider": "fcm", "pn_param": 12, "pn_prid": "d"}),
            "pn_param",
            "The pn_param must be a string.",
        ),
        (
            json!({"pn_provider": ["fcm"], "pn_param": "p", "pn_prid": "d"}),
            "pn_provider",
            "The pn_provider must be a string.",
        ),
    ];
    for path in [CREATION, RECOVERY] {
        for (body, field, message) in &cases {
            let resp = post(&app, "localhost", path, body).await;
            assert_eq!(resp.status(), 422, "{path} {body}");
            let errors = json(resp).await["errors"].clone();
            assert_eq!(errors[field], json!([message]), "{path} {body}: {errors}");
        }
        // Everything missing: each field says so.
        let resp = post(&app, "localhost", path, &json!({})).await;
        assert_eq!(resp.status(), 422);
        let errors = json(resp).await["errors"].clone();
        for field in ["pn_provider", "pn_param", "pn_prid"] {
            assert!(errors[field].is_array(), "{errors}");
        }
        let resp = app
            .request(Method::POST, "localhost", path)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
    }
    // Nothing was pushed nor stored: the valid request is not throttled.
    assert!(pusher.calls().is_empty());
    assert_eq!(
        post(&app, "localhost", CREATION, &valid).await.status(),
        200
    );
    assert_eq!(
        post(&app, "localhost", RECOVERY, &valid).await.status(),
        200
    );
    app.stop().await;
}

async fn without_a_pusher_every_push_is_not_sent_and_nothing_is_stored(store: Store) {
    let app = TestApp::spawn_on(store).await;
    for (path, message, recovery) in [
        (CREATION, "Token not sent", false),
        (RECOVERY, "Token not sent", true),
    ] {
        let resp = post(&app, "localhost", path, &device("device-1")).await;
        assert_eq!(resp.status(), 503, "{path}");
        assert_eq!(json(resp).await["message"], message);
        assert!(!stored_for(&app, "device-1", recovery).await, "{path}");
    }
    let resp = app
        .request(Method::POST, "localhost", CREATION)
        .header("accept-language", "fr")
        .json(&device("device-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(json(resp).await["message"], "Jeton non envoyé");
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("alice", "localhost").await;
    let resp = app
        .request(Method::POST, "localhost", "/api/push_notification")
        .header("x-api-key", key)
        .json(&json!({"pn_provider": "fcm", "pn_param": "p", "pn_prid": "d", "type": "message"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(json(resp).await["message"], "Push notification not sent");
    app.stop().await;
}

async fn a_failing_or_slow_pusher_leaves_no_token_and_no_throttle(store: Store) {
    let pusher = StandIn::new();
    let app = TestApp::spawn_with(store, |c| pusher.configure(c)).await;
    for (path, recovery) in [(CREATION, false), (RECOVERY, true)] {
        pusher.mode("fail");
        let resp = post(&app, "localhost", path, &device("device-1")).await;
        assert_eq!(resp.status(), 503, "{path}");
        assert_eq!(json(resp).await["message"], "Token not sent");
        // The token it tried to push is gone.
        let token = pusher.last_token();
        let storage = app.services.storage_for_tests();
        if recovery {
            let found = storage.account_recovery_token(&token, &localhost()).await;
            assert!(found.unwrap().is_none());
        } else {
            let found = storage.creation_token(&token, &localhost()).await;
            assert!(found.unwrap().is_none());
        }
        assert!(!stored_for(&app, "device-1", recovery).await);

        pusher.mode("slow");
        let started = Instant::now();
        let resp = post(&app, "localhost", path, &device("device-1")).await;
        let took = started.elapsed();
        assert_eq!(resp.status(), 503, "{path}");
        assert!(
            took < std::time::Duration::from_secs(TIMEOUT_SECONDS + 3),
            "{path} waited {took:?}"
        );
        assert!(!stored_for(&app, "device-1", recovery).await);

        // No throttle was left behind: the device gets its token at once.
        pusher.mode("ok");
        let resp = post(&app, "localhost", path, &device("device-1")).await;
        assert_eq!(resp.status(), 200, "{path}");
        assert!(stored_for(&app, "device-1", recovery).await);
    }
    app.stop().await;
}

async fn the_throttle_counts_every_token_sent_within_its_window(store: Store) {
    let pusher = StandIn::new();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
    ));
    let app =
        TestApp::spawn_with_config_and_clock(store, |c| pusher.configure(c), clock.clone()).await;
    for path in [CREATION, RECOVERY] {
        assert_eq!(
            post(&app, "localhost", path, &device("device-1"))
                .await
                .status(),
            200
        );
        if path == CREATION {
            // A used token counts as well as an unused one.
            let body = json!({"username": "early", "password": "secret123", "account_creation_token": pusher.last_token()});
            assert_eq!(post(&app, "localhost", REGISTER, &body).await.status(), 200);
        }
        let resp = post(&app, "localhost", path, &device("device-1")).await;
        assert_eq!(resp.status(), 429, "{path}");
        assert_eq!(resp.headers()["retry-after"], "3600");
        assert_eq!(
            json(resp).await["message"],
            "Last token requested too recently"
        );
        clock.advance(Duration::minutes(45));
        let resp = post(&app, "localhost", path, &device("device-1")).await;
        assert_eq!(resp.status(), 429, "{path}");
        assert_eq!(resp.headers()["retry-after"], "900");
        // Another device is not concerned.
        assert_eq!(
            post(&app, "localhost", path, &device("device-2"))
                .await
                .status(),
            200
        );
        clock.advance(Duration::minutes(15) + Duration::seconds(1));
        assert_eq!(
            post(&app, "localhost", path, &device("device-1"))
                .await
                .status(),
            200,
            "{path}"
        );
        clock.advance(Duration::minutes(61));
    }
    app.stop().await;
}

#[tokio::test]
async fn a_retry_window_of_zero_disables_the_throttle() {
    let pusher = StandIn::new();
    let app = TestApp::spawn_with(Store::Memory, |c| {
        pusher.configure(c);
        c.account_creation_token_retry_minutes = 0;
        c.account_recovery_token_retry_minutes = 0;
    })
    .await;
    for path in [CREATION, CREATION, RECOVERY, RECOVERY] {
        assert_eq!(
            post(&app, "localhost", path, &device("device-1"))
                .await
                .status(),
            200
        );
    }
    assert_eq!(pusher.calls().len(), 4);
    app.stop().await;
}

async fn a_pushed_recovery_token_opens_the_phone_recovery_page_until_it_expires(store: Store) {
    let pusher = StandIn::new();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
    ));
    let app =
        TestApp::spawn_with_config_and_clock(store, |c| pusher.configure(c), clock.clone()).await;
    app.space("other.example.org", false).await;
    assert_eq!(
        post(&app, "localhost", RECOVERY, &device("device-1"))
            .await
            .status(),
        200
    );
    let token = pusher.last_token();
    assert_eq!(token.len(), 13);
    let path = format!("/recovery/phone/{token}");
    let v = Visitor::new(&app, "localhost", "en");
    let (status, form) = v.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hidden(&form, "account_recovery_token"), token);
    // Not on another space.
    let (status, _) = Visitor::new(&app, "other.example.org", "en")
        .get(&path)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // 60 minutes by default.
    clock.advance(Duration::minutes(59));
    assert_eq!(v.get(&path).await.0, StatusCode::OK);
    clock.advance(Duration::minutes(2));
    assert_eq!(v.get(&path).await.0, StatusCode::NOT_FOUND);
    app.stop().await;
}

async fn tokens_of_a_space_are_refused_on_another(store: Store) {
    let pusher = StandIn::new();
    let app = TestApp::spawn_with(store, |c| pusher.configure(c)).await;
    app.space("other.example.org", false).await;
    assert_eq!(
        post(&app, "localhost", CREATION, &device("device-1"))
            .await
            .status(),
        200
    );
    let token = pusher.last_token();
    let body =
        json!({"username": "stranger", "password": "secret123", "account_creation_token": token});
    let resp = post(&app, "other.example.org", REGISTER, &body).await;
    assert_eq!(resp.status(), 422);
    assert!(json(resp).await["errors"]["account_creation_token"].is_array());
    // The throttle of one space says nothing of another.
    assert_eq!(
        post(&app, "other.example.org", CREATION, &device("device-1"))
            .await
            .status(),
        200
    );

    let resp = post(&app, "localhost", REQUEST_TOKENS, &json!({})).await;
    assert_eq!(resp.status(), 201);
    let request = json(resp).await["token"].as_str().unwrap().to_owned();
    // Neither its page nor its validation nor its exchange works on the other space.
    let other = Visitor::new(&app, "other.example.org", "en");
    let check = format!("/creation_token/check/{request}");
    assert_eq!(other.get(&check).await.0, StatusCode::NOT_FOUND);
    let (_, any_form) = other.get("/recovery/email").await;
    let (status, _) = other
        .post(
            &any_form,
            "/creation_token/validate",
            &[("account_creation_request_token", request.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let own = Visitor::new(&app, "localhost", "en");
    let (_, form) = own.get(&check).await;
    let (status, _) = own
        .post(
            &form,
            "/creation_token/validate",
            &[("account_creation_request_token", request.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let exchange = json!({ "account_creation_request_token": request });
    let resp = post(&app, "other.example.org", EXCHANGE, &exchange).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(
        post(&app, "localhost", EXCHANGE, &exchange).await.status(),
        201
    );
    app.stop().await;
}

async fn a_closed_space_refuses_strangers_but_not_its_invitations(store: Store) {
    let pusher = StandIn::new();
    let app = TestApp::spawn_with(store, |c| pusher.configure(c)).await;
    // A request token asked while the space was open.
    let resp = post(&app, "localhost", REQUEST_TOKENS, &json!({})).await;
    let request = json(resp).await["token"].as_str().unwrap().to_owned();
    app.edit_space("localhost", |s| s.settings.public_registration = false)
        .await;
    for (path, body) in [
        (CREATION, device("device-1")),
        (REQUEST_TOKENS, json!({})),
        (
            EXCHANGE,
            json!({ "account_creation_request_token": request }),
        ),
        // Refused before the body is looked at.
        (CREATION, json!({})),
    ] {
        let resp = post(&app, "localhost", path, &body).await;
        assert_eq!(resp.status(), 403, "{path}");
        assert!(
            json(resp).await["message"]
                .as_str()
                .unwrap()
                .contains("Public registration is closed")
        );
    }
    assert!(pusher.calls().is_empty());
    assert!(!stored_for(&app, "device-1", false).await);
    // Recovery is not a sign-up.
    assert_eq!(
        post(&app, "localhost", RECOVERY, &device("device-1"))
            .await
            .status(),
        200
    );
    // An admin's invitation still registers.
    let resp = app
        .admin_call(Method::POST, "/api/account_creation_tokens".into(), None)
        .await
        .unwrap();
    let minted = json(resp).await["token"].as_str().unwrap().to_owned();
    let body =
        json!({"username": "invited", "password": "secret123", "account_creation_token": minted});
    assert_eq!(post(&app, "localhost", REGISTER, &body).await.status(), 200);
    app.stop().await;
}

async fn a_request_token_is_validated_on_its_page_then_exchanged_once(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let resp = post(&app, "localhost", REQUEST_TOKENS, &json!({})).await;
    assert_eq!(resp.status(), 201);
    let body = json(resp).await;
    let request = body["token"].as_str().unwrap().to_owned();
    assert_eq!(request.len(), 13);
    assert!(request.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(
        body["validation_url"],
        format!("http://localhost/creation_token/check/{request}")
    );
    let exchange = json!({ "account_creation_request_token": request });

    // Not validated yet: 404, and nothing is spent.
    assert_eq!(
        post(&app, "localhost", EXCHANGE, &exchange).await.status(),
        404
    );
    for (body, message) in [
        (
            json!({}),
            "The account_creation_request_token field is required.",
        ),
        (
            json!({"account_creation_request_token": null}),
            "The account_creation_request_token field is required.",
        ),
        (
            json!({"account_creation_request_token": 1234}),
            "The account_creation_request_token must be a string.",
        ),
        (
            json!({"account_creation_request_token": "0123456789abc"}),
            "Please provide a valid account_creation_request_token",
        ),
    ] {
        let resp = post(&app, "localhost", EXCHANGE, &body).await;
        assert_eq!(resp.status(), 422, "{body}");
        assert_eq!(
            json(resp).await["errors"]["account_creation_request_token"],
            json!([message]),
            "{body}"
        );
    }

    // The page, without JavaScript: a form with its CSRF token.
    let v = Visitor::new(&app, "localhost", "en");
    let check = format!("/creation_token/check/{request}");
    let (status, form) = v.get(&check).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("Confirm the account creation"), "{form}");
    assert_eq!(hidden(&form, "account_creation_request_token"), request);
    assert_eq!(
        v.get("/creation_token/check/unknowntoken1").await.0,
        StatusCode::NOT_FOUND
    );
    // A form without our CSRF token is refused and validates nothing.
    let (status, _) = Visitor::new(&app, "localhost", "en")
        .post_raw(
            "/creation_token/validate",
            &[("account_creation_request_token", request.clone())],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        post(&app, "localhost", EXCHANGE, &exchange).await.status(),
        404
    );
    let (status, page) = v
        .post(
            &form,
            "/creation_token/validate",
            &[("account_creation_request_token", request.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Your request is confirmed"), "{page}");

    let resp = post(&app, "localhost", EXCHANGE, &exchange).await;
    assert_eq!(resp.status(), 201);
    let created = json(resp).await;
    let token = created["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 13);
    assert_eq!(created["used"], false);
    assert!(created["pn_provider"].is_null());
    let stored = app
        .services
        .storage_for_tests()
        .creation_request_token(&request, &localhost())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.used);
    assert!(stored.acc_creation_token_id.is_some());

    // Once: a second exchange is refused, and the page is gone.
    let resp = post(&app, "localhost", EXCHANGE, &exchange).await;
    assert_eq!(resp.status(), 422);
    assert_eq!(
        json(resp).await["errors"]["account_creation_request_token"],
        json!(["Please provide a valid account_creation_request_token"])
    );
    assert_eq!(v.get(&check).await.0, StatusCode::NOT_FOUND);
    let body =
        json!({"username": "requested", "password": "secret123", "account_creation_token": token});
    assert_eq!(post(&app, "localhost", REGISTER, &body).await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn the_validation_page_speaks_french_and_asks_the_captcha_when_configured() {
    let app = TestApp::spawn_with(Store::Memory, |c| {
        c.captcha = Some(flexiapi::config::CaptchaSettings {
            secret: "captcha-secret".into(),
            sitekey: "site-key-2".into(),
            // Nothing answers there: an unchecked captcha is refused.
            verify_url: "http://127.0.0.1:9/siteverify".into(),
        });
    })
    .await;
    let resp = post(&app, "localhost", REQUEST_TOKENS, &json!({})).await;
    let request = json(resp).await["token"].as_str().unwrap().to_owned();
    let v = Visitor::new(&app, "localhost", "fr");
    let (status, form) = v.get(&format!("/creation_token/check/{request}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("Confirmez la création du compte"), "{form}");
    assert!(form.contains("data-sitekey=\"site-key-2\""), "{form}");
    let (status, page) = v
        .post(
            &form,
            "/creation_token/validate",
            &[("account_creation_request_token", request.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Confirmez la création du compte"), "{page}");
    let exchange = json!({ "account_creation_request_token": request });
    assert_eq!(
        post(&app, "localhost", EXCHANGE, &exchange).await.status(),
        404
    );
    app.stop().await;
}

async fn push_notification_pushes_for_a_logged_in_user(store: Store) {
    let pusher = StandIn::new();
    let app = TestApp::spawn_with(store, |c| pusher.configure(c)).await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("alice", "localhost").await;
    let send = |body: Value, key: Option<String>| {
        let mut req = app
            .request(Method::POST, "localhost", "/api/push_notification")
            .json(&body);
        if let Some(key) = key {
            req = req.header("x-api-key", key);
        }
        req.send()
    };
    let call = json!({
        "pn_provider": "apns", "pn_param": "ABCD1234.org.linphone.phone.voip",
        "pn_prid": "0123abcd", "type": "call", "call_id": "a1~b2-c3@sip.example.org"
    });
    assert_eq!(send(call.clone(), None).await.unwrap().status(), 401);
    assert!(pusher.calls().is_empty());
    let resp = send(call.clone(), Some(key.clone())).await.unwrap();
    assert_eq!(resp.status(), 200);
    let calls = pusher.calls();
    assert_eq!(
        calls,
        [[
            "--pn-provider",
            "apns",
            "--pn-param",
            "ABCD1234.org.linphone.phone.voip",
            "--pn-prid",
            "0123abcd",
            "--call-id",
            "a1~b2-c3@sip.example.org",
            "--apple-push-type",
            "PushKit"
        ]
        .map(str::to_owned)
        .to_vec()]
    );
    let message =
        json!({"pn_provider": "fcm", "pn_param": "123", "pn_prid": "d", "type": "message"});
    assert_eq!(
        send(message, Some(key.clone())).await.unwrap().status(),
        200
    );
    let last = pusher.calls().pop().unwrap();
    assert_eq!(
        last,
        [
            "--pn-provider",
            "fcm",
            "--pn-param",
            "123",
            "--pn-prid",
            "d"
        ]
    );

    for (body, field) in [
        (
            json!({"pn_provider": "fcm", "pn_param": "p", "pn_prid": "d", "type": "wrong"}),
            "type",
        ),
        (
            json!({"pn_provider": "fcm", "pn_param": "p", "pn_prid": "d"}),
            "type",
        ),
        (
            json!({"pn_provider": "fcm", "pn_param": "p", "pn_prid": "d", "type": "call", "call_id": "a/b"}),
            "call_id",
        ),
        (
            json!({"pn_provider": "fcm", "pn_param": null, "pn_prid": "d", "type": "call"}),
            "pn_param",
        ),
        (
            json!({"pn_provider": "fcm", "pn_param": "p", "pn_prid": "@wrong", "type": "call"}),
            "pn_prid",
        ),
        (
            json!({"pn_provider": "fcm", "pn_param": "p", "pn_prid": "d", "type": 3}),
            "type",
        ),
    ] {
        let resp = send(body.clone(), Some(key.clone())).await.unwrap();
        assert_eq!(resp.status(), 422, "{body}");
        assert!(json(resp).await["errors"][field].is_array(), "{body}");
    }
    assert_eq!(pusher.calls().len(), 2);

    pusher.mode("fail");
    let resp = send(call, Some(key)).await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(json(resp).await["message"], "Push notification not sent");
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    a_pushed_creation_token_registers_an_account,
    send_by_push_refuses_a_missing_null_or_malformed_field,
    without_a_pusher_every_push_is_not_sent_and_nothing_is_stored,
    a_failing_or_slow_pusher_leaves_no_token_and_no_throttle,
    the_throttle_counts_every_token_sent_within_its_window,
    a_pushed_recovery_token_opens_the_phone_recovery_page_until_it_expires,
    tokens_of_a_space_are_refused_on_another,
    a_closed_space_refuses_strangers_but_not_its_invitations,
    a_request_token_is_validated_on_its_page_then_exchanged_once,
    push_notification_pushes_for_a_logged_in_user,
);

/// The validation page as a person sees it, in headless Chromium, in English and French.
async fn validate_in_chromium(lang: &str, intro: &str, done: &str) {
    let Some(mut b) = Chromium::launch(lang).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let resp = post(&app, "localhost", REQUEST_TOKENS, &json!({})).await;
    let body = json(resp).await;
    let request = body["token"].as_str().unwrap().to_owned();
    // The URL handed out names the space's host; the test server listens on its own port.
    let url = body["validation_url"].as_str().unwrap().replacen(
        "http://localhost",
        &format!("http://localhost:{}", app.port),
        1,
    );
    b.open(&url).await;
    assert!(b.text().await.contains(intro), "{}", b.text().await);
    b.screenshot(&format!("creation-token-check-{lang}")).await;
    b.submit().await;
    let text = b.text().await;
    assert!(text.contains(done), "{text}");
    b.screenshot(&format!("creation-token-validated-{lang}"))
        .await;
    let exchange = json!({ "account_creation_request_token": request });
    assert_eq!(
        post(&app, "localhost", EXCHANGE, &exchange).await.status(),
        201
    );
    app.stop().await;
}

#[tokio::test]
async fn the_validation_page_works_in_a_browser_in_english() {
    validate_in_chromium("en", "A Linphone app asked", "Your request is confirmed").await;
}

#[tokio::test]
async fn the_validation_page_works_in_a_browser_in_french() {
    validate_in_chromium(
        "fr",
        "Une application Linphone a demandé",
        "Votre demande est confirmée",
    )
    .await;
}
