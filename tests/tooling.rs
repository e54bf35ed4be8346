//! The OpenAPI document as standard tools see it: a validator, a browser, a generated client
//! SDK and a property-based fuzzer. Each tool is skipped when absent, except in CI, which installs
//! them (`.ci/run`).

use std::process::Command;

use crate::helpers::TestApp;

/// Whether `python3` on PATH can import `module`; in CI a missing one fails the test.
fn python_has(module: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "python module {module} is absent in CI"
    );
    if !ok {
        eprintln!("python module {module} is absent: skipped");
    }
    ok
}

fn write_spec(dir: &tempfile::TempDir) -> std::path::PathBuf {
    let path = dir.path().join("openapi.json");
    std::fs::write(&path, flexiapi_adapters_http::openapi_json()).unwrap();
    path
}

#[test]
fn the_document_passes_a_standard_openapi_validator() {
    if !python_has("openapi_spec_validator") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(&dir);
    let out = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&spec)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    assert!(
        found.is_some() || std::env::var_os("CI").is_none(),
        "chromium is absent in CI"
    );
    found
}

#[tokio::test]
async fn a_headless_browser_lists_the_operations_on_the_documentation_page() {
    let Some(browser) = chromium() else {
        eprintln!("chromium is absent: skipped");
        return;
    };
    let app = TestApp::spawn().await;
    let profile = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(app.url("/api"))
        .output()
        .await
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    // Swagger UI renders each operation as an `opblock` with its summary.
    assert!(
        dom.contains("opblock"),
        "no operation rendered: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for summary in [
        "List accounts",
        "Create an account",
        "My account",
        "List spaces",
    ] {
        assert!(dom.contains(summary), "{summary} is not on the page");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_generated_python_client_creates_an_account_and_reads_me() {
    let generator = Command::new("openapi-python-client")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        generator || std::env::var_os("CI").is_none(),
        "openapi-python-client is absent in CI"
    );
    if !generator || !python_has("httpx") {
        eprintln!("openapi-python-client is absent: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let spec = write_spec(&dir);
    let out = Command::new("openapi-python-client")
        .args(["generate", "--meta", "none", "--output-path"])
        .arg(dir.path().join("client"))
        .arg("--path")
        .arg(&spec)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let app = TestApp::spawn().await;
    let script = format!(
        r#"
import sys
sys.path.insert(0, {dir:?})
from client import AuthenticatedClient
from client.api.accounts import create_account
from client.api.me import get_me
from client.models import NewAccountRequest
api = AuthenticatedClient(base_url="{base}", token="{key}", prefix="", auth_header_name="x-api-key")
created = create_account.sync(client=api, body=NewAccountRequest(username="sdkuser", password="secret123", activated=True))
assert created.username == "sdkuser", created
me = get_me.sync(client=api)
print(me.username, created.sip_uri)
"#,
        dir = dir.path().display().to_string(),
        base = app.url(""),
        key = app.admin_key
    );
    let out = tokio::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "admin sip:sdkuser@localhost",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.stop().await;
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_response_off_its_schema() {
    let runner = Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        runner || std::env::var_os("CI").is_none(),
        "schemathesis is absent in CI"
    );
    if !runner {
        eprintln!("schemathesis is absent: skipped");
        return;
    }
    // Pushes succeed (the stand-in pusher): a 503 "not sent" is no server error to find.
    let pusher = crate::push_tokens::StandIn::new();
    let app = TestApp::spawn_with(crate::helpers::Store::Memory, |c| pusher.configure(c)).await;
    let out = tokio::process::Command::new("schemathesis")
        .args(["run", &app.url("/api/openapi.json")])
        .args(["--url", &app.url("")])
        .args([
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance",
        ])
        .args(["--max-examples", "15", "--seed", "1"])
        .args(["-H", &format!("x-api-key: {}", app.admin_key)])
        .args(["-H", "accept: application/json"])
        .args(["--exclude-method", "DELETE"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    app.stop().await;
}
