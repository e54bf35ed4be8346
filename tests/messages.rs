//! `POST /api/messages`: SIP MESSAGEs through linphone-daemon's UNIX socket, against a stand-in
//! that speaks the daemon's protocol (`flexiapi_adapters_notify::linphone_daemon::stand_in`).

use std::time::{Duration, Instant};

use flexiapi_adapters_notify::linphone_daemon::stand_in::{Behaviour, DaemonStandIn};
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp, json as body_of};

async fn send(app: &TestApp, host: &str, key: &str, body: Value, lang: &str) -> (u16, Value) {
    let resp = app
        .request(Method::POST, host, "/api/messages")
        .header("x-api-key", key)
        .header("accept-language", lang)
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), body_of(resp).await)
}

/// A server whose `[messages]` points at a stand-in daemon in `dir`.
async fn with_daemon(store: Store, dir: &tempfile::TempDir) -> (TestApp, DaemonStandIn) {
    let socket = dir.path().join("linphone-daemon.sock");
    let daemon = DaemonStandIn::start(&socket);
    let app = TestApp::spawn_with(store, |c| {
        c.linphone_daemon_socket = Some(socket);
        c.linphone_daemon_timeout = Duration::from_secs(1);
    })
    .await;
    (app, daemon)
}

#[tokio::test]
async fn without_a_daemon_the_route_answers_404() {
    let app = TestApp::spawn().await;
    let (status, body) = send(
        &app,
        "localhost",
        &app.admin_key,
        json!({"to": "bob@localhost", "body": "hi"}),
        "en",
    )
    .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("Sending SIP messages is not configured."))
    );
    let (status, body) = send(&app, "localhost", &app.admin_key, json!({}), "fr").await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("L'envoi de messages SIP n'est pas configuré."))
    );
    app.stop().await;
}

async fn a_message_reaches_the_daemon_as_one_command(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let (app, daemon) = with_daemon(store, &dir).await;
    let (status, body) = send(
        &app,
        "localhost",
        &app.admin_key,
        json!({"to": "bob@localhost", "body": "Hello Bob: the meeting is at 10 ; bring $(coffee)"}),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], "0000000000000001@stand-in");
    // `sip:` given or not, the daemon gets one address.
    let (status, body) = send(
        &app,
        "localhost",
        &app.admin_key,
        json!({"to": "sip:carol@localhost", "body": "2"}),
        "en",
    )
    .await;
    assert_eq!(
        (status, body["id"].as_str()),
        (200, Some("0000000000000002@stand-in"))
    );
    assert_eq!(
        daemon.sent.lock().unwrap().clone(),
        vec![
            (
                "sip:bob@localhost".to_owned(),
                "Hello Bob: the meeting is at 10 ; bring $(coffee)".to_owned()
            ),
            ("sip:carol@localhost".to_owned(), "2".to_owned()),
        ]
    );
    assert_eq!(daemon.commands.lock().unwrap().len(), 2);
    app.stop().await;
}

async fn bad_messages_never_reach_the_daemon(store: Store) {
    let dir = tempfile::tempdir().unwrap();
    let (app, daemon) = with_daemon(store, &dir).await;
    app.space("other.example.org", false).await;
    app.space("b.example.org", false).await;
    app.account("admin", "b.example.org", "admin-secret", &[Sha256], true)
        .await;
    let space_admin = app.admin_key_for("admin", "b.example.org").await;
    let long = "x".repeat(4097);
    let cases: &[(&str, Value, &str, &str)] = &[
        ("localhost", json!({}), "to", "The to field is required."),
        (
            "localhost",
            json!({"to": "bob@localhost"}),
            "body",
            "The body field is required.",
        ),
        (
            "localhost",
            json!({"to": "bob", "body": "x"}),
            "to",
            "The to must be a valid SIP URI.",
        ),
        (
            "localhost",
            json!({"to": "bob@localhost", "body": "one\ncall sip:premium@example.org"}),
            "body",
            "The body contains characters that cannot be provisioned (control characters, line breaks, U+FFFE or U+FFFF).",
        ),
        (
            "localhost",
            json!({"to": "bob@localhost", "body": long}),
            "body",
            "The body may not be greater than 4096 characters.",
        ),
        (
            "localhost",
            json!({"to": ["bob@localhost"], "body": "x"}),
            "to",
            "The to must be a string.",
        ),
        // An admin that is not a super admin writes only to its own space.
        (
            "b.example.org",
            json!({"to": "bob@other.example.org", "body": "x"}),
            "to",
            "The to must be an address of this space.",
        ),
    ];
    for (host, body, field, message) in cases {
        let key = if *host == "localhost" {
            &app.admin_key
        } else {
            &space_admin
        };
        let (status, answer) = send(&app, host, key, body.clone(), "en").await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert_eq!(answer["errors"][field][0], *message, "{body}: {answer}");
    }
    let (status, answer) = send(
        &app,
        "b.example.org",
        &space_admin,
        json!({"to": "bob@other.example.org", "body": "x"}),
        "fr",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        answer["errors"]["to"][0],
        "Le champ destinataire doit être une adresse de cet espace."
    );
    assert!(daemon.commands.lock().unwrap().is_empty());
    // Its own space's address is fine; a super admin writes anywhere.
    let (status, _) = send(
        &app,
        "b.example.org",
        &space_admin,
        json!({"to": "bob@b.example.org", "body": "x"}),
        "en",
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(
        &app,
        "localhost",
        &app.admin_key,
        json!({"to": "bob@other.example.org", "body": "x"}),
        "en",
    )
    .await;
    assert_eq!(status, 200);
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    a_message_reaches_the_daemon_as_one_command,
    bad_messages_never_reach_the_daemon,
);

#[tokio::test]
async fn a_refusing_silent_or_absent_daemon_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (app, daemon) = with_daemon(Store::Memory, &dir).await;
    let message = json!({"to": "bob@localhost", "body": "x"});

    daemon.behave(Behaviour::Refuse(
        "Internal error creating chat room.".into(),
    ));
    let (status, body) = send(&app, "localhost", &app.admin_key, message.clone(), "en").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["message"],
        "The message was refused: Internal error creating chat room."
    );

    // A daemon that never answers: 503 once the timeout (1 s) is over, not a hung request.
    daemon.behave(Behaviour::Hang);
    let started = Instant::now();
    let (status, body) = send(&app, "localhost", &app.admin_key, message.clone(), "fr").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["message"],
        "Le message n'a pas pu être envoyé : le service SIP est indisponible."
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    daemon.behave(Behaviour::Close);
    let (status, _) = send(&app, "localhost", &app.admin_key, message.clone(), "en").await;
    assert_eq!(status, 503);

    // No daemon listening on the socket at all.
    std::fs::remove_file(&daemon.socket).unwrap();
    let (status, body) = send(&app, "localhost", &app.admin_key, message, "en").await;
    assert_eq!(status, 503);
    assert_eq!(
        body["message"],
        "The message could not be sent: the SIP service is unavailable."
    );
    app.stop().await;
}
