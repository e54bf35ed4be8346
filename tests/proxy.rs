//! Behind a reverse proxy: forwarding headers are believed from `trusted_proxies` only, URLs are
//! built from the space's stored host and the public scheme/port, never from `Host`, and two
//! `Host` headers are refused.
//!
//! The server trusts 127.0.0.2 (the "proxy"); 127.0.0.3 is a client reaching it directly.

use std::net::IpAddr;

use flexiapi::config::{PublicScheme, TrustedProxies};
use flexiapi_domain::model::Account;
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use reqwest::Method;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Store, TestApp, client_from, json as body};

const PROXY: &str = "127.0.0.2";
const DIRECT: &str = "127.0.0.3";

async fn behind_proxy(store: Store, tweak: impl FnOnce(&mut flexiapi::config::Config)) -> TestApp {
    TestApp::spawn_with(store, |c| {
        c.trusted_proxies = TrustedProxies::parse(&[PROXY]).unwrap();
        tweak(c);
    })
    .await
}

/// A request from the local address `from` to `path` on the space of `host`.
fn from(
    app: &TestApp,
    from: &str,
    method: Method,
    host: &str,
    path: &str,
) -> reqwest::RequestBuilder {
    client_from(Some(from.parse::<IpAddr>().unwrap()))
        .request(method, format!("http://127.0.0.1:{}{path}", app.port))
        .header("host", host)
        .header("accept", "application/json")
}

