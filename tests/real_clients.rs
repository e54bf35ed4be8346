//! Real Digest clients against the running server: curl and Python requests. Skipped only when
//! the program is absent (`.ci/run` installs both).

use std::process::Command;

use flexiapi_domain::model::PasswordAlgorithm::{Md5, Sha256};

use crate::helpers::TestApp;

/// Absent clients skip locally, but fail in CI (which installs them).
pub(crate) fn skip(what: &str) {
    assert!(std::env::var_os("CI").is_none(), "{what} is absent in CI");
    eprintln!("{what} is absent: skipped");
}

pub(crate) fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn curl_digest_authenticates_md5_and_sha256_accounts() {
    if !have("curl", "--version") {
        skip("curl");
        return;
    }
    let app = TestApp::spawn().await;
    app.account("md5user", "localhost", "secret123", &[Md5], false)
        .await;
    app.account("shauser", "localhost", "secret123", &[Sha256], false)
        .await;
    for user in ["md5user", "shauser"] {
        let url = app.url("/api/accounts/me");
        let out = tokio::process::Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--digest",
                "-u",
                &format!("{user}:secret123"),
            ])
            .args([
                "-H",
                &format!("From: sip:{user}@localhost"),
                "-H",
                "Accept: application/json",
                &url,
            ])
            .output()
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "200",
            "curl --digest as {user}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn python_requests_digest_auth_works_with_nonce_reuse() {
    let has_requests = Command::new("python3")
        .args(["-c", "import requests"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_requests {
        skip("python3 with requests");
        return;
    }
    let app = TestApp::spawn().await;
    app.account("pyuser", "localhost", "secret123", &[Md5, Sha256], false)
        .await;
    let script = format!(
        r#"
import requests
from requests.auth import HTTPDigestAuth
s = requests.Session()
s.auth = HTTPDigestAuth("pyuser", "secret123")
s.headers.update({{"From": "sip:pyuser@localhost", "Accept": "application/json"}})
codes = [s.get("{url}").status_code for _ in range(3)]
print(",".join(map(str, codes)))
"#,
        url = app.url("/api/accounts/me")
    );
    let out = tokio::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .await
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "200,200,200",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.stop().await;
}
