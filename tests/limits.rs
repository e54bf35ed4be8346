//! Limits against hostile clients: large bodies, huge headers, idle and slow connections.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Store, TestApp, json};

async fn a_body_over_the_limit_answers_413_in_the_clients_language(store: Store) {
    let app = TestApp::spawn_with(store, |c| c.max_body_bytes = 1024).await;
    let big = "x".repeat(2048);
    let resp = app
        .request(reqwest::Method::POST, "localhost", "/api/accounts")
        .header("x-api-key", &app.admin_key)
        .header("accept-language", "fr")
        .json(&json!({"username": "big", "password": big}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert_eq!(
        json(resp).await["message"],
        "Le corps de la requête est trop volumineux."
    );
    app.stop().await;
}

async fn oversized_headers_are_refused(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let huge = "a".repeat(1024 * 1024);
    let request = format!("GET /api/ping HTTP/1.1\r\nHost: localhost\r\nX-Big: {huge}\r\n\r\n");
    // The server may close before reading it all.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 431"),
        "refused or closed, never served: {text}"
    );
    app.stop().await;
}

async fn idle_keep_alive_connections_are_closed(store: Store) {
    let app = TestApp::spawn_with(store, |c| c.idle_timeout_seconds = 1).await;
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    stream
        .write_all(b"GET /api/ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Then nothing: the server hangs up on its own.
    let started = Instant::now();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
        .await
        .expect("the server closes the idle connection");
    assert!(matches!(read, Ok(0) | Err(_)));
    assert!(started.elapsed() < Duration::from_secs(5));
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    a_body_over_the_limit_answers_413_in_the_clients_language,
    oversized_headers_are_refused,
    idle_keep_alive_connections_are_closed,
);
