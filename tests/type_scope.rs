//! Tenant isolation of account types (each space has its own), and the last super space, which
//! can be neither deleted nor demoted (API and CLI).

use std::process::Command;

use flexiapi_domain::model::{Domain, PasswordAlgorithm::Sha256};
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp};

async fn json(r: Response) -> Value {
    r.json().await.unwrap()
}

/// Sends `method path` on `host` with `key` and an optional JSON body.
async fn call(
    app: &TestApp,
    key: &str,
    host: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Response {
    let mut req = app.request(method, host, path).header("x-api-key", key);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

const A: &str = "a.example.org";
const B: &str = "b.example.org";

/// Spaces A and B, each with an admin (returned keys) and a user.
async fn two_spaces(app: &TestApp) -> (String, String) {
    for d in [A, B] {
        app.space(d, false).await;
        app.account("admin", d, "secret123", &[Sha256], true).await;
        app.account("user", d, "secret123", &[Sha256], false).await;
    }
    (
        app.admin_key_for("admin", A).await,
        app.admin_key_for("admin", B).await,
    )
}

async fn user_id(app: &TestApp, domain: &str) -> i64 {
    app.services
        .storage_for_tests()
        .account_by_identity(
            &flexiapi_domain::model::Username::parse("user").unwrap(),
            &Domain::parse(domain).unwrap(),
        )
        .await
        .unwrap()
        .unwrap()
        .id
        .0
}

async fn an_admin_cannot_see_rename_delete_or_attach_another_spaces_type(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (key_a, key_b) = two_spaces(&app).await;
    let (user_a, user_b) = (user_id(&app, A).await, user_id(&app, B).await);
    let created = call(
        &app,
        &key_b,
        B,
        Method::POST,
        "/api/account_types",
        Some(json!({"key": "door"})),
    )
    .await;
    assert_eq!(created.status(), 201);
    let theirs = json(created).await["id"].as_i64().unwrap();
    let attach_b = format!("/api/accounts/{user_b}/types/{theirs}");
    assert_eq!(
        call(&app, &key_b, B, Method::POST, &attach_b, None)
            .await
            .status(),
        200
    );

    // Admin A sees none of it.
    let listed = call(&app, &key_a, A, Method::GET, "/api/account_types", None).await;
    assert_eq!(json(listed).await, json!([]));
    let path = format!("/api/account_types/{theirs}");
    let shown = call(&app, &key_a, A, Method::GET, &path, None).await;
    assert_eq!(shown.status(), 404);
    let unknown = call(
        &app,
        &key_a,
        A,
        Method::GET,
        "/api/account_types/999999",
        None,
    )
    .await;
    assert_eq!(json(shown).await, json(unknown).await, "as an unknown id");
    let renamed = call(
        &app,
        &key_a,
        A,
        Method::PUT,
        &path,
        Some(json!({"key": "hijacked"})),
    )
    .await;
    assert_eq!(renamed.status(), 404);
    // Deleting an unknown id answers 0 (as the original); another space's type is one.
    let deleted = call(&app, &key_a, A, Method::DELETE, &path, None).await;
    assert_eq!(deleted.text().await.unwrap(), "0");
    let attached = call(
        &app,
        &key_a,
        A,
        Method::POST,
        &format!("/api/accounts/{user_a}/types/{theirs}"),
        None,
    )
    .await;
    assert_eq!(attached.status(), 404);
    let detached = call(
        &app,
        &key_a,
        A,
        Method::DELETE,
        &format!("/api/accounts/{user_a}/types/{theirs}"),
        None,
    )
    .await;
    assert_eq!(detached.status(), 404);
    // Through A's host, B's account is not there either.
    let detached = call(&app, &key_a, A, Method::DELETE, &attach_b, None).await;
    assert_eq!(detached.status(), 404);

    // B's type is untouched and still attached.
    let shown = call(&app, &key_b, B, Method::GET, &path, None).await;
    assert_eq!(json(shown).await, json!({"id": theirs, "key": "door"}));
    let account = call(
        &app,
        &key_b,
        B,
        Method::GET,
        &format!("/api/accounts/{user_b}"),
        None,
    )
    .await;
    assert_eq!(
        json(account).await["types"],
        json!([{"id": theirs, "key": "door"}])
    );

    // The super admin acts on the space of the host it calls.
    let listed = app
        .admin_call(Method::GET, "/api/account_types".into(), None)
        .await
        .unwrap();
    assert_eq!(json(listed).await, json!([]));
    let listed = call(
        &app,
        &app.admin_key,
        B,
        Method::GET,
        "/api/account_types",
        None,
    )
    .await;
    assert_eq!(json(listed).await, json!([{"id": theirs, "key": "door"}]));
    app.stop().await;
}

async fn the_same_type_key_lives_in_two_spaces(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (key_a, key_b) = two_spaces(&app).await;
    let mut ids = Vec::new();
    for (key, host) in [(&key_a, A), (&key_b, B)] {
        let created = call(
            &app,
            key,
            host,
            Method::POST,
            "/api/account_types",
            Some(json!({"key": "premium"})),
        )
        .await;
        assert_eq!(created.status(), 201, "{host}");
        ids.push(json(created).await["id"].as_i64().unwrap());
        // Still unique within the space.
        let dup = call(
            &app,
            key,
            host,
            Method::POST,
            "/api/account_types",
            Some(json!({"key": "premium"})),
        )
        .await;
        assert_eq!(dup.status(), 422, "{host}");
    }
    assert_ne!(ids[0], ids[1]);
    for (key, host, id) in [(&key_a, A, ids[0]), (&key_b, B, ids[1])] {
        let listed = call(&app, key, host, Method::GET, "/api/account_types", None).await;
        assert_eq!(json(listed).await, json!([{"id": id, "key": "premium"}]));
    }
    // Renaming one leaves the other.
    let renamed = call(
        &app,
        &key_a,
        A,
        Method::PUT,
        &format!("/api/account_types/{}", ids[0]),
        Some(json!({"key": "gold"})),
    )
    .await;
    assert_eq!(json(renamed).await["key"], "gold");
    let other = call(
        &app,
        &key_b,
        B,
        Method::GET,
        &format!("/api/account_types/{}", ids[1]),
        None,
    )
    .await;
    assert_eq!(json(other).await["key"], "premium");
    app.stop().await;
}

async fn an_admin_attaches_and_detaches_the_types_of_its_space(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (key_a, _) = two_spaces(&app).await;
    let user_a = user_id(&app, A).await;
    let created = call(
        &app,
        &key_a,
        A,
        Method::POST,
        "/api/account_types",
        Some(json!({"key": "phone"})),
    )
    .await;
    let id = json(created).await["id"].as_i64().unwrap();
    let attach = format!("/api/accounts/{user_a}/types/{id}");
    assert_eq!(
        call(&app, &key_a, A, Method::POST, &attach, None)
            .await
            .status(),
        200
    );
    assert_eq!(
        call(&app, &key_a, A, Method::POST, &attach, None)
            .await
            .status(),
        403,
        "already attached"
    );
    let account = call(
        &app,
        &key_a,
        A,
        Method::GET,
        &format!("/api/accounts/{user_a}"),
        None,
    )
    .await;
    assert_eq!(
        json(account).await["types"],
        json!([{"id": id, "key": "phone"}])
    );
    let detached = call(&app, &key_a, A, Method::DELETE, &attach, None).await;
    assert_eq!(detached.text().await.unwrap(), "1");
    assert_eq!(
        call(&app, &key_a, A, Method::DELETE, &attach, None)
            .await
            .status(),
        403,
        "not attached"
    );
    assert_eq!(
        call(
            &app,
            &key_a,
            A,
            Method::DELETE,
            &format!("/api/account_types/{id}"),
            None
        )
        .await
        .text()
        .await
        .unwrap(),
        "1"
    );
    app.stop().await;
}

/// The bootstrap space (`localhost`) as `GET /api/spaces/localhost` shows it.
async fn bootstrap_space(app: &TestApp) -> Value {
    json(
        app.admin_call(Method::GET, "/api/spaces/localhost".into(), None)
            .await
            .unwrap(),
    )
    .await
}

async fn the_last_super_space_can_be_neither_deleted_nor_demoted(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.space("plain.example.org", false).await;
    let deleted = app
        .admin_call(Method::DELETE, "/api/spaces/localhost".into(), None)
        .await
        .unwrap();
    assert_eq!(deleted.status(), 422);
    let body = json(deleted).await;
    assert_eq!(
        body["errors"]["super"][0],
        "The last super space can be neither deleted nor made an ordinary space: at least one \
         super space must remain.",
        "{body}"
    );
    let mut demoted = bootstrap_space(&app).await;
    demoted["super"] = json!(false);
    let updated = app
        .admin_call(Method::PUT, "/api/spaces/localhost".into(), Some(demoted))
        .await
        .unwrap();
    assert_eq!(updated.status(), 422);
    assert!(json(updated).await["errors"]["super"].is_array());
    // Nothing changed: the super admin still is one.
    assert_eq!(bootstrap_space(&app).await["super"], true);
    // Other spaces, and other changes of the last super space, are fine.
    let mut renamed = bootstrap_space(&app).await;
    renamed["name"] = json!("Renamed");
    let updated = app
        .admin_call(Method::PUT, "/api/spaces/localhost".into(), Some(renamed))
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let deleted = app
        .admin_call(Method::DELETE, "/api/spaces/plain.example.org".into(), None)
        .await
        .unwrap();
    assert_eq!(deleted.text().await.unwrap(), "1");
    app.stop().await;
}

async fn a_super_admin_deletes_its_own_space_when_another_super_space_remains(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.space("other.example.org", true).await;
    // Demoting is fine too while another super space remains; promote it back.
    let mut demoted = bootstrap_space(&app).await;
    demoted["super"] = json!(false);
    let updated = app
        .admin_call(Method::PUT, "/api/spaces/localhost".into(), Some(demoted))
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    assert_eq!(json(updated).await["super"], false);
    app.edit_space("localhost", |s| s.super_space = true).await;

    let deleted = app
        .admin_call(Method::DELETE, "/api/spaces/localhost".into(), None)
        .await
        .unwrap();
    assert_eq!(deleted.text().await.unwrap(), "1");
    let storage = app.services.storage_for_tests();
    let localhost = Domain::parse("localhost").unwrap();
    assert!(storage.space_by_domain(&localhost).await.unwrap().is_none());
    // The remaining one is now the last.
    let other = Domain::parse("other.example.org").unwrap();
    let refused = app.services.delete_space("other.example.org").await;
    assert!(refused.is_err(), "{refused:?}");
    assert!(storage.space_by_domain(&other).await.unwrap().is_some());
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    an_admin_cannot_see_rename_delete_or_attach_another_spaces_type,
    the_same_type_key_lives_in_two_spaces,
    an_admin_attaches_and_detaches_the_types_of_its_space,
    the_last_super_space_can_be_neither_deleted_nor_demoted,
    a_super_admin_deletes_its_own_space_when_another_super_space_remains,
);

fn flexiapi(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env("FLEXIAPI_LOG", "error")
        .output()
        .unwrap()
}

#[test]
fn the_command_line_refuses_to_remove_the_last_super_space() {
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
            "api.example.org",
            "--super",
        ],
    );
    assert!(created.status.success(), "{created:?}");
    for args in [
        &["spaces", "delete", "--domain", "sip.example.org"][..],
        &[
            "spaces",
            "update",
            "--domain",
            "sip.example.org",
            "--super",
            "false",
        ][..],
    ] {
        let out = flexiapi(&db, args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("last super space"), "{err}");
    }
    let listed = flexiapi(&db, &["spaces", "list"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains("sip.example.org\tapi.example.org\t"),
        "{text}"
    );
    assert!(text.contains("\ttrue\t"), "{text}");
}
