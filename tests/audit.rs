//! The audit trail: successful admin changes, readable by super admins.

use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{Store, TestApp, json};

async fn admin_changes_are_recorded_with_who_what_when_and_where(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let created = app
        .admin_call(
            Method::POST,
            "/api/accounts".into(),
            Some(json!({"username": "zoe", "password": "secret123"})),
        )
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let id = json(created).await["id"].as_i64().unwrap();
    // Not recorded: a refused change, a read, and a user's own change.
    let refused = app
        .admin_call(Method::POST, "/api/accounts".into(), Some(json!({})))
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    app.admin_call(Method::GET, format!("/api/accounts/{id}"), None)
        .await
        .unwrap();
    app.account("carol", "localhost", "secret123", &[Sha256], false)
        .await;
    let carol = app.admin_key_for("carol", "localhost").await;
    let own = app
        .request(Method::POST, "localhost", "/api/accounts/me/password")
        .header("x-api-key", &carol)
        .json(&json!({"old_password": "secret123", "password": "secret456"}))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let key = app
        .admin_call(
            Method::POST,
            format!("/api/accounts/{id}/api_keys"),
            Some(json!({"name": "ci"})),
        )
        .await
        .unwrap();
    assert_eq!(key.status(), 201);
    let key_id = json(key).await["id"].as_i64().unwrap();
    let revoked = app
        .admin_call(
            Method::DELETE,
            format!("/api/accounts/{id}/api_keys/{key_id}"),
            None,
        )
        .await
        .unwrap();
    assert!(revoked.status().is_success(), "{}", revoked.status());
    let space = app
        .admin_call(
            Method::POST,
            "/api/spaces".into(),
            Some(json!({"name": "New", "domain": "new.example.org", "host": "new.example.org"})),
        )
        .await
        .unwrap();
    assert_eq!(space.status(), 201);
    let deleted = app
        .admin_call(Method::DELETE, format!("/api/accounts/{id}"), None)
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);

    let resp = app
        .admin_call(Method::GET, "/api/audit_events".into(), None)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let page = json(resp).await;
    assert_eq!(page["total"], 5, "{page}");
    let events = page["data"].as_array().unwrap();
    // Newest first: method, path, and what it changed, by id (a created object's own).
    let seen: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap(),
                e["path"].as_str().unwrap(),
                e["subject"].as_str().unwrap(),
            )
        })
        .collect();
    let account = format!("account {id}");
    let key = format!("account {id}, api_key {key_id}");
    let key_path = format!("/api/accounts/{id}/api_keys");
    let one_key_path = format!("{key_path}/{key_id}");
    let account_path = format!("/api/accounts/{id}");
    assert_eq!(
        seen,
        [
            ("DELETE", account_path.as_str(), account.as_str()),
            ("POST", "/api/spaces", "space new.example.org"),
            ("DELETE", one_key_path.as_str(), key.as_str()),
            ("POST", key_path.as_str(), key.as_str()),
            ("POST", "/api/accounts", account.as_str()),
        ]
    );
    for event in events {
        assert_eq!(event["actor"], "sip:admin@localhost");
        assert!(event["actor_id"].is_i64());
        assert!([200, 201].contains(&event["status"].as_i64().unwrap()));
        assert_eq!(event["ip"], "127.0.0.1");
        assert!(event["created_at"].as_str().unwrap().ends_with('Z'));
    }

    // An admin of a space, not super, cannot read it.
    app.space("other.org", false).await;
    app.account("boss", "other.org", "secret123", &[Sha256], true)
        .await;
    let boss = app.admin_key_for("boss", "other.org").await;
    let refused = app
        .request(Method::GET, "other.org", "/api/audit_events")
        .header("x-api-key", &boss)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    app.stop().await;
}

crate::on_memory_and_sqlite!(admin_changes_are_recorded_with_who_what_when_and_where);
