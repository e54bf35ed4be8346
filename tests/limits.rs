//! Limits against hostile clients: large bodies, huge headers, idle and slow connections.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Store, TestApp, json};

/// Reads one answer off `stream`: its head and its `Content-Length` body (empty when the server
/// closed first).
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if data.len() >= end + 4 + length {
                break;
            }
        }
        let read = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf))
            .await
            .expect("an answer or a close");
        match read {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&data).into_owned()
}

/// A connection that sent part of a request head and waits.
async fn half_open(port: u16) -> TcpStream {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream
        .write_all(b"GET /api/ping HTTP/1.1\r\nHost: local")
        .await
        .unwrap();
    stream
}

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

// The connection tests below do not depend on the store: memory only.

/// Slowloris: a head trickled a byte every 300 ms would take 30 s; the 1 s deadline closes the
/// connection unanswered.
#[tokio::test]
async fn a_trickled_request_head_is_cut_at_the_deadline() {
    let app = TestApp::spawn_with(Store::Memory, |c| c.header_read_timeout_seconds = 1).await;
    let started = Instant::now();
    let stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        writer
            .write_all(b"GET /api/ping HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            .await?;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            writer.write_all(b"a").await?;
        }
        writer.write_all(b"\r\n\r\n").await
    });
    let mut buf = [0u8; 1024];
    let read = tokio::time::timeout(Duration::from_secs(20), reader.read(&mut buf))
        .await
        .expect("the server closes the connection well before the client is done");
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "closed, unanswered: {read:?}"
    );
    // Measured from before the connect: the server's deadline cannot have passed earlier.
    assert!(started.elapsed() >= Duration::from_millis(900));
    trickle.abort();
    app.stop().await;
}

/// The first head's deadline runs from the accept: a client that connects and says nothing is
/// closed by it, long before the idle timeout.
#[tokio::test]
async fn a_silent_new_connection_is_cut_at_the_deadline() {
    let app = TestApp::spawn_with(Store::Memory, |c| {
        c.header_read_timeout_seconds = 1;
        c.idle_timeout_seconds = 120;
    })
    .await;
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf))
        .await
        .expect("the server closes the silent connection");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    app.stop().await;
}

/// A head in one go, then a body trickled over several deadlines: answered, with and without
/// `Expect: 100-continue`.
#[tokio::test]
async fn a_slow_body_after_a_prompt_head_is_not_cut() {
    let app = TestApp::spawn_with(Store::Memory, |c| c.header_read_timeout_seconds = 1).await;
    for (i, expect) in ["", "Expect: 100-continue\r\n"].into_iter().enumerate() {
        let body = format!(r#"{{"username": "slowbody{i}", "password": "secret123"}}"#);
        let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
        let head = format!(
            "POST /api/accounts HTTP/1.1\r\nHost: localhost\r\nx-api-key: {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n{expect}\r\n",
            app.admin_key,
            body.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        if !expect.is_empty() {
            let interim = read_answer(&mut stream).await;
            assert!(interim.starts_with("HTTP/1.1 100 "), "{interim}");
        }
        // About 50 bytes, 60 ms apart: some 3 s, three times the deadline.
        for byte in body.bytes() {
            tokio::time::sleep(Duration::from_millis(60)).await;
            stream.write_all(&[byte]).await.unwrap();
        }
        let answer = read_answer(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    }
    app.stop().await;
}

/// After an answer, a keep-alive connection may stay quiet past the head deadline (the idle
/// timeout is what limits it); its next request's deadline starts with its first byte.
#[tokio::test]
async fn a_keep_alive_connection_serves_a_request_after_a_pause() {
    let app = TestApp::spawn_with(Store::Memory, |c| {
        c.header_read_timeout_seconds = 2;
        c.idle_timeout_seconds = 30;
    })
    .await;
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    stream
        .write_all(b"GET /api/ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let first = read_answer(&mut stream).await;
    assert!(first.starts_with("HTTP/1.1 200 "), "{first}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    // In two pieces, well within the deadline.
    stream
        .write_all(b"GET /api/ping HTTP/1.1\r\n")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stream.write_all(b"Host: localhost\r\n\r\n").await.unwrap();
    let second = read_answer(&mut stream).await;
    assert!(second.starts_with("HTTP/1.1 200 "), "{second}");
    assert!(second.ends_with("pong"), "{second}");
    app.stop().await;
}

#[tokio::test]
async fn half_open_connections_do_not_keep_a_client_out() {
    let app = TestApp::spawn_with(Store::Memory, |c| c.header_read_timeout_seconds = 60).await;
    let mut waiting = Vec::new();
    for _ in 0..200 {
        waiting.push(half_open(app.port).await);
    }
    let resp = tokio::time::timeout(
        Duration::from_secs(20),
        app.get("localhost", "/api/ping").send(),
    )
    .await
    .expect("served while 200 heads are pending")
    .unwrap();
    assert_eq!(resp.status(), 200);
    drop(waiting);
    app.stop().await;
}

/// With every slot held, a new connection waits in the backlog; it is served once one closes.
#[tokio::test]
async fn past_max_connections_a_client_waits_for_a_free_slot() {
    let app = TestApp::spawn_with(Store::Memory, |c| {
        c.max_connections = 4;
        c.header_read_timeout_seconds = 60;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(half_open(app.port).await);
    }
    let request = tokio::spawn(app.get("localhost", "/api/ping").send());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!request.is_finished(), "no slot, no answer");
    drop(held.pop());
    let resp = tokio::time::timeout(Duration::from_secs(20), request)
        .await
        .expect("served once a slot is free")
        .unwrap()
        .unwrap();
    assert_eq!(resp.status(), 200);
    drop(held);
    app.stop().await;
}

/// Slow heads filling every slot are cut at the deadline, which frees the slots.
#[tokio::test]
async fn the_deadline_frees_slots_held_by_slow_heads() {
    let app = TestApp::spawn_with(Store::Memory, |c| {
        c.max_connections = 4;
        c.header_read_timeout_seconds = 1;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(half_open(app.port).await);
    }
    let resp = tokio::time::timeout(
        Duration::from_secs(20),
        app.get("localhost", "/api/ping").send(),
    )
    .await
    .expect("served once the slow heads are cut")
    .unwrap();
    assert_eq!(resp.status(), 200);
    drop(held);
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    a_body_over_the_limit_answers_413_in_the_clients_language,
    oversized_headers_are_refused,
    idle_keep_alive_connections_are_closed,
);
