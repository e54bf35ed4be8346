//! Logs an operator can use: the real binary's standard error in both formats (`log_format`),
//! the request id (echoed or made, in every line of its request), the one "listening" line, the
//! security events at `warn` and the shipped fail2ban filter matching them with the right host;
//! and where `/metrics` answers (`metrics_bind`, else loopback and trusted proxies only).

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, TcpListener, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::helpers::{Store, TestApp, challenges, digest_authorization};

const ME: &str = "/api/accounts/me";
const FILTER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../contrib/fail2ban/flexiapi.conf"
);

/// The `flexiapi serve` process, its standard error lines as they come.
struct Server {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
    port: u16,
    api_key: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(format: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("flexiapi.toml");
        std::fs::write(
            &config,
            format!(
                "database = \"memory\"\nbind = \"127.0.0.1:0\"\nlog_format = \"{format}\"\n\
                 trusted_proxies = [\"127.0.0.1\"]\nauth_failures_per_account = 2\n\
                 digest_challenges_per_ip = 3\n[files]\ndirectory = \"{}\"\n",
                dir.path().join("files").display()
            ),
        )
        .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_flexiapi"))
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .env_remove("FLEXIAPI_LOG")
            .env_remove("FLEXIAPI_BIND")
            .env_remove("FLEXIAPI_DATABASE")
            .env_remove("FLEXIAPI_REDIS_URL")
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let api_key = loop {
            let line = stdout.next().expect("the bootstrap credentials").unwrap();
            if let Some(key) = line.trim().strip_prefix("admin API key:") {
                break key.trim().to_owned();
            }
        };
        std::thread::spawn(move || for _ in stdout {});
        let started = Instant::now();
        let port = loop {
            let listening = stderr
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains("listening"))
                .cloned();
            if let Some(line) = listening {
                let port = line
                    .split("127.0.0.1:")
                    .nth(1)
                    .unwrap()
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>();
                break port.parse().unwrap();
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "never listened"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Self {
            child,
            stderr,
            port,
            api_key,
            _dir: dir,
        }
    }

    fn get(&self, path: &str, client: &str, request_id: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .get(format!("http://127.0.0.1:{}{path}", self.port))
            .header("host", "localhost")
            .header("x-forwarded-for", client)
            .header("x-request-id", request_id)
    }

    /// The lines written so far, once the server had time to write the last request's.
    async fn lines(&self) -> Vec<String> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.stderr.lock().unwrap().clone()
    }
}

/// fail2ban's `<HOST>` the way fail2ban expands it (an IPv4 address, optionally IPv4-mapped, or
/// an IPv6 one; fail2ban's IPv6 pattern uses a look-behind the regex crate lacks, this one is
/// looser), captured as `host`.
fn filter_regex() -> regex::Regex {
    let text = std::fs::read_to_string(FILTER).unwrap();
    let failregex = text
        .lines()
        .find_map(|l| l.strip_prefix("failregex = "))
        .expect("a one-line failregex")
        .trim();
    let host =
        r"(?:::f{4,6}:)?(?P<host>(?:\d{1,3}\.){3}\d{1,3}|\[?[0-9a-fA-F:]*:[0-9a-fA-F:.]+\]?)";
    regex::Regex::new(&failregex.replace("<HOST>", host)).unwrap()
}

/// What one request should have logged.
struct Expected {
    request_id: &'static str,
    event: &'static str,
    client: &'static str,
    account: &'static str,
}

