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
    assert_eq!(page["total"], 2, "{page}");
    let events = page["data"].as_array().unwrap();
    assert_eq!(events[0]["method"], "DELETE");
    assert_eq!(events[0]["path"], format!("/api/accounts/{id}"));
    assert_eq!(events[1]["method"], "POST");
    assert_eq!(events[1]["path"], "/api/accounts");
    for event in events {
        assert_eq!(event["actor"], "sip:admin@localhost");
        assert!(event["actor_id"].is_i64());
        assert_eq!(event["status"], 200);
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
