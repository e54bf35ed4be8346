//! Prometheus metrics at `/metrics`.

use crate::helpers::{Store, TestApp};

fn line_value(text: &str, starts: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(starts))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn requests_latencies_failures_and_the_pool_are_exposed(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let me = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", &app.admin_key)
        .send()
        .await
        .unwrap();
    let id = me.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    for _ in 0..3 {
        let resp = app
            .get("localhost", &format!("/api/accounts/{id}"))
            .header("x-api-key", &app.admin_key)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let wrong = app
        .get("localhost", "/api/accounts/me")
        .header("x-api-key", "not-a-key")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    // Probing random paths does not create labels.
    app.get("localhost", "/api/no/such/route/123")
        .send()
        .await
        .unwrap();

    let resp = app
        .get("anything.example", "/metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert_eq!(
        line_value(
            &text,
            r#"flexiapi_requests_total{method="GET",route="/api/accounts/{id}",status="200"}"#
        ),
        Some(3.0),
        "{text}"
    );
    assert!(
        line_value(
            &text,
            r#"flexiapi_request_duration_seconds_count{method="GET",route="/api/accounts/{id}"}"#
        )
        .is_some_and(|v| v >= 3.0),
        "{text}"
    );
    assert_eq!(
        line_value(
            &text,
            r#"flexiapi_auth_failures_total{mechanism="api_key"}"#
        ),
        Some(1.0),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched""#), "{text}");
    assert!(!text.contains("no/such"), "{text}");
    match store {
        Store::Sqlite | Store::Postgres => assert!(
            line_value(&text, r#"flexiapi_db_pool_connections{state="max"}"#)
                .is_some_and(|v| v >= 1.0),
            "{text}"
        ),
        Store::Memory => assert!(!text.contains("flexiapi_db_pool_connections{"), "{text}"),
    }
    app.stop().await;
}

crate::on_memory_and_sqlite!(requests_latencies_failures_and_the_pool_are_exposed);

/// Any token is a method to HTTP: made-up ones share one label instead of each adding series.
#[tokio::test]
async fn made_up_methods_do_not_grow_the_label_set() {
    let app = TestApp::spawn_on(Store::Memory).await;
    for i in 0..300 {
        let method = reqwest::Method::from_bytes(format!("PROBE{i}").as_bytes()).unwrap();
        app.request(method, "localhost", "/api/ping")
            .send()
            .await
            .unwrap();
    }
    let text = app
        .get("anything.example", "/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = text
        .lines()
        .filter(|l| l.starts_with("flexiapi_requests_total{"))
        .count();
    assert!(series <= 5, "{text}");
    assert!(text.contains(r#"method="other""#), "{text}");
    assert!(!text.contains("PROBE"), "{text}");
    app.stop().await;
}