async fn security_events_are_logged_for_fail2ban(format: &str) {
    let server = Server::start(format);

    // Arrange and act: each kind of refusal from an address of its own (through the trusted
    // proxy, so the address logged is the one `forwarded.rs` works out).
    let resp = server
        .get(ME, "192.0.2.1", "req-api-key")
        .header("x-api-key", "not-a-key")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()["x-request-id"], "req-api-key");
    let resp = server
        .get(ME, "192.0.2.2", "req-jwt")
        .header("authorization", "Bearer not.a.jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let from = "sip:admin@localhost";
    let first = server
        .get(ME, "192.0.2.3", "req-challenge")
        .header("from", from)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 401);
    let challenge = challenges(first.headers()).remove(0);
    let mut statuses = Vec::new();
    for (nc, id) in [
        (1, "req-digest-1"),
        (2, "req-digest-2"),
        (3, "req-digest-3"),
    ] {
        let resp = server
            .get(ME, "192.0.2.3", id)
            .header("from", from)
            .header(
                "authorization",
                digest_authorization(&challenge, "admin", "wrong", "GET", ME, nc),
            )
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
    }
    assert_eq!(
        statuses,
        [401, 401, 429],
        "two failures allowed, then locked"
    );

    // Fresh challenges beyond the address's budget.
    let mut last = 0;
    for _ in 0..4 {
        last = server
            .get(ME, "2001:db8::4", "req-challenges")
            .header("from", from)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);

    // A made request id, and the account id once authenticated.
    let resp = server
        .get(ME, "198.51.100.5", "not a sane id!")
        .header("x-api-key", &server.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let made = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(made, "not a sane id!");
    assert!(!made.is_empty() && made.len() <= 64);

    let lines = server.lines().await;
    let all = lines.join("\n");

    // One "listening" line.
    assert_eq!(
        lines.iter().filter(|l| l.contains("listening")).count(),
        1,
        "{all}"
    );
    // Colour codes only on a terminal.
    assert!(!all.contains('\u{1b}'), "{all}");

    let in_request = |id: &str| -> Vec<String> {
        let marker = if format == "json" {
            format!("\"request_id\":\"{id}\"")
        } else {
            format!("request_id={id}")
        };
        lines
            .iter()
            .filter(|l| l.contains(&marker))
            .cloned()
            .collect()
    };

    // The request line's fields.
    let mine = in_request(&made);
    assert_eq!(mine.len(), 1, "{all}");
    if format == "json" {
        let line: serde_json::Value = serde_json::from_str(&mine[0]).unwrap();
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "request");
        assert_eq!(line["method"], "GET");
        assert_eq!(line["route"], ME);
        assert_eq!(line["status"], 200);
        assert!(line["latency_ms"].as_f64().is_some(), "{line}");
        assert_eq!(line["host"], "localhost");
        assert_eq!(line["client"], "198.51.100.5");
        assert!(line["account_id"].as_str().is_some(), "{line}");
        assert_eq!(line["span"]["request_id"], made.as_str());
        assert!(line["timestamp"].as_str().is_some(), "{line}");
        for l in &lines {
            let _: serde_json::Value = serde_json::from_str(l).expect("one JSON object a line");
        }
    } else {
        for field in [
            "method=GET",
            &format!("route=\"{ME}\""),
            "status=200",
            "latency_ms=",
            "host=\"localhost\"",
            "client=198.51.100.5",
            "account_id=",
        ] {
            assert!(mine[0].contains(field), "{field} in {}", mine[0]);
        }
    }

    let expected = [
        Expected {
            request_id: "req-api-key",
            event: "api_key_refused",
            client: "192.0.2.1",
            account: "-",
        },
        Expected {
            request_id: "req-jwt",
            event: "jwt_refused",
            client: "192.0.2.2",
            account: "-",
        },
        Expected {
            request_id: "req-digest-1",
            event: "digest_failed",
            client: "192.0.2.3",
            account: from,
        },
        Expected {
            request_id: "req-digest-3",
            event: "lockout",
            client: "192.0.2.3",
            account: from,
        },
        Expected {
            request_id: "req-challenges",
            event: "rate_limited",
            client: "2001:db8::4",
            account: from,
        },
    ];
    let regex = filter_regex();
    for e in &expected {
        let request = in_request(e.request_id);
        let security: Vec<&String> = request
            .iter()
            .filter(|l| l.contains("security event="))
            .collect();
        let wanted = format!(
            "security event={} client={} account={}",
            e.event, e.client, e.account
        );
        let line = security
            .iter()
            .find(|l| l.contains(&wanted))
            .unwrap_or_else(|| panic!("{wanted} in {request:?}"));
        assert!(line.contains("WARN"), "{line}");
        // The request's own line carries the id too.
        assert!(
            request.iter().any(
                |l| l.contains("\"message\":\"request\"") || l.contains("middleware: request ")
            ),
            "{request:?}"
        );
        let caps = regex
            .captures(line)
            .unwrap_or_else(|| panic!("filter misses {line}"));
        assert_eq!(&caps["host"], e.client, "{line}");
    }
    // Nothing but the security lines matches.
    let security_lines: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("security event="))
        .collect();
    let matched: Vec<&String> = lines.iter().filter(|l| regex.is_match(l)).collect();
    assert_eq!(matched, security_lines);

    // fail2ban itself (`apt install fail2ban`; skipped when absent, outside CI): the same hosts,
    // in order.
    if let Ok(out) = Command::new("fail2ban-regex").arg("--version").output()
        && out.status.success()
    {
        let log = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(log.path(), format!("{all}\n")).unwrap();
        let out = Command::new("fail2ban-regex")
            .args(["-o", "ip"])
            .arg(log.path())
            .arg(FILTER)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let hosts: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        let wanted: Vec<String> = security_lines
            .iter()
            .map(|l| regex.captures(l).unwrap()["host"].to_owned())
            .collect();
        assert_eq!(hosts, wanted, "fail2ban-regex on\n{all}");
    } else {
        // `scripts/test` installs it: in CI the filter is always checked by fail2ban itself.
        assert!(
            std::env::var_os("CI").is_none(),
            "fail2ban-regex is absent in CI"
        );
        eprintln!("fail2ban-regex not installed: the filter was checked with the regex crate only");
    }
}

