//! Direct push (FCM HTTP v1, APNs HTTP/2) configured for the server: the configuration is read
//! from a file, checked at start, and the pusher the use cases get delivers to the stand-ins.
//!
//! The routes that push (send-by-push, `POST /push_notification`) can build their server with
//! [`direct_push_config`] and assert on the stand-ins' `arrivals()`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flexiapi::config::Config;
use flexiapi::push::{ApnsFile, FcmFile, PushConfig, PushFile};
use flexiapi_adapters_push::stand_in::{Answer, ApnsStandIn, FcmStandIn};
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use flexiapi_domain::model::{PushNotification, PushParam, PushPrid, PushProvider, PushTarget};

use crate::helpers::{Store, TestApp, json};

const DEVICE: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";

/// `[push]` sending FCM pushes to `fcm` and APNs pushes (both environments) to `apns`, with a
/// 5-second bound; put it in a server's configuration (`config.push = …`).
pub fn direct_push_config(fcm: &FcmStandIn, apns: &ApnsStandIn) -> PushConfig {
    PushConfig::from_file(Some(PushFile {
        timeout_seconds: Some(5),
        fcm: Some(FcmFile {
            service_account_file: Some(fcm.service_account_file()),
            base_url: Some(fcm.base_url()),
            token_url: None,
        }),
        apns: Some(ApnsFile {
            key_file: Some(apns.key_file()),
            key_id: Some(apns.key_id().into()),
            team_id: Some(apns.team_id().into()),
            topic: None,
            base_url: Some(apns.production_url()),
            sandbox_base_url: Some(apns.sandbox_url()),
            ca_file: apns.ca_file(),
        }),
        ..PushFile::default()
    }))
    .expect("the stand-ins' configuration is valid")
}

/// The same as a configuration file's text.
fn direct_push_toml(fcm: &FcmStandIn, apns: &ApnsStandIn) -> String {
    format!(
        "[push]\ntimeout_seconds = 5\n\
         [push.fcm]\nservice_account_file = \"{}\"\nbase_url = \"{}\"\n\
         [push.apns]\nkey_file = \"{}\"\nkey_id = \"{}\"\nteam_id = \"{}\"\n\
         base_url = \"{}\"\nsandbox_base_url = \"{}\"\nca_file = \"{}\"\n",
        fcm.service_account_file().display(),
        fcm.base_url(),
        apns.key_file().display(),
        apns.key_id(),
        apns.team_id(),
        apns.production_url(),
        apns.sandbox_url(),
        apns.ca_file().unwrap().display(),
    )
}

/// The server answers (and so logs a request, which `TestApp::stop` checks for secrets).
async fn assert_up(app: &TestApp) {
    let ping = app.get("localhost", "/api/ping").send().await.unwrap();
    assert_eq!(ping.status(), 200);
}

fn token_push(provider: PushProvider, param: &str, prid: &str) -> PushNotification {
    PushNotification::token(
        PushTarget {
            provider,
            param: PushParam::parse(param).unwrap(),
            prid: PushPrid::parse(prid).unwrap(),
        },
        "TOKEN13CHARSX",
    )
}

#[tokio::test]
async fn a_server_configured_for_direct_push_delivers_to_fcm_and_both_apns_environments() {
    let fcm = FcmStandIn::start().await;
    let apns = ApnsStandIn::start().await;
    let app = TestApp::spawn_with(Store::Memory, |config| {
        config.push = direct_push_config(&fcm, &apns);
    })
    .await;
    assert_up(&app).await;
    let pusher = app.services.pusher.clone();
    for provider in PushProvider::ALL {
        assert!(pusher.can_push(provider), "{provider}");
    }
    pusher
        .push(&token_push(
            PushProvider::Fcm,
            "929724111839",
            "fcm-device_1",
        ))
        .await
        .unwrap();
    for provider in [PushProvider::ApnsDev, PushProvider::Apns] {
        pusher
            .push(&token_push(
                provider,
                &apns.pn_param(),
                &format!("{DEVICE}:remote"),
            ))
            .await
            .unwrap();
    }
    let fcm_arrivals = fcm.arrivals();
    assert_eq!(fcm_arrivals.len(), 1);
    assert_eq!(fcm_arrivals[0].message["data"]["token"], "TOKEN13CHARSX");
    let environments: Vec<String> = apns.arrivals().into_iter().map(|a| a.environment).collect();
    assert_eq!(environments, ["sandbox", "production"]);
    app.stop().await;
}

