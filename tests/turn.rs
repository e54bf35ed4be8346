//! `GET /api/accounts/me/services/turn`: coturn's REST credentials, checked by recomputing
//! coturn's rule here, then by a real `turnserver` on loopback and `turnutils_uclient`.

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use flexiapi::config::{Config, TurnSettings};
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use flexiapi_domain::testing::FixedClock;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha1::Sha1;

use crate::cli::{flexiapi, startup_log, stderr_line};
use crate::helpers::{Store, TestApp, logs};
use crate::real_clients::{have, skip};

const SECRET: &str = "coturn-shared-static-secret";

fn with_turn(hosts: &[&str], secret: &str, ttl_minutes: i64) -> impl FnOnce(&mut Config) {
    let hosts: Vec<String> = hosts.iter().map(|h| (*h).to_owned()).collect();
    let settings = TurnSettings::new(&hosts, secret, ttl_minutes).unwrap();
    move |c: &mut Config| c.turn = Some(settings)
}

/// coturn's check: base64(HMAC-SHA1(static-auth-secret, username)).
fn coturn_password(secret: &str, username: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// A user of the bootstrap space (`localhost`) and its API key.
async fn user(app: &TestApp) -> String {
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    app.admin_key_for("alice", "localhost").await
}

async fn turn(app: &TestApp, key: Option<&str>, language: &str) -> (u16, Value) {
    let mut req = app
        .get("localhost", "/api/accounts/me/services/turn")
        .header("accept-language", language);
    if let Some(key) = key {
        req = req.header("x-api-key", key);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn credentials_follow_coturns_rule_for_every_host() {
    logs::secret(SECRET);
    let app = TestApp::spawn_with(
        Store::Memory,
        with_turn(&["turn.example.org", "turn2.example.org:3478"], SECRET, 30),
    )
    .await;
    let key = user(&app).await;

    let before = Utc::now().timestamp();
    let (status, body) = turn(&app, Some(&key), "en").await;
    let after = Utc::now().timestamp();
    assert_eq!(status, 200, "{body}");
    let mut fields: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    fields.sort();
    assert_eq!(fields, ["password", "ttl", "uris", "username"]);
    assert_eq!(body["ttl"], 1800);
    assert_eq!(
        body["uris"],
        serde_json::json!([
            "turn:turn.example.org",
            "turns:turn.example.org",
            "turn:turn2.example.org:3478",
            "turns:turn2.example.org:3478",
        ])
    );
    let username = body["username"].as_str().unwrap();
    let (expiry, random) = username.split_once(':').unwrap();
    let expiry: i64 = expiry.parse().unwrap();
    assert!(
        (before + 1800..=after + 1800).contains(&expiry),
        "{expiry} is not now + 30 minutes"
    );
    assert_eq!(random.len(), 16);
    assert!(
        random.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{random}"
    );
    let password = body["password"].as_str().unwrap();
    logs::secret(password);
    assert_eq!(password, coturn_password(SECRET, username));

    // Fresh credentials on each call.
    let (_, again) = turn(&app, Some(&key), "en").await;
    assert_ne!(again["username"], body["username"]);
    assert_ne!(again["password"], body["password"]);
    app.stop().await;
}

#[tokio::test]
async fn without_turn_settings_the_service_is_not_found_in_english_and_french() {
    let app = TestApp::spawn().await;
    let key = user(&app).await;
    let (status, body) = turn(&app, Some(&key), "en").await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("No TURN service configured"))
    );
    let (status, body) = turn(&app, Some(&key), "fr").await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("Aucun service TURN n'est configuré"))
    );
    app.stop().await;
}

#[tokio::test]
async fn anonymous_and_deactivated_callers_get_no_credentials() {
    let app =
        TestApp::spawn_with(Store::Memory, with_turn(&["turn.example.org"], SECRET, 30)).await;
    let (status, body) = turn(&app, None, "en").await;
    assert_eq!(status, 401, "{body}");
    assert!(body.get("password").is_none());

    let account = app
        .account("bob", "localhost", "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("bob", "localhost").await;
    let now = app.services.now();
    app.edit_account(&account, |c| c.deactivated_at = Some(now))
        .await;
    let (status, body) = turn(&app, Some(&key), "en").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.get("password").is_none());
    app.stop().await;
}

#[test]
fn serve_says_where_turn_credentials_go_and_refuses_partial_settings() {
    let log = startup_log("");
    assert!(log.contains("no TURN service configured"), "{log}");
    let log = startup_log(&format!(
        "[turn]\nhosts = [\"turn.example.org\", \"turn2.example.org:3478\"]\n\
         static_auth_secret = \"{SECRET}\"\n"
    ));
    assert!(
        log.contains(
            "TURN credentials for turn.example.org, turn2.example.org:3478 last 1440 minutes"
        ),
        "{log}"
    );
    assert!(!log.contains(SECRET), "{log}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flexiapi.toml");
    for (config, says) in [
        (
            "[turn]\nhost = \"turn.example.org\"\n",
            "no static_auth_secret",
        ),
        (
            "[turn]\nstatic_auth_secret = \"do-not-print-me\"\n",
            "no host",
        ),
        (
            "[turn]\nhost = \"turn.example.org\"\nstatic_auth_secret = \"do-not-print-me\"\n\
             ttl_minutes = 0\n",
            "ttl_minutes",
        ),
    ] {
        std::fs::write(&file, config).unwrap();
        let out = flexiapi(
            "memory",
            &[
                "--config",
                file.to_str().unwrap(),
                "serve",
                "--bind",
                "127.0.0.1:0",
            ],
        );
        assert!(!out.status.success(), "{config}");
        let line = stderr_line(&out);
        assert!(line.contains("[turn]") && line.contains(says), "{line}");
        assert!(!line.contains("do-not-print-me"), "{line}");
    }
}

