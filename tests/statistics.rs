//! Call and message statistics: Flexisip's hooks (admin), call histories (user and admin),
//! idempotent retries, validation, space scoping, deletion with the account, and the CLI.

use flexiapi_domain::model::Account;
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp};

/// `method path` on `host` with `key`, an optional JSON body and a language, sent.
async fn send(
    app: &TestApp,
    key: &str,
    host: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
    lang: &str,
) -> Response {
    let mut req = app
        .request(method, host, path)
        .header("x-api-key", key)
        .header("accept-language", lang);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

/// Status and body: JSON when it parses, else the text as a JSON string.
async fn answer(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// As the super admin of `localhost`.
async fn admin(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    answer(send(app, &app.admin_key, "localhost", method, path, body, "en").await).await
}

/// The fields of a 422's `errors`, sorted.
fn error_fields(body: &Value) -> Vec<String> {
    let mut fields: Vec<String> = body["errors"]
        .as_object()
        .map(|e| e.keys().cloned().collect())
        .unwrap_or_default();
    fields.sort();
    fields
}

/// A (non-admin) user of `localhost` and its key.
async fn user(app: &TestApp, name: &str) -> (Account, String) {
    let account = app
        .account(name, "localhost", "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for(name, "localhost").await;
    (account, key)
}

fn call(id: &str, from: &str, to: &str, initiated_at: &str) -> Value {
    json!({"id": id, "from": from, "to": to, "initiated_at": initiated_at})
}

/// The ids of a page of calls.
fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn hooks_record_calls_and_messages_once_and_histories_list_them(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (alice, alice_key) = user(&app, "alice").await;
    user(&app, "bob").await;

    let first = call(
        "c1",
        "alice@localhost",
        "bob@localhost",
        "2026-01-01T10:00:00Z",
    );
    assert_eq!(
        admin(
            &app,
            Method::POST,
            "/api/statistics/calls",
            Some(first.clone())
        )
        .await,
        (200, json!(1))
    );
    // A retried hook, even with other values, changes nothing and does not fail.
    let mut retry = first.clone();
    retry["to"] = json!("carol@localhost");
    assert_eq!(
        admin(&app, Method::POST, "/api/statistics/calls", Some(retry)).await,
        (200, json!(1))
    );
    for (id, from, to, at) in [
        (
            "c2",
            "bob@localhost",
            "alice@localhost",
            "2026-01-01T11:30:00+02:00",
        ),
        (
            "c3",
            "bob@localhost",
            "carol@localhost",
            "2026-01-01T11:00:00Z",
        ),
        (
            "c4",
            "alice@localhost",
            "dave@far.example.net",
            "2026-01-01 09:00:00",
        ),
    ] {
        let (status, _) = admin(
            &app,
            Method::POST,
            "/api/statistics/calls",
            Some(call(id, from, to, at)),
        )
        .await;
        assert_eq!(status, 200, "{id}");
    }

    // Devices: created (201), then updated (200) keeping what was not sent again.
    let device = "/api/statistics/calls/c1/devices/urn:uuid:dev-1";
    let (status, created) = admin(
        &app,
        Method::PATCH,
        device,
        Some(json!({"rang_at": "2026-01-01T10:00:01Z"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["device_id"], "urn:uuid:dev-1");
    assert_eq!(created["rang_at"], "2026-01-01T10:00:01.000000Z");
    assert_eq!(created["invite_terminated_state"], Value::Null);
    let terminated =
        json!({"invite_terminated": {"at": "2026-01-01T10:00:04Z", "state": "accepted"}});
    let (status, updated) = admin(&app, Method::PATCH, device, Some(terminated.clone())).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["rang_at"], "2026-01-01T10:00:01.000000Z");
    assert_eq!(
        updated["invite_terminated_at"],
        "2026-01-01T10:00:04.000000Z"
    );
    assert_eq!(updated["invite_terminated_state"], "accepted");
    assert_eq!(
        admin(&app, Method::PATCH, device, Some(terminated)).await.0,
        200
    );
    assert_eq!(
        admin(
            &app,
            Method::PATCH,
            "/api/statistics/calls/nope/devices/d",
            Some(json!({"rang_at": "2026-01-01T10:00:01Z"}))
        )
        .await
        .0,
        404
    );

    // The end of a call.
    let (status, ended) = admin(
        &app,
        Method::PATCH,
        "/api/statistics/calls/c1",
        Some(json!({"ended_at": "2026-01-01T10:05:00Z"})),
    )
    .await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["ended_at"], "2026-01-01T10:05:00.000000Z");
    assert_eq!(ended["to_username"], "bob");
    assert_eq!(ended["devices"].as_array().unwrap().len(), 1);
    assert_eq!(
        admin(
            &app,
            Method::PATCH,
            "/api/statistics/calls/nope",
            Some(json!({"ended_at": "2026-01-01T10:05:00Z"}))
        )
        .await
        .0,
        404
    );

    // Alice's history: from or to her, newest first, with devices, in pages.
    let (status, page) = admin(
        &app,
        Method::GET,
        &format!("/api/accounts/{}/statistics/calls", alice.id.0),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(ids(&page), ["c1", "c2", "c4"]);
    assert_eq!(page["total"], 3);
    assert_eq!(page["per_page"], 30);
    assert_eq!(page["data"][0]["from_username"], "alice");
    assert_eq!(
        page["data"][0]["devices"][0]["invite_terminated_state"],
        "accepted"
    );
    assert_eq!(
        page["data"][1]["initiated_at"],
        "2026-01-01T09:30:00.000000Z"
    );
    let (status, mine) = answer(
        send(
            &app,
            &alice_key,
            "localhost",
            Method::GET,
            "/api/accounts/me/statistics/calls?per_page=2&page=2",
            None,
            "en",
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(ids(&mine), ["c4"]);
    assert_eq!(
        (mine["current_page"].clone(), mine["last_page"].clone()),
        (json!(2), json!(2))
    );
    assert!(mine["prev_page_url"].is_string());
    assert_eq!(mine["next_page_url"], Value::Null);

    // Messages, and what each recipient device received.
    let message = json!({"id": "m1", "from": "alice@localhost",
        "sent_at": "2026-01-01T10:00:00Z", "encrypted": true});
    for _ in 0..2 {
        assert_eq!(
            admin(
                &app,
                Method::POST,
                "/api/statistics/messages",
                Some(message.clone())
            )
            .await,
            (200, json!(1))
        );
    }
    let path = "/api/statistics/messages/m1/to/bob@localhost/devices/dev-1";
    let report =
        |status: i64| json!({"last_status": status, "received_at": "2026-01-01T10:00:02Z"});
    let (status, created) = admin(&app, Method::PATCH, path, Some(report(180))).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (created["to_username"].clone(), created["to_domain"].clone()),
        (json!("bob"), json!("localhost"))
    );
    let (status, updated) = admin(&app, Method::PATCH, path, Some(report(200))).await;
    assert_eq!((status, updated["last_status"].clone()), (200, json!(200)));
    assert_eq!(
        admin(
            &app,
            Method::PATCH,
            "/api/statistics/messages/nope/to/bob@localhost/devices/dev-1",
            Some(report(200))
        )
        .await
        .0,
        404
    );
    let stored = app
        .services
        .storage_for_tests()
        .statistics_message(&alice.domain, "m1")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.encrypted);
    assert_eq!(stored.devices.len(), 1);
    app.stop().await;
}

async fn invalid_reports_are_localized_422s_with_every_field(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let post = |path: &'static str, body: Value, lang: &'static str| {
        let app = &app;
        async move {
            answer(
                send(
                    app,
                    &app.admin_key,
                    "localhost",
                    Method::POST,
                    path,
                    Some(body),
                    lang,
                )
                .await,
            )
            .await
        }
    };
    let (status, body) = post("/api/statistics/calls", json!({}), "en").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(error_fields(&body), ["from", "id", "initiated_at", "to"]);
    let (_, french) = post("/api/statistics/calls", json!({}), "fr").await;
    assert_eq!(error_fields(&french), error_fields(&body));
    assert_ne!(french["errors"]["id"], body["errors"]["id"]);
    assert_ne!(french["message"], body["message"]);

    let (status, body) = post(
        "/api/statistics/calls",
        json!({"id": "x".repeat(65), "from": "alice", "to": "bob@a@b",
            "initiated_at": "yesterday", "ended_at": "2026-13-01"}),
        "en",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&body),
        ["ended_at", "from", "id", "initiated_at", "to"]
    );
    assert!(
        body["errors"]["id"][0].as_str().unwrap().contains("64"),
        "{body}"
    );

    let (status, body) = post(
        "/api/statistics/messages",
        json!({"id": "m1", "from": "alice@localhost", "sent_at": "2026-01-01T10:00:00Z",
            "encrypted": "maybe"}),
        "en",
    )
    .await;
    assert_eq!(
        (status, error_fields(&body)),
        (422, vec!["encrypted".to_owned()])
    );
    let (status, body) = post("/api/statistics/messages", json!([1]), "en").await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&body), ["encrypted", "from", "id", "sent_at"]);
    // Nothing was half-recorded.
    assert!(
        app.services
            .storage_for_tests()
            .statistics_message(
                &flexiapi_domain::model::Domain::parse("localhost").unwrap(),
                "m1"
            )
            .await
            .unwrap()
            .is_none()
    );

    assert_eq!(
        post(
            "/api/statistics/calls",
            call("c1", "a@localhost", "b@localhost", "2026-01-01"),
            "en"
        )
        .await
        .0,
        200
    );
    let patch = |path: &'static str, body: Value| {
        let app = &app;
        async move {
            answer(
                send(
                    app,
                    &app.admin_key,
                    "localhost",
                    Method::PATCH,
                    path,
                    Some(body),
                    "fr",
                )
                .await,
            )
            .await
        }
    };
    let device = "/api/statistics/calls/c1/devices/d1";
    for (body, fields) in [
        (
            json!({"invite_terminated": {"at": "2026-01-01T10:00:00Z"}}),
            vec!["invite_terminated.state"],
        ),
        (
            json!({"invite_terminated": {"state": "accepted"}}),
            vec!["invite_terminated.at"],
        ),
        (
            json!({"rang_at": "soon", "invite_terminated": {"at": "2026-01-01", "state": "busy"}}),
            vec!["invite_terminated.state", "rang_at"],
        ),
        (json!({"invite_terminated": 3}), vec!["invite_terminated"]),
    ] {
        let (status, answer) = patch(device, body.clone()).await;
        assert_eq!(status, 422, "{body} {answer}");
        assert_eq!(error_fields(&answer), fields, "{body} {answer}");
    }
    let (status, body) = patch("/api/statistics/calls/c1", json!({})).await;
    assert_eq!(
        (status, error_fields(&body)),
        (422, vec!["ended_at".to_owned()])
    );
    let (status, body) = patch(
        "/api/statistics/messages/m1/to/not-an-address/devices/d1",
        json!({"last_status": "x"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&body), ["last_status", "received_at", "to"]);
    // No device row came of the refused reports.
    let (_, page) = admin(
        &app,
        Method::PATCH,
        "/api/statistics/calls/c1",
        Some(json!({"ended_at": "2026-01-01T10:05:00Z"})),
    )
    .await;
    assert_eq!(page["devices"], json!([]));
    app.stop().await;
}

async fn records_belong_to_the_space_they_were_reported_in(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (alice, alice_key) = user(&app, "alice").await;
    app.space("other.example.org", false).await;
    let other = app
        .account("boss", "other.example.org", "secret123", &[Sha256], true)
        .await;
    let other_key = app.admin_key_for("boss", "other.example.org").await;
    let on_other = |method: Method, path: &str, body: Option<Value>| {
        let (app, key) = (&app, &other_key);
        let path = path.to_owned();
        async move { answer(send(app, key, "other.example.org", method, &path, body, "en").await).await }
    };

    admin(
        &app,
        Method::POST,
        "/api/statistics/calls",
        Some(call(
            "c1",
            "alice@localhost",
            "boss@other.example.org",
            "2026-01-01T10:00:00Z",
        )),
    )
    .await;
    // The other space's admin neither sees nor changes it...
    assert_eq!(
        on_other(
            Method::PATCH,
            "/api/statistics/calls/c1",
            Some(json!({"ended_at": "2026-01-01T10:05:00Z"}))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        on_other(
            Method::PATCH,
            "/api/statistics/calls/c1/devices/d",
            Some(json!({"rang_at": "2026-01-01T10:05:00Z"}))
        )
        .await
        .0,
        404
    );
    assert_eq!(
        on_other(
            Method::GET,
            &format!("/api/accounts/{}/statistics/calls", alice.id.0),
            None
        )
        .await
        .0,
        404
    );
    let (status, boss) = on_other(
        Method::GET,
        &format!("/api/accounts/{}/statistics/calls", other.id.0),
        None,
    )
    .await;
    assert_eq!((status, boss["total"].clone()), (200, json!(0)));
    // ...and what it reports with the same id is its own record, which Alice never sees.
    assert_eq!(
        on_other(
            Method::POST,
            "/api/statistics/calls",
            Some(call(
                "c1",
                "mallory@other.example.org",
                "alice@localhost",
                "2026-01-02T10:00:00Z"
            ))
        )
        .await
        .0,
        200
    );
    let (_, mine) = answer(
        send(
            &app,
            &alice_key,
            "localhost",
            Method::GET,
            "/api/accounts/me/statistics/calls",
            None,
            "en",
        )
        .await,
    )
    .await;
    assert_eq!(ids(&mine), ["c1"]);
    assert_eq!(mine["data"][0]["to_username"], "boss");
    // A user cannot report.
    assert_eq!(
        answer(
            send(
                &app,
                &alice_key,
                "localhost",
                Method::POST,
                "/api/statistics/calls",
                Some(call("c9", "alice@localhost", "bob@localhost", "2026-01-01")),
                "en"
            )
            .await
        )
        .await
        .0,
        403
    );
    app.stop().await;
}

async fn an_accounts_sent_statistics_are_deleted_with_it(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (alice, alice_key) = user(&app, "alice").await;
    let (_, bob_key) = user(&app, "bob").await;
    for (id, from, to) in [
        ("sent", "alice@localhost", "bob@localhost"),
        ("received", "bob@localhost", "alice@localhost"),
    ] {
        admin(
            &app,
            Method::POST,
            "/api/statistics/calls",
            Some(call(id, from, to, "2026-01-01T10:00:00Z")),
        )
        .await;
        admin(&app, Method::POST, "/api/statistics/messages",
            Some(json!({"id": id, "from": from, "sent_at": "2026-01-01T10:00:00Z", "encrypted": false})))
            .await;
    }
    admin(
        &app,
        Method::PATCH,
        "/api/statistics/calls/sent/devices/d",
        Some(json!({"rang_at": "2026-01-01T10:00:01Z"})),
    )
    .await;
    let bobs = async || {
        let (_, page) = answer(
            send(
                &app,
                &bob_key,
                "localhost",
                Method::GET,
                "/api/accounts/me/statistics/calls",
                None,
                "en",
            )
            .await,
        )
        .await;
        ids(&page)
    };
    assert_eq!(bobs().await, ["sent", "received"]);

    let resp = send(
        &app,
        &alice_key,
        "localhost",
        Method::DELETE,
        "/api/accounts/me",
        None,
        "en",
    )
    .await;
    assert_eq!(resp.status(), 200);
    // As the original: what she sent goes, what she received stays in Bob's history.
    assert_eq!(bobs().await, ["received"]);
    let storage = app.services.storage_for_tests();
    assert!(
        storage
            .statistics_message(&alice.domain, "sent")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        storage
            .statistics_message(&alice.domain, "received")
            .await
            .unwrap()
            .is_some()
    );
    // A retried hook of her call comes back without her account behind it.
    admin(
        &app,
        Method::POST,
        "/api/statistics/calls",
        Some(call(
            "sent",
            "alice@localhost",
            "bob@localhost",
            "2026-01-01T10:00:00Z",
        )),
    )
    .await;
    assert_eq!(bobs().await, ["sent", "received"]);
    app.stop().await;
}

crate::on_every_store!(
    hooks_record_calls_and_messages_once_and_histories_list_them,
    an_accounts_sent_statistics_are_deleted_with_it,
);

mod more {
    use super::*;

    crate::on_memory_and_sqlite!(
        invalid_reports_are_localized_422s_with_every_field,
        records_belong_to_the_space_they_were_reported_in,
    );
}

#[tokio::test]
async fn statistics_older_than_an_age_are_cleared_from_the_command_line() {
    use crate::cli::{flexiapi, stderr_line};
    use flexiapi_domain::model::{Domain, StatisticsAddress, StatisticsCall, StatisticsMessage};

    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/flexiapi.sqlite", dir.path().display());
    let created = flexiapi(
        &db,
        &[
            "spaces",
            "create",
            "--domain",
            "sip.example.org",
            "--host",
            "sip.example.org",
        ],
    );
    assert!(created.status.success(), "{}", stderr_line(&created));
    let opened = flexiapi::Database::open(&db).await.unwrap();
    let now = chrono::Utc::now();
    let space = Domain::parse("sip.example.org").unwrap();
    let address = |raw: &str| StatisticsAddress::parse(raw).unwrap();
    for (id, age_days) in [("old", 40), ("recent", 2)] {
        let at = now - chrono::Duration::days(age_days);
        opened
            .storage
            .record_statistics_call(&StatisticsCall {
                space: space.clone(),
                id: id.into(),
                from: address("a@sip.example.org"),
                to: address("b@sip.example.org"),
                initiated_at: at,
                ended_at: None,
                conference_id: None,
                devices: Vec::new(),
                created_at: at,
                updated_at: at,
            })
            .await
            .unwrap();
        opened
            .storage
            .record_statistics_message(&StatisticsMessage {
                space: space.clone(),
                id: id.into(),
                from: address("a@sip.example.org"),
                sent_at: at,
                encrypted: false,
                conference_id: None,
                devices: Vec::new(),
                created_at: at,
                updated_at: at,
            })
            .await
            .unwrap();
    }

    let out = flexiapi(&db, &["statistics", "clear", "--older-than", "30d"]);
    assert!(out.status.success(), "{}", stderr_line(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "deleted 2 call and message statistics"
    );
    assert!(
        opened
            .storage
            .statistics_call(&space, "old")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        opened
            .storage
            .statistics_message(&space, "old")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        opened
            .storage
            .statistics_call(&space, "recent")
            .await
            .unwrap()
            .is_some()
    );

    // A bare number is days; a malformed age is refused in one line.
    let out = flexiapi(&db, &["statistics", "clear", "--older-than", "1"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "deleted 2 call and message statistics"
    );
    let bad = flexiapi(&db, &["statistics", "clear", "--older-than", "soon"]);
    assert!(!bad.status.success());
    opened.close().await;
}
