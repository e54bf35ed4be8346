//! Debian bookworm's liblinphone 5.1 as a real client: its account creator's FlexiAPI backend,
//! driven by `fixtures/linphone/account_creator.c` (compiled here with `cc` and `pkg-config`),
//! against the running server. Skipped when liblinphone's headers are absent, except in CI,
//! which installs `liblinphone-dev`.
//!
//! What 5.1's backend can ask (its `FlexiAPIClient`): `POST tokens` (a creation token by push,
//! the original's first path for send-by-push, served here for 5.1 and answered `{}`),
//! `POST accounts/with-token` (`username`, `domain`, `password`, `algorithm`, `token`),
//! `GET accounts/<sip>/info`, and, authenticated by Digest with the core's credentials,
//! `POST accounts/me/password`, `POST accounts/me/phone/request`, `POST accounts/me/phone` and
//! `DELETE accounts/me`. It has no request-token calls (5.2 added them): there the test asks for
//! the request token and exchanges it over HTTP, as 5.2 would, and validates it on its page, as
//! its visitor; 5.1 creates the account with the creation token.
//!
//! 5.1's own limits, met here: it keeps the body of 2xx answers only (an error reaches the
//! application as a status alone; for an account creation 422 is `MissingArguments` and
//! anything else `UnexpectedError`);
//! it fires no callback when some requests succeed (the test watches the server instead); and it
//! crashes (SIGSEGV) on an empty 2xx body after a Digest challenge, which is what
//! `POST accounts/me/phone/request` answers, here as in the original.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use flexiapi::push::{PushConfig, PushFile};

use crate::helpers::{Store, TestApp, challenges, digest_authorization, json, logs};
use crate::support_ovh::OvhStandIn;
use crate::web_pages::{Visitor, hidden};

const HARNESS: &str = include_str!("fixtures/linphone/account_creator.c");

/// How long one request of the account creator may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(20);

/// A callback of the account creator, as the harness prints it.
#[derive(Debug)]
struct Outcome {
    /// `LinphoneAccountCreatorStatus` name: `RequestOk`, `MissingArguments`, ….
    status: String,
    /// The server's answer, `-` for none.
    body: String,
}

impl Outcome {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: not JSON: {}", self.body))
    }
}

/// The harness running against one test server.
struct Linphone {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    _dir: tempfile::TempDir,
}

/// The compiler flags of liblinphone, or `None` (skip) when its development files are absent
/// outside CI. Debian's `linphone.pc` names the libraries liblinphone needs but not liblinphone
/// itself.
pub(crate) fn liblinphone() -> Option<Vec<String>> {
    let out = std::process::Command::new("pkg-config")
        .args(["--cflags", "--libs", "linphone"])
        .output()
        .ok()
        .filter(|o| o.status.success());
    let Some(out) = out else {
        assert!(
            std::env::var_os("CI").is_none(),
            "liblinphone-dev (pkg-config linphone) is absent in CI"
        );
        eprintln!("liblinphone-dev is absent: skipped");
        return None;
    };
    let mut flags: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    flags.push("-llinphone".into());
    Some(flags)
}