#[tokio::test]
async fn a_server_with_no_push_configured_sends_nothing() {
    let app = TestApp::spawn().await;
    assert_up(&app).await;
    let pusher = app.services.pusher.clone();
    assert!(!pusher.can_push(PushProvider::Fcm));
    let result = pusher
        .push(&token_push(PushProvider::Fcm, "1", "device"))
        .await;
    assert_eq!(result, Err(TransportError::NotConfigured));
    app.stop().await;
}

#[tokio::test]
async fn a_configuration_file_with_direct_push_is_read_and_names_the_providers_at_start() {
    let fcm = FcmStandIn::start().await;
    let apns = ApnsStandIn::start_tls().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flexiapi.toml");
    std::fs::write(&file, direct_push_toml(&fcm, &apns)).unwrap();
    let config = Config::load(Some(&file), Some("memory".into()), None, None).unwrap();
    let fcm_settings = config.push.fcm.as_ref().unwrap();
    assert_eq!(fcm_settings.account.project_id, fcm.project_id());
    assert_eq!(fcm_settings.timeout, Duration::from_secs(5));
    assert!(config.push.apns.as_ref().unwrap().ca_pem.is_some());

    let log = startup_log(&file);
    let line = log
        .lines()
        .find(|l| l.contains("pushes:"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(
        line.contains("fcm → FCM directly, apns and apns.dev → APNs directly"),
        "{line}"
    );
    assert!(line.contains(fcm.project_id()), "{line}");
    assert!(!log.contains("PRIVATE KEY"), "{log}");
}

#[tokio::test]
async fn an_unreadable_or_invalid_key_file_stops_the_server_at_start_with_one_line() {
    let fcm = FcmStandIn::start().await;
    let apns = ApnsStandIn::start_tls().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flexiapi.toml");

    let missing = direct_push_toml(&fcm, &apns).replace(
        &apns.key_file().display().to_string(),
        "/nonexistent/AuthKey.p8",
    );
    std::fs::write(&file, missing).unwrap();
    let error = failed_start(&file);
    assert!(
        error.contains("cannot read [push.apns] key_file /nonexistent/AuthKey.p8"),
        "{error}"
    );

    // The service account file given as the APNs key: readable, but not a P-256 key.
    let wrong = direct_push_toml(&fcm, &apns).replace(
        &apns.key_file().display().to_string(),
        &fcm.service_account_file().display().to_string(),
    );
    std::fs::write(&file, wrong).unwrap();
    let error = failed_start(&file);
    assert!(error.contains("[push.apns] key_file"), "{error}");
    assert!(error.contains("not an APNs .p8"), "{error}");
    assert!(!error.contains("PRIVATE KEY"), "{error}");

    let no_account = direct_push_toml(&fcm, &apns).replace(
        &fcm.service_account_file().display().to_string(),
        "/nonexistent/sa.json",
    );
    std::fs::write(&file, no_account).unwrap();
    let error = failed_start(&file);
    assert!(
        error.contains("cannot read [push.fcm] service_account_file /nonexistent/sa.json"),
        "{error}"
    );
}

fn serve(config: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .args(["--database", "memory", "--config"])
        .arg(config)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("FLEXIAPI_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The one-line error of a `serve` that must refuse its configuration (killed if it starts).
fn failed_start(config: &Path) -> String {
    let mut child = serve(config);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve started with an invalid [push] configuration");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    let text = stderr.trim().to_owned();
    assert_eq!(text.lines().count(), 1, "one line expected, got {text:?}");
    text
}

/// What `serve` logs until it listens.
fn startup_log(config: &Path) -> String {
    use std::io::{BufRead, BufReader};
    let mut child = serve(config);
    let mut log = String::new();
    for line in BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
    {
        log.push_str(&line);
        log.push('\n');
        if line.contains("listening") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    log
}

async fn post(app: &TestApp, path: &str, body: &serde_json::Value) -> reqwest::Response {
    app.request(reqwest::Method::POST, "localhost", path)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// The routes, end to end with no Flexisip binary: a token pushed through FCM registers an
/// account, a recovery token reaches an iPhone over APNs (sandbox), and a call push is a VoIP one.
#[tokio::test]
async fn tokens_and_calls_reach_the_apps_through_fcm_and_apns_directly() {
    let fcm = FcmStandIn::start().await;
    let apns = ApnsStandIn::start().await;
    let app = TestApp::spawn_with(Store::Sqlite, |config| {
        config.push = direct_push_config(&fcm, &apns);
    })
    .await;

    let android = serde_json::json!({"pn_provider": "fcm", "pn_param": "929724111839", "pn_prid": "fcm-device_1"});
    let resp = post(&app, "/api/account_creation_tokens/send-by-push", &android).await;
    assert_eq!(resp.status(), 200);
    let arrivals = fcm.arrivals();
    assert_eq!(arrivals.len(), 1);
    assert_eq!(arrivals[0].message["token"], "fcm-device_1");
    let token = arrivals[0].message["data"]["token"]
        .as_str()
        .expect("the token is in the message's data")
        .to_owned();
    assert_eq!(token.len(), 13);
    let resp = post(
        &app,
        "/api/accounts/with-account-creation-token",
        &serde_json::json!({"username": "droid", "password": "secret123", "account_creation_token": token}),
    )
    .await;
    assert_eq!(resp.status(), 200);

    let iphone = serde_json::json!({
        "pn_provider": "apns.dev",
        "pn_param": apns.pn_param(),
        "pn_prid": format!("{DEVICE}:remote"),
    });
    let resp = post(&app, "/api/account_recovery_tokens/send-by-push", &iphone).await;
    assert_eq!(resp.status(), 200);
    let arrival = apns.arrivals().pop().unwrap();
    assert!(arrival.http2);
    assert_eq!(
        (arrival.environment.as_str(), arrival.device_token.as_str()),
        ("sandbox", DEVICE)
    );
    assert_eq!(
        (arrival.push_type.as_str(), arrival.priority),
        ("background", 5)
    );
    let recovery = arrival.body["token"].as_str().unwrap().to_owned();
    let page = app
        .get("localhost", &format!("/recovery/phone/{recovery}"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        200,
        "the pushed recovery token opens its page"
    );

    app.account("caller", "localhost", "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("caller", "localhost").await;
    let mut call = iphone.clone();
    call["pn_provider"] = "apns".into();
    call["type"] = "call".into();
    call["call_id"] = "abc-123@sip.example.org".into();
    let resp = app
        .request(reqwest::Method::POST, "localhost", "/api/push_notification")
        .header("x-api-key", key)
        .json(&call)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let arrival = apns.arrivals().pop().unwrap();
    assert_eq!(arrival.environment, "production");
    assert_eq!((arrival.push_type.as_str(), arrival.priority), ("voip", 10));
    assert!(arrival.topic.ends_with(".voip"), "{}", arrival.topic);
    app.stop().await;
}

/// A provider that refuses, or never answers, is "not sent" (503) within the push timeout, and
/// leaves neither a token nor a throttle behind: the same device gets one once it is back.
#[tokio::test]
async fn a_refusing_or_hanging_provider_is_not_sent_and_keeps_nothing() {
    let fcm = FcmStandIn::start().await;
    let apns = ApnsStandIn::start().await;
    let app = TestApp::spawn_with(Store::Sqlite, |config| {
        config.push = direct_push_config(&fcm, &apns);
    })
    .await;
    let android = serde_json::json!({"pn_provider": "fcm", "pn_param": "929724111839", "pn_prid": "gone-device"});
    fcm.answer_sends(Answer::Status(404, "UNREGISTERED".into()));
    let resp = post(&app, "/api/account_creation_tokens/send-by-push", &android).await;
    assert_eq!(resp.status(), 503);
    assert_eq!(json(resp).await["message"], "Token not sent");

    let iphone = serde_json::json!({
        "pn_provider": "apns",
        "pn_param": apns.pn_param(),
        "pn_prid": DEVICE,
    });
    apns.answer(Answer::Hang);
    let start = Instant::now();
    let resp = post(&app, "/api/account_creation_tokens/send-by-push", &iphone).await;
    assert_eq!(resp.status(), 503);
    // `direct_push_config` bounds a push at 5 seconds.
    assert!(
        start.elapsed() < Duration::from_secs(9),
        "{:?}",
        start.elapsed()
    );

    fcm.answer_sends(Answer::Accept);
    apns.answer(Answer::Accept);
    for device in [&android, &iphone] {
        let resp = post(&app, "/api/account_creation_tokens/send-by-push", device).await;
        assert_eq!(
            resp.status(),
            200,
            "no throttle was left by the failed push"
        );
    }
    app.stop().await;
}