async fn a_user_key_is_bound_to_the_forwarded_address_only_through_a_trusted_proxy(store: Store) {
    let app = behind_proxy(store, |_| {}).await;
    app.account("bob", "localhost", "secret123", &[Sha256], false)
        .await;
    let admin_key = app.admin_key_for("bob", "localhost").await;
    // Bob, at 198.51.100.7, asks through the proxy; a forged first entry changes nothing.
    let resp = from(
        &app,
        PROXY,
        Method::GET,
        "localhost",
        "/api/accounts/me/api_key",
    )
    .header("x-api-key", &admin_key)
    .header("x-forwarded-for", "203.0.113.66, 198.51.100.7")
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let key = resp.text().await.unwrap();
    let me = |peer: &str, forwarded_for: Option<&str>| {
        let mut req = from(&app, peer, Method::GET, "localhost", "/api/accounts/me")
            .header("x-api-key", &key);
        if let Some(xff) = forwarded_for {
            req = req.header("x-forwarded-for", xff);
        }
        req.send()
    };
    assert_eq!(me(PROXY, Some("198.51.100.7")).await.unwrap().status(), 200);
    // Another client behind the same proxy, or the proxy itself, is not bob.
    assert_eq!(me(PROXY, Some("198.51.100.8")).await.unwrap().status(), 401);
    assert_eq!(me(PROXY, None).await.unwrap().status(), 401);
    // A client that is not the proxy cannot claim bob's address.
    assert_eq!(
        me(DIRECT, Some("198.51.100.7")).await.unwrap().status(),
        401
    );
    let resp = from(&app, DIRECT, Method::GET, "localhost", "/api/accounts/me")
        .header("x-api-key", &key)
        .header("forwarded", "for=198.51.100.7")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // `Forwarded` is read too, from the proxy.
    let resp = from(&app, PROXY, Method::GET, "localhost", "/api/accounts/me")
        .header("x-api-key", &key)
        .header("forwarded", r#"for="198.51.100.7:4711";proto=https"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    app.stop().await;
}

async fn the_audit_trail_and_stored_address_are_the_forwarded_client_only_through_a_trusted_proxy(
    store: Store,
) {
    let app = behind_proxy(store, |_| {}).await;
    let create = |peer: &str, username: &str, forwarded_for: &str| {
        from(&app, peer, Method::POST, "localhost", "/api/accounts")
            .header("x-api-key", &app.admin_key)
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({"username": username, "password": "secret123"}))
            .send()
    };
    let proxied = create(PROXY, "viaproxy", "198.51.100.7").await.unwrap();
    assert_eq!(proxied.status(), 200);
    assert_eq!(body(proxied).await["ip_address"], "198.51.100.7");
    let direct = create(DIRECT, "direct", "198.51.100.7").await.unwrap();
    assert_eq!(direct.status(), 200);
    assert_eq!(body(direct).await["ip_address"], DIRECT);
    let ipv6 = from(&app, PROXY, Method::POST, "localhost", "/api/accounts")
        .header("x-api-key", &app.admin_key)
        .header("forwarded", r#"for="[2001:db8::1]:4711""#)
        .json(&json!({"username": "sixth", "password": "secret123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(ipv6).await["ip_address"], "2001:db8::1");

    let events = body(
        app.admin_call(Method::GET, "/api/audit_events".into(), None)
            .await
            .unwrap(),
    )
    .await;
    let ips: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ip"].as_str().unwrap())
        .collect();
    // Newest first.
    assert_eq!(ips, ["2001:db8::1", DIRECT, "198.51.100.7"], "{events}");
    app.stop().await;
}

async fn one_client_behind_the_proxy_spends_only_its_own_failure_budget(store: Store) {
    let app = behind_proxy(store, |c| {
        c.auth_failures_per_ip = 3;
        c.auth_failures_per_account = 100;
    })
    .await;
    let wrong = |peer: &str, forwarded_for: &str| {
        from(&app, peer, Method::GET, "localhost", "/api/accounts/me")
            .header("x-api-key", "wrong-key")
            .header("x-forwarded-for", forwarded_for)
            .send()
    };
    for _ in 0..3 {
        assert_eq!(wrong(PROXY, "198.51.100.66").await.unwrap().status(), 401);
    }
    assert_eq!(wrong(PROXY, "198.51.100.66").await.unwrap().status(), 429);
    // The attacker locked itself out, not every other client of the proxy.
    assert_eq!(wrong(PROXY, "198.51.100.7").await.unwrap().status(), 401);
    // Nor can it get a fresh budget by writing another address itself.
    assert_eq!(
        wrong(PROXY, "198.51.100.8, 198.51.100.66")
            .await
            .unwrap()
            .status(),
        429
    );
    // A direct client's header is ignored: its budget is its own socket's.
    for _ in 0..3 {
        assert_eq!(wrong(DIRECT, "198.51.100.9").await.unwrap().status(), 401);
    }
    assert_eq!(wrong(DIRECT, "198.51.100.10").await.unwrap().status(), 429);
    app.stop().await;
}

async fn the_cookie_is_secure_when_the_trusted_proxy_says_https(store: Store) {
    let app = behind_proxy(store, |_| {}).await;
    let cookie = |peer: &'static str, name: &'static str, value: &'static str| {
        let app = &app;
        async move {
            let resp = from(
                app,
                peer,
                Method::GET,
                "localhost",
                "/api/accounts/me/api_key",
            )
            .header("x-api-key", &app.admin_key)
            .header(name, value)
            .send()
            .await
            .unwrap();
            assert_eq!(resp.status(), 200);
            resp.headers()["set-cookie"].to_str().unwrap().to_owned()
        }
    };
    assert!(
        cookie(PROXY, "x-forwarded-proto", "https")
            .await
            .ends_with("; Secure")
    );
    assert!(
        cookie(PROXY, "forwarded", "for=198.51.100.7;proto=https")
            .await
            .ends_with("; Secure")
    );
    assert!(
        !cookie(PROXY, "x-forwarded-proto", "http")
            .await
            .contains("Secure")
    );
    assert!(
        !cookie(DIRECT, "x-forwarded-proto", "https")
            .await
            .contains("Secure")
    );
    assert!(
        !cookie(DIRECT, "forwarded", "proto=https")
            .await
            .contains("Secure")
    );
    app.stop().await;
}

/// The `<scheme>://<host>[:<port>]` of a provisioning QR code of `account` asked for by `peer`
/// with `headers` (`Host` first).
async fn qr_code_url(
    app: &TestApp,
    account: &Account,
    peer: &str,
    headers: &[(&str, &str)],
) -> String {
    let token = app
        .services
        .new_provisioning_token(account, None, None)
        .await
        .unwrap()
        .token;
    let mut req = from(
        app,
        peer,
        Method::GET,
        headers[0].1,
        &format!("/provisioning/qrcode/{token}"),
    );
    for (name, value) in &headers[1..] {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200, "{headers:?}");
    let url = resp.headers()["x-qrcode-url"].to_str().unwrap().to_owned();
    assert_eq!(
        url,
        format!(
            "{}/provisioning/{token}",
            url.rsplit_once("/provisioning/").unwrap().0
        )
    );
    url.rsplit_once("/provisioning/").unwrap().0.to_owned()
}

async fn first_page_url(app: &TestApp, peer: &str, headers: &[(&str, &str)]) -> String {
    let mut req = from(app, peer, Method::GET, headers[0].1, "/api/accounts")
        .header("x-api-key", &app.admin_key);
    for (name, value) in &headers[1..] {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200, "{headers:?}");
    let page = body(resp).await;
    let url = page["first_page_url"].as_str().unwrap().to_owned();
    assert_eq!(page["path"], url.trim_end_matches("?page=1"), "{page}");
    url.trim_end_matches("/api/accounts?page=1").to_owned()
}

async fn a_hostile_host_never_lands_in_the_urls(store: Store) {
    let app = behind_proxy(store, |_| {}).await;
    let grace = app
        .account("grace", "localhost", "secret123", &[Sha256], false)
        .await;
    let hostile: [&[(&str, &str)]; 5] = [
        &[("host", "localhost:@evil.example")],
        &[("host", "localhost:8080")],
        &[("host", "LocalHost"), ("x-forwarded-host", "evil.example")],
        &[
            ("host", "localhost"),
            ("forwarded", "host=evil.example;for=198.51.100.7"),
        ],
        &[
            ("host", "localhost:@evil.example"),
            ("x-forwarded-host", "evil.example"),
            ("forwarded", "host=evil.example"),
        ],
    ];
    for headers in hostile {
        for peer in [PROXY, DIRECT] {
            assert_eq!(
                qr_code_url(&app, &grace, peer, headers).await,
                "http://localhost",
                "{headers:?}"
            );
            assert_eq!(
                first_page_url(&app, peer, headers).await,
                "http://localhost",
                "{headers:?}"
            );
        }
    }
    // The proxy's scheme is taken, its host is not; a direct client's scheme is not.
    let headers: &[(&str, &str)] = &[
        ("host", "localhost:@evil.example"),
        (
            "forwarded",
            "host=evil.example;proto=https;for=198.51.100.7",
        ),
    ];
    assert_eq!(
        qr_code_url(&app, &grace, PROXY, headers).await,
        "https://localhost"
    );
    assert_eq!(
        first_page_url(&app, PROXY, headers).await,
        "https://localhost"
    );
    assert_eq!(
        qr_code_url(&app, &grace, DIRECT, headers).await,
        "http://localhost"
    );
    let headers: &[(&str, &str)] = &[("host", "localhost"), ("x-forwarded-proto", "https")];
    assert_eq!(
        first_page_url(&app, PROXY, headers).await,
        "https://localhost"
    );
    assert_eq!(
        first_page_url(&app, DIRECT, headers).await,
        "http://localhost"
    );

    // Another space's URLs carry its own stored host.
    app.space("other.example.org", false).await;
    app.account("boss", "other.example.org", "secret123", &[Sha256], true)
        .await;
    let boss = app.admin_key_for("boss", "other.example.org").await;
    let resp = from(
        &app,
        DIRECT,
        Method::GET,
        "OTHER.example.org:9999",
        "/api/accounts",
    )
    .header("x-api-key", &boss)
    .send()
    .await
    .unwrap();
    assert_eq!(
        body(resp).await["first_page_url"],
        "http://other.example.org/api/accounts?page=1"
    );
    app.stop().await;
}

async fn the_configured_public_scheme_and_port_build_the_urls(store: Store) {
    let app = behind_proxy(store, |c| {
        c.public_scheme = Some(PublicScheme::Https);
        c.public_port = Some(8443);
    })
    .await;
    let grace = app
        .account("grace", "localhost", "secret123", &[Sha256], false)
        .await;
    let headers: &[(&str, &str)] = &[("host", "localhost:1234"), ("x-forwarded-proto", "http")];
    assert_eq!(
        qr_code_url(&app, &grace, PROXY, headers).await,
        "https://localhost:8443"
    );
    assert_eq!(
        first_page_url(&app, DIRECT, headers).await,
        "https://localhost:8443"
    );
    // The cookie follows the public scheme.
    let resp = from(
        &app,
        DIRECT,
        Method::GET,
        "localhost",
        "/api/accounts/me/api_key",
    )
    .header("x-api-key", &app.admin_key)
    .send()
    .await
    .unwrap();
    assert!(
        resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .ends_with("; Secure")
    );
    app.stop().await;

    // The scheme's own port is left out; `http` stays `http` even when the proxy says https.
    let app = behind_proxy(store, |c| {
        c.public_scheme = Some(PublicScheme::Http);
        c.public_port = Some(80);
    })
    .await;
    let headers: &[(&str, &str)] = &[("host", "localhost"), ("x-forwarded-proto", "https")];
    assert_eq!(
        first_page_url(&app, PROXY, headers).await,
        "http://localhost"
    );
    app.stop().await;
}

async fn malformed_forwarding_headers_from_the_proxy_fall_back_to_the_proxy(store: Store) {
    let app = behind_proxy(store, |_| {}).await;
    let long = "1.".repeat(2000);
    let values: Vec<(&str, &str)> = vec![
        ("x-forwarded-for", "garbage"),
        ("x-forwarded-for", ",,,"),
        ("x-forwarded-for", ""),
        ("x-forwarded-for", "[::1"),
        ("x-forwarded-for", "198.51.100.7, 1.2.3.4.5"),
        ("x-forwarded-for", "198.51.100.7, unknown"),
        ("x-forwarded-for", &long),
        ("forwarded", "for=_hidden"),
        ("forwarded", "for=\"unterminated"),
        ("forwarded", ";;==,,;"),
        ("x-forwarded-proto", ",\"\""),
    ];
    for (n, (name, value)) in values.iter().enumerate() {
        let resp = from(&app, PROXY, Method::POST, "localhost", "/api/accounts")
            .header("x-api-key", &app.admin_key)
            .header(*name, *value)
            .json(&json!({"username": format!("user{n}"), "password": "secret123"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{name}: {value}");
        assert_eq!(body(resp).await["ip_address"], PROXY, "{name}: {value}");
    }
    app.stop().await;
}

/// Sends `raw` on a fresh connection and reads the whole answer.
async fn raw_exchange(app: &TestApp, raw: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    stream.write_all(raw.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8(answer).unwrap()
}

async fn two_host_headers_are_refused(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.space("other.example.org", false).await;
    for (lang, message) in [
        ("en", "The request has more than one Host header."),
        ("fr", "La requête a plus d'un en-tête Host."),
    ] {
        let answer = raw_exchange(
            &app,
            &format!(
                "GET /api/ping HTTP/1.1\r\nHost: localhost\r\nHost: other.example.org\r\n\
                 Accept-Language: {lang}\r\nConnection: close\r\n\r\n"
            ),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{answer}"
        );
        let json_body = answer.split("\r\n\r\n").nth(1).unwrap();
        let value: serde_json::Value = serde_json::from_str(json_body).unwrap();
        assert_eq!(value, json!({"message": message}), "{answer}");
    }
    // One Host is fine.
    let answer = raw_exchange(
        &app,
        "GET /api/ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    a_user_key_is_bound_to_the_forwarded_address_only_through_a_trusted_proxy,
    the_audit_trail_and_stored_address_are_the_forwarded_client_only_through_a_trusted_proxy,
    one_client_behind_the_proxy_spends_only_its_own_failure_budget,
    the_cookie_is_secure_when_the_trusted_proxy_says_https,
    a_hostile_host_never_lands_in_the_urls,
    the_configured_public_scheme_and_port_build_the_urls,
    malformed_forwarding_headers_from_the_proxy_fall_back_to_the_proxy,
    two_host_headers_are_refused,
);