/// A `turnserver` on loopback, stopped when dropped.
struct Coturn {
    child: tokio::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Coturn {
    /// Starts it on a free port; when another process took that port (or the one beside it, which
    /// coturn also binds) meanwhile, tries again on another.
    async fn start(secret: &str) -> Self {
        let mut logs = Vec::new();
        for _ in 0..3 {
            match Self::try_start(secret).await {
                Ok(coturn) => return coturn,
                Err(log) => logs.push(log),
            }
        }
        panic!("turnserver does not listen:\n{}", logs.join("\n---\n"));
    }

    async fn try_start(secret: &str) -> Result<Self, String> {
        let dir = tempfile::tempdir().unwrap();
        // A free port (UDP and TCP are both served on it); a collision fails the wait below.
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.path().join("turnserver.log")).unwrap();
        let child = tokio::process::Command::new("turnserver")
            .arg("--use-auth-secret")
            .arg(format!("--static-auth-secret={secret}"))
            .arg("--realm=flexiapi.test")
            .arg("--listening-ip=127.0.0.1")
            .arg("--relay-ip=127.0.0.1")
            .arg(format!("--listening-port={port}"))
            .args(["--no-tls", "--no-dtls", "--no-cli", "--log-file=stdout"])
            // The test's client and its peer are both on loopback.
            .arg("--allow-loopback-peers")
            // Keep its files out of /var.
            .arg(format!("--pidfile={}", dir.path().join("pid").display()))
            .arg(format!("--userdb={}", dir.path().join("turndb").display()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("turnserver starts");
        let mut coturn = Self { child, port, dir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(coturn);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = coturn.child.kill().await;
        Err(coturn.log())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("turnserver.log")).unwrap_or_default()
    }

    /// `turnutils_uclient`: two clients allocate relays and send each other one message through
    /// them (`-y`), without RTCP (`-c`). Success, and what it printed.
    async fn allocate(&self, username: &str, password: &str) -> (bool, String) {
        let run = tokio::process::Command::new("turnutils_uclient")
            .args(["-v", "-y", "-c", "-n", "1", "-m", "1"])
            .args(["-u", username, "-w", password])
            .args(["-p", &self.port.to_string(), "127.0.0.1"])
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output();
        let out = tokio::time::timeout(Duration::from_secs(60), run)
            .await
            .expect("turnutils_uclient ends within a minute")
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

#[tokio::test]
async fn a_real_coturn_allocates_a_relay_with_the_credentials_and_refuses_others() {
    // The client has no flag that succeeds without a server: only its presence is checked.
    let client_present = std::process::Command::new("turnutils_uclient")
        .output()
        .is_ok();
    if !have("turnserver", "--version") || !client_present {
        skip("coturn (turnserver, turnutils_uclient)");
        return;
    }
    logs::secret(SECRET);
    let coturn = Coturn::start(SECRET).await;
    let host = format!("127.0.0.1:{}", coturn.port);
    let app = TestApp::spawn_with(Store::Memory, with_turn(&[&host], SECRET, 10)).await;
    let key = user(&app).await;
    let (status, body) = turn(&app, Some(&key), "en").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["uris"][0], format!("turn:{host}"));
    let username = body["username"].as_str().unwrap();
    let password = body["password"].as_str().unwrap();
    logs::secret(password);

    let (ok, out) = coturn.allocate(username, password).await;
    assert!(
        ok && out.contains("Received relay addr: 127.0.0.1:"),
        "the allocation failed:\n{out}\nturnserver:\n{}",
        coturn.log()
    );

    // One character changed: coturn refuses the allocation.
    let mut tampered = password.to_owned();
    let last = if tampered.starts_with('A') { "B" } else { "A" };
    tampered.replace_range(0..1, last);
    let (ok, out) = coturn.allocate(username, &tampered).await;
    assert!(
        !ok && !out.contains("Received relay addr"),
        "a tampered password allocated:\n{out}"
    );
    // Another secret: coturn refuses what that server hands out.
    let other = TestApp::spawn_with(
        Store::Memory,
        with_turn(&[&host], "not-the-shared-secret", 10),
    )
    .await;
    let key = user(&other).await;
    let (_, body) = turn(&other, Some(&key), "en").await;
    let (ok, _) = coturn
        .allocate(
            body["username"].as_str().unwrap(),
            body["password"].as_str().unwrap(),
        )
        .await;
    assert!(!ok, "credentials of another secret allocated");
    other.stop().await;

    // Credentials whose expiry has passed: coturn reads the expiry from the username.
    let clock = Arc::new(FixedClock::new(Utc::now() - chrono::Duration::hours(2)));
    let past =
        TestApp::spawn_with_config_and_clock(Store::Memory, with_turn(&[&host], SECRET, 60), clock)
            .await;
    let key = user(&past).await;
    let (status, body) = turn(&past, Some(&key), "en").await;
    assert_eq!(status, 200, "{body}");
    let expired = body["username"].as_str().unwrap();
    let password = body["password"].as_str().unwrap();
    logs::secret(password);
    assert_eq!(password, coturn_password(SECRET, expired));
    let (ok, out) = coturn.allocate(expired, password).await;
    assert!(!ok, "expired credentials allocated:\n{out}");
    past.stop().await;

    app.stop().await;
    coturn.stop().await;
}