fn compile(dir: &Path, flags: &[String]) -> PathBuf {
    let source = dir.join("account_creator.c");
    std::fs::write(&source, HARNESS).unwrap();
    let program = dir.join("account_creator");
    let out = std::process::Command::new("cc")
        .arg("-o")
        .arg(&program)
        .arg(&source)
        .args(flags)
        .output()
        .expect("cc runs");
    assert!(
        out.status.success(),
        "the harness compiles: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    program
}

impl Linphone {
    /// Compiles (with `flags`, from [`liblinphone`]) and starts the harness, its account
    /// creator pointed at `app`'s API.
    async fn start(app: &TestApp, flags: &[String]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let program = compile(dir.path(), flags);
        // A core that listens on no SIP port and keeps its files in the temporary folder.
        let config = dir.path().join("linphonerc");
        std::fs::write(
            &config,
            format!(
                "[sip]\nsip_port=0\nsip_tcp_port=0\nsip_tls_port=0\n\
                 [storage]\nuri={db}\n[misc]\nconfig-uri=\n",
                db = dir.path().join("linphone.db").display()
            ),
        )
        .unwrap();
        let mut child = Command::new(&program)
            .arg(&config)
            .arg(app.url("/api/"))
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the harness starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut linphone = Self {
            child,
            stdin,
            stdout,
            _dir: dir,
        };
        let ready = linphone.line().await;
        assert!(ready.starts_with("READY 5.1"), "liblinphone 5.1: {ready}");
        linphone
    }

    async fn line(&mut self) -> String {
        match tokio::time::timeout(PATIENCE, self.stdout.next_line()).await {
            Ok(Ok(Some(line))) => line,
            Ok(other) => panic!("the harness ended: {other:?}"),
            Err(_) => panic!("the harness said nothing for {PATIENCE:?}"),
        }
    }

    async fn send(&mut self, command: &str) {
        self.stdin
            .write_all(format!("{command}\n").as_bytes())
            .await
            .unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// Sends `command` and waits for the callback `callback` it fires.
    async fn call(&mut self, command: &str, callback: &str) -> Outcome {
        self.send(command).await;
        let line = self.line().await;
        let mut words = line.splitn(5, ' ');
        assert_eq!(words.next(), Some("RESULT"), "{line}");
        assert_eq!(words.next(), Some(callback), "{line}");
        let _number = words.next();
        Outcome {
            status: words.next().unwrap_or_default().to_owned(),
            body: words.next().unwrap_or_default().to_owned(),
        }
    }

    async fn login(&mut self, username: &str, password: &str) {
        self.send(&format!("login {username} localhost {password}"))
            .await;
        assert_eq!(self.line().await, "READY login");
    }

    async fn quit(mut self) {
        self.send("quit").await;
        let status = tokio::time::timeout(PATIENCE, self.child.wait())
            .await
            .expect("the harness quits")
            .unwrap();
        assert!(status.success(), "{status}");
    }
}

/// An account creation token minted by the admin API.
async fn admin_token(app: &TestApp) -> String {
    let resp = app
        .admin_call(
            reqwest::Method::POST,
            "/api/account_creation_tokens".into(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    json(resp).await["token"].as_str().unwrap().to_owned()
}

/// `GET /api/accounts/me` with Digest as `username`: the status of the answer to the challenge.
async fn digest_login(app: &TestApp, username: &str, password: &str) -> StatusCode {
    let from = format!("sip:{username}@localhost");
    let first = app
        .get("localhost", "/api/accounts/me")
        .header("from", &from)
        .send()
        .await
        .unwrap();
    let Some(challenge) = challenges(first.headers()).into_iter().next() else {
        return first.status();
    };
    app.get("localhost", "/api/accounts/me")
        .header("from", &from)
        .header(
            "authorization",
            digest_authorization(&challenge, username, password, "GET", "/api/accounts/me", 1),
        )
        .send()
        .await
        .unwrap()
        .status()
}

/// The admin's view of the account `username`, if any.
async fn admin_find(app: &TestApp, username: &str) -> Option<Value> {
    let resp = app
        .admin_call(
            reqwest::Method::GET,
            format!("/api/accounts/{username}@localhost/search"),
            None,
        )
        .await
        .unwrap();
    match resp.status() {
        StatusCode::OK => Some(json(resp).await),
        StatusCode::NOT_FOUND => None,
        other => panic!("search answered {other}"),
    }
}

/// Waits for `check` to hold: 5.1 reports some successes with no callback.
async fn eventually<F: std::future::Future<Output = bool>>(mut check: impl FnMut() -> F) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "never happened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn liblinphone_creates_an_account_with_a_token_changes_its_password_and_deletes_it() {
    let Some(flags) = liblinphone() else {
        return;
    };
    let app = TestApp::spawn().await;
    let mut linphone = Linphone::start(&app, &flags).await;
    let token = admin_token(&app).await;
    logs::secret("first-secret-123");
    logs::secret("second-secret-456");

    // POST accounts/with-token, the token named `token`, SHA-256 as 5.1 sends it.
    let created = linphone
        .call(
            &format!("create lina localhost first-secret-123 SHA-256 {token}"),
            "create_account",
        )
        .await;
    assert_eq!(created.status, "RequestOk", "{created:?}");
    let account = created.json();
    assert_eq!(account["username"], "lina");
    assert_eq!(account["domain"], "localhost");
    assert_eq!(account["activated"], false);
    assert!(account.get("password").is_none(), "{account}");

    // The token is spent: a second use is refused, 422, which 5.1 calls MissingArguments.
    let again = linphone
        .call(
            &format!("create lina2 localhost first-secret-123 SHA-256 {token}"),
            "create_account",
        )
        .await;
    assert_eq!(again.status, "MissingArguments", "{again:?}");
    assert!(admin_find(&app, "lina2").await.is_none());
    assert_eq!(
        digest_login(&app, "lina", "first-secret-123").await,
        StatusCode::OK
    );

    // Digest from liblinphone (its core's credentials): the password change succeeds silently.
    linphone.login("lina", "first-secret-123").await;
    linphone
        .send("password SHA-256 first-secret-123 second-secret-456")
        .await;
    eventually(|| async {
        digest_login(&app, "lina", "second-secret-456").await == StatusCode::OK
    })
    .await;
    assert_eq!(
        digest_login(&app, "lina", "first-secret-123").await,
        StatusCode::UNAUTHORIZED
    );
    // The original's quirk, kept: changing one's password activates the account.
    assert_eq!(admin_find(&app, "lina").await.unwrap()["activated"], true);

    // DELETE accounts/me, authenticated with the new password.
    linphone.login("lina", "second-secret-456").await;
    let deleted = linphone.call("delete", "delete_account").await;
    assert_eq!(deleted.status, "RequestOk", "{deleted:?}");
    assert!(admin_find(&app, "lina").await.is_none());

    linphone.quit().await;
    app.stop().await;
}

#[tokio::test]
async fn liblinphone_is_told_why_an_account_is_not_created() {
    let Some(flags) = liblinphone() else {
        return;
    };
    let app = TestApp::spawn().await;
    let mut linphone = Linphone::start(&app, &flags).await;
    // An unknown token: 422, which 5.1 calls MissingArguments; it keeps the body of 2xx
    // answers only, so the server's message does not reach the application.
    let unknown = linphone
        .call(
            "create nobody localhost secret-123456 MD5 ABCDEFGHIJKLM",
            "create_account",
        )
        .await;
    assert_eq!(unknown.status, "MissingArguments", "{unknown:?}");
    assert_eq!(unknown.body, "-");
    assert!(admin_find(&app, "nobody").await.is_none());

    // A valid token but an uppercase username: 422 too, and the token is not spent.
    let token = admin_token(&app).await;
    let refused = linphone
        .call(
            &format!("create Upper localhost secret-123456 MD5 {token}"),
            "create_account",
        )
        .await;
    assert_eq!(refused.status, "MissingArguments", "{refused:?}");
    let created = linphone
        .call(
            &format!("create lower localhost secret-123456 MD5 {token}"),
            "create_account",
        )
        .await;
    assert_eq!(created.status, "RequestOk", "{created:?}");
    assert_eq!(created.json()["username"], "lower");

    linphone.quit().await;
    app.stop().await;
}

#[tokio::test]
async fn liblinphone_links_a_phone_number_with_the_texted_code() {
    let Some(flags) = liblinphone() else {
        return;
    };
    let ovh = OvhStandIn::start().await;
    let app = TestApp::spawn_with(Store::Memory, |c| ovh.configure(c)).await;
    let mut linphone = Linphone::start(&app, &flags).await;
    let resp = app
        .admin_call(
            reqwest::Method::POST,
            "/api/phone_countries/FR/activate".into(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // An account created with a token is validated: it may ask for a phone change.
    let token = admin_token(&app).await;
    let created = linphone
        .call(
            &format!("create paul localhost paul-secret-123 MD5 {token}"),
            "create_account",
        )
        .await;
    assert_eq!(created.status, "RequestOk", "{created:?}");
    linphone.login("paul", "paul-secret-123").await;

    // The request for a code is the test's: 5.1's own (POST accounts/me/phone/request) crashes
    // it on the empty 200 the server answers, as the original did (see the module's notes).
    let path = "/api/accounts/me/phone/request";
    let body = serde_json::json!({"phone": "+33612345678"});
    let first = app
        .request(reqwest::Method::POST, "localhost", path)
        .header("from", "sip:paul@localhost")
        .json(&body)
        .send()
        .await
        .unwrap();
    let challenge = challenges(first.headers()).into_iter().next().unwrap();
    let asked = app
        .request(reqwest::Method::POST, "localhost", path)
        .header("from", "sip:paul@localhost")
        .header(
            "authorization",
            digest_authorization(&challenge, "paul", "paul-secret-123", "POST", path, 1),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    let sms = ovh.wait_for_sms("+33612345678").await;
    let code = sms
        .text
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 4)
        .unwrap_or_else(|| panic!("no code in {sms:?}"))
        .to_owned();

    // A wrong code: 422, which 5.1 calls MissingArguments; the number is unchanged.
    let wrong = if code == "0000" { "1111" } else { "0000" };
    let refused = linphone
        .call(
            &format!("activate_phone 612345678 33 {wrong}"),
            "activate_alias",
        )
        .await;
    assert_eq!(refused.status, "MissingArguments", "{refused:?}");
    assert_eq!(
        admin_find(&app, "paul").await.unwrap()["phone"],
        Value::Null
    );

    // POST accounts/me/phone with the texted code, 5.1 sending the number its dial plan makes
    // of 612345678 in +33: the number is the account's.
    linphone
        .send(&format!("activate_phone 612345678 33 {code}"))
        .await;
    eventually(|| async { admin_find(&app, "paul").await.unwrap()["phone"] == "+33612345678" })
        .await;

    linphone.quit().await;
    app.stop().await;
}

/// Validates the request token of `validation_url` on its page, as its visitor: the form with
/// its CSRF token, posted without JavaScript (no captcha is configured).
async fn validate_on_the_page(app: &TestApp, validation_url: &str) {
    let path = validation_url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or_else(|| panic!("not a URL: {validation_url}"));
    let visitor = Visitor::new(app, "localhost", "en");
    let (status, page) = visitor.get(path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let token = hidden(&page, "account_creation_request_token");
    let (status, answer) = visitor
        .post(
            &page,
            "/creation_token/validate",
            &[("account_creation_request_token", &token)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
}

#[tokio::test]
async fn liblinphone_creates_the_account_of_a_validated_request_token() {
    let Some(flags) = liblinphone() else {
        return;
    };
    let app = TestApp::spawn().await;
    let mut linphone = Linphone::start(&app, &flags).await;
    // 5.2's account creator asks for a request token and shows its page; 5.1 cannot, so the
    // test does, over HTTP.
    let resp = app
        .request(
            reqwest::Method::POST,
            "localhost",
            "/api/account_creation_request_tokens",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let request = json(resp).await;
    let request_token = request["token"].as_str().unwrap().to_owned();
    let validation_url = request["validation_url"].as_str().unwrap().to_owned();
    assert!(validation_url.ends_with(&format!("/creation_token/check/{request_token}")));
    let exchange = || async {
        app.request(
            reqwest::Method::POST,
            "localhost",
            "/api/account_creation_tokens/using-account-creation-request-token",
        )
        .json(&serde_json::json!({"account_creation_request_token": request_token}))
        .send()
        .await
        .unwrap()
    };
    assert_eq!(
        exchange().await.status(),
        StatusCode::NOT_FOUND,
        "not validated yet"
    );

    validate_on_the_page(&app, &validation_url).await;
    let resp = exchange().await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let token = json(resp).await["token"].as_str().unwrap().to_owned();
    // The request token is spent.
    assert_eq!(exchange().await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    logs::secret("request-secret-123");
    let created = linphone
        .call(
            &format!("create rita localhost request-secret-123 SHA-256 {token}"),
            "create_account",
        )
        .await;
    assert_eq!(created.status, "RequestOk", "{created:?}");
    assert_eq!(created.json()["username"], "rita");
    assert_eq!(
        digest_login(&app, "rita", "request-secret-123").await,
        StatusCode::OK
    );
    // And so is the creation token.
    let again = linphone
        .call(
            &format!("create rita2 localhost request-secret-123 SHA-256 {token}"),
            "create_account",
        )
        .await;
    assert_eq!(again.status, "MissingArguments", "{again:?}");
    assert!(admin_find(&app, "rita2").await.is_none());

    linphone.quit().await;
    app.stop().await;
}

/// The recorded `flexisip_pusher` stand-in (`fixtures/flexisip_pusher.sh`, shared with
/// `push_tokens.rs`) in `dir`, where it writes the arguments of its calls to `calls`.
fn recording_pusher(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("flexisip_pusher");
    std::fs::write(&script, include_str!("fixtures/flexisip_pusher.sh")).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[tokio::test]
async fn liblinphone_creates_an_account_with_a_pushed_token() {
    let Some(flags) = liblinphone() else {
        return;
    };
    let pusher_dir = tempfile::tempdir().unwrap();
    let script = recording_pusher(pusher_dir.path());
    let app = TestApp::spawn_with(Store::Memory, |c| {
        c.push = PushConfig::from_file(Some(PushFile {
            flexisip_pusher_path: Some(script),
            ..PushFile::default()
        }))
        .unwrap();
    })
    .await;
    let mut linphone = Linphone::start(&app, &flags).await;
    // 5.1 posts its push sign-up to `POST /api/tokens`, the original's first path for it.
    let sent = linphone
        .call(
            "send_token apns ABCD1234.org.linphone.phone.voip 0123456789abcdef",
            "send_token",
        )
        .await;
    assert_eq!(sent.status, "RequestOk", "{sent:?}");
    let pushed = std::fs::read_to_string(pusher_dir.path().join("calls")).unwrap();
    let payload: Value = pushed
        .lines()
        .skip_while(|l| *l != "--customPayload")
        .nth(1)
        .map(|p| serde_json::from_str(p).unwrap())
        .unwrap_or_else(|| panic!("no payload in {pushed}"));
    let token = payload["token"].as_str().unwrap().to_owned();

    logs::secret("pushed-secret-123");
    let created = linphone
        .call(
            &format!("create pia localhost pushed-secret-123 MD5 {token}"),
            "create_account",
        )
        .await;
    assert_eq!(created.status, "RequestOk", "{created:?}");
    assert_eq!(created.json()["username"], "pia");
    assert_eq!(
        digest_login(&app, "pia", "pushed-secret-123").await,
        StatusCode::OK
    );
    let again = linphone
        .call(
            &format!("create pia2 localhost pushed-secret-123 MD5 {token}"),
            "create_account",
        )
        .await;
    assert_eq!(again.status, "MissingArguments", "{again:?}");

    linphone.quit().await;
    app.stop().await;
}