#[tokio::test]
async fn security_events_in_text_logs_match_the_fail2ban_filter() {
    security_events_are_logged_for_fail2ban("text").await;
}

#[tokio::test]
async fn security_events_in_json_logs_match_the_fail2ban_filter() {
    security_events_are_logged_for_fail2ban("json").await;
}

/// An address of this machine that is not loopback (the one it would reach the world from).
fn outward_address() -> IpAddr {
    let socket = UdpSocket::bind("0.0.0.0:0").unwrap();
    socket.connect("192.0.2.1:9").unwrap();
    let ip = socket.local_addr().unwrap().ip();
    assert!(!ip.is_loopback() && !ip.is_unspecified(), "{ip}");
    ip
}

#[tokio::test]
async fn without_metrics_bind_metrics_answer_loopback_peers_only() {
    let app = TestApp::spawn_with(Store::Memory, |c| c.bind = "0.0.0.0:0".into()).await;
    let loopback = app.get("localhost", "/metrics").send().await.unwrap();
    assert_eq!(loopback.status(), 200);

    let outward = outward_address();
    let url = |path: &str| format!("http://{outward}:{}{path}", app.port);
    let resp = reqwest::get(url("/metrics")).await.unwrap();
    assert_eq!(resp.status(), 404);
    // The rest of the server answers that peer as usual.
    let resp = reqwest::get(url("/health/live")).await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_trusted_proxy_may_read_the_metrics() {
    let outward = outward_address();
    let app = TestApp::spawn_with(Store::Memory, |c| {
        c.bind = "0.0.0.0:0".into();
        c.trusted_proxies =
            flexiapi_adapters_http::forwarded::TrustedProxies::parse(&[outward.to_string()])
                .unwrap();
    })
    .await;
    let resp = reqwest::get(format!("http://{outward}:{}/metrics", app.port))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn with_metrics_bind_metrics_are_served_on_their_own_listener_only() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(Store::Memory, |c| {
        c.metrics_bind = Some(format!("127.0.0.1:{port}"));
    })
    .await;
    let main = app.get("localhost", "/metrics").send().await.unwrap();
    assert_eq!(main.status(), 404);

    let own = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    assert!(
        own.text()
            .await
            .unwrap()
            .contains("flexiapi_requests_total"),
        "the metrics"
    );
    // The metrics listener serves nothing else.
    let other = reqwest::get(format!("http://127.0.0.1:{port}/api/ping"))
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
}

#[tokio::test]
async fn changes_made_on_the_command_line_are_audited_with_actor_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/flexiapi.sqlite", dir.path().display());
    let run = |args: &[&str]| {
        let out = crate::cli::flexiapi(&db, args);
        assert!(out.status.success(), "{out:?}");
    };
    run(&[
        "spaces",
        "create",
        "--domain",
        "sip.example.org",
        "--host",
        "api.example.org",
    ]);
    run(&[
        "accounts",
        "create-admin",
        "--username",
        "alice",
        "--domain",
        "sip.example.org",
        "--password",
        "secret123",
    ]);
    run(&[
        "api-keys",
        "create",
        "--username",
        "alice",
        "--domain",
        "sip.example.org",
    ]);
    // Reading is not a change.
    run(&["spaces", "list"]);
    // A refused change is not recorded.
    let refused = crate::cli::flexiapi(&db, &["spaces", "delete", "--domain", "nowhere.example"]);
    assert!(!refused.status.success());

    let database = flexiapi::Database::open(&db).await.unwrap();
    let trail = flexiapi::services(database.storage.clone())
        .list_audit_events(1, 50)
        .await
        .unwrap();
    database.close().await;
    let mut lines: Vec<(String, String, String, String, Option<i64>)> = trail
        .items
        .iter()
        .map(|e| {
            (
                e.actor.clone(),
                e.method.clone(),
                e.path.clone(),
                e.subject.clone(),
                e.actor_id.map(|a| a.0),
            )
        })
        .collect();
    lines.reverse();
    let cli = |path: &str, subject: &str| {
        (
            "cli".to_owned(),
            "CLI".to_owned(),
            path.to_owned(),
            subject.to_owned(),
            None,
        )
    };
    assert_eq!(
        lines,
        [
            cli("spaces create sip.example.org", "space sip.example.org"),
            cli(
                "accounts create-admin sip:alice@sip.example.org",
                "account sip:alice@sip.example.org"
            ),
            cli(
                "api-keys create sip:alice@sip.example.org",
                "account sip:alice@sip.example.org"
            ),
        ]
    );
}
