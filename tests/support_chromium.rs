//! Headless Chromium driven over its DevTools protocol (a WebSocket, JSON commands): open a
//! page, fill and submit its forms as a person would, read what it shows, take screenshots.
//! Debian's `chromium` package; in CI a missing browser fails the test instead of skipping it.

// A fixture: each test uses a part of it.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Where the screenshots go: `<target>/tmp/web-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One browser with one tab; killed when dropped.
pub struct Chromium {
    child: tokio::process::Child,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
    /// Events read while waiting for an answer.
    events: VecDeque<Value>,
    _profile: tempfile::TempDir,
}

impl Chromium {
    /// A headless browser whose requests say they prefer `language`; `None` (the test then
    /// returns) when Chromium is missing outside CI.
    pub async fn launch(language: &str) -> Option<Self> {
        let binary = ["chromium", "chromium-browser"].into_iter().find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
        let Some(binary) = binary else {
            assert!(std::env::var_os("CI").is_none(), "chromium is absent in CI");
            eprintln!("SKIPPED: chromium not found");
            return None;
        };
        let profile = tempfile::tempdir().unwrap();
        let mut child = tokio::process::Command::new(binary)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                "--window-size=900,1100",
            ])
            .arg(format!("--lang={language}"))
            .arg(format!("--accept-lang={language}"))
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    return url.trim().to_owned();
                }
            }
            panic!("chromium stopped before it listened");
        })
        .await
        .expect("chromium listens within 30 s");
        // Keep reading stderr so that the browser never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .unwrap();
        let mut browser = Self {
            child,
            ws,
            session: String::new(),
            next_id: 0,
            events: VecDeque::new(),
            _profile: profile,
        };
        let target = browser
            .call("Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = browser
            .call(
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        browser.session = attached["sessionId"].as_str().unwrap().to_owned();
        browser.call("Page.enable", json!({})).await;
        browser.call("Network.enable", json!({})).await;
        browser
            .call(
                "Network.setExtraHTTPHeaders",
                json!({ "headers": { "Accept-Language": language } }),
            )
            .await;
        Some(browser)
    }

    /// Sends a command (to the tab once attached) and returns its result.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({ "id": id, "method": method, "params": params });
        if !self.session.is_empty() {
            command["sessionId"] = json!(self.session);
        }
        self.ws
            .send(Message::text(command.to_string()))
            .await
            .unwrap();
        loop {
            let message = self.read().await;
            if message["id"] == json!(id) {
                assert!(message.get("error").is_none(), "{method} failed: {message}");
                return message["result"].clone();
            }
            self.events.push_back(message);
        }
    }

    async fn read(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), self.ws.next())
                .await
                .expect("chromium answers within 30 s")
                .expect("the DevTools connection stays open")
                .unwrap();
            if let Message::Text(text) = frame {
                return serde_json::from_str(&text).unwrap();
            }
        }
    }

    /// Waits for the tab's next `Page.loadEventFired`.
    async fn loaded(&mut self) {
        loop {
            let event = match self.events.pop_front() {
                Some(e) => e,
                None => self.read().await,
            };
            if event["method"] == "Page.loadEventFired" {
                return;
            }
        }
    }

    /// Opens `url` and waits until it has loaded.
    pub async fn open(&mut self, url: &str) {
        self.events.clear();
        self.call("Page.navigate", json!({ "url": url })).await;
        self.loaded().await;
    }

    /// The value of a JavaScript expression in the page.
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true }),
            )
            .await;
        result["result"]["value"].clone()
    }

    /// Types `value` into the field named `name`.
    pub async fn fill(&mut self, name: &str, value: &str) {
        let found = self
            .eval(&format!(
                "(() => {{ const f = document.querySelector('[name={name}]'); \
                 if (!f) return false; f.value = {}; return true; }})()",
                json!(value)
            ))
            .await;
        assert_eq!(found, json!(true), "no field {name}");
    }

    /// Clicks the page's submit button and waits for the answer's page.
    pub async fn submit(&mut self) {
        self.events.clear();
        let clicked = self
            .eval(
                "(() => { const b = document.querySelector('button[type=submit]'); \
                 if (!b) return false; b.click(); return true; })()",
            )
            .await;
        assert_eq!(clicked, json!(true), "no submit button");
        self.loaded().await;
    }

    /// The page's visible text.
    pub async fn text(&mut self) -> String {
        self.eval("document.body.innerText")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The page's HTML.
    pub async fn html(&mut self) -> String {
        self.eval("document.documentElement.outerHTML")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// A PNG of the whole page, saved as `name.png` in [`screenshot_dir`].
    pub async fn screenshot(&mut self, name: &str) -> PathBuf {
        let shot = self
            .call(
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": true }),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
