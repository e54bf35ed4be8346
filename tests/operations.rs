//! What an operator meets around the binary: `--version`, the first start's credentials file,
//! private database files, and `flexiapi backup` under writes.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flexiapi_adapters_sql::Backend;
use flexiapi_adapters_sql::testing::TestDatabase;
use serde_json::json;
use sqlx::Connection;

use crate::cli::{flexiapi, stderr_line};
use crate::process::ServerProcess;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn version_prints_the_package_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("flexiapi {}", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn the_first_start_writes_working_credentials_to_a_private_file_beside_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("flexiapi.sqlite");
    let server = ServerProcess::start(&format!("sqlite://{}", database.display()));

    let file = dir.path().join("initial-credentials");
    assert_eq!(server.credentials_file, file);
    assert_eq!(mode(&file), 0o600, "readable by its owner only");
    let key = server
        .credential("admin API key:")
        .expect("the key is in the file");
    let password = server
        .credential("password:")
        .expect("the password is in the file");
    assert_eq!(password.len(), 16);
    assert_eq!(
        server.credential("SIP identity:").as_deref(),
        Some("sip:admin@localhost")
    );
    let resp = reqwest::Client::new()
        .get(format!("http://localhost:{}/api/accounts/me", server.port))
        .header("accept", "application/json")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    assert!(
        server.stdout.iter().all(|l| !l.contains(&key)),
        "stdout is not a terminal: nothing printed, got {:?}",
        server.stdout
    );
    let log = server.log();
    assert!(
        log.iter().any(|l| l.contains("initial credentials written")
            && l.contains(&file.display().to_string())),
        "the log says where: {log:?}"
    );
    for name in [
        "flexiapi.sqlite",
        "flexiapi.sqlite-wal",
        "flexiapi.sqlite-shm",
    ] {
        assert_eq!(mode(&dir.path().join(name)), 0o600, "{name}");
    }
    assert!(server.terminate());

    // A later start finds the space: nothing new is written.
    let second = ServerProcess::start(&format!("sqlite://{}", database.display()));
    assert_eq!(second.credential("admin API key:"), Some(key));
}

#[test]
fn in_memory_the_credentials_are_printed_as_there_is_nowhere_to_write_them() {
    let server = ServerProcess::start("memory");
    assert!(
        server.printed("admin API key:").is_some(),
        "{:?}",
        server.stdout
    );
    assert!(server.printed("password:").is_some());
    assert!(
        !server.credentials_file.exists(),
        "no file in the working directory"
    );
}

#[tokio::test]
async fn on_postgresql_the_credentials_go_to_the_working_directory() {
    let db = TestDatabase::create(Backend::Postgres)
        .await
        .expect("test database");
    let server = ServerProcess::start(db.url());
    assert_eq!(
        server.credentials_file.file_name().unwrap(),
        "initial-credentials"
    );
    assert_eq!(mode(&server.credentials_file), 0o600);
    assert!(server.credential("admin API key:").is_some());
    assert!(server.printed("admin API key:").is_none());
}

/// Usernames in a SQLite copy, read directly (not through flexiapi).
async fn usernames_in(copy: &Path) -> Vec<String> {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", copy.display()))
        .await
        .unwrap();
    sqlx::query_scalar("SELECT username FROM accounts")
        .fetch_all(&mut conn)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_writes_holds_every_account_acknowledged_before_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("flexiapi.sqlite").display());
    let server = ServerProcess::start(&url);
    let key = server.credential("admin API key:").expect("bootstrap key");
    let base = format!("http://127.0.0.1:{}", server.port);

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let writer = {
        let acknowledged = acknowledged.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 0.. {
                let username = format!("user{i}");
                let resp = client
                    .post(format!("{base}/api/accounts"))
                    .header("host", "localhost")
                    .header("accept", "application/json")
                    .header("x-api-key", &key)
                    .json(&json!({"username": username, "password": "secret123", "algorithm": "SHA-256"}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
                acknowledged.lock().unwrap().push(username);
            }
        })
    };
    while acknowledged.lock().unwrap().len() < 50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let copy = dir.path().join("backup.sqlite");
    let before = acknowledged.lock().unwrap().clone();
    let out = {
        let (url, copy) = (url.clone(), copy.clone());
        tokio::task::spawn_blocking(move || {
            flexiapi(&url, &["backup", "--to", copy.to_str().unwrap()])
        })
        .await
        .unwrap()
    };
    let during = acknowledged.lock().unwrap().len();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Writes go on after the backup.
    while acknowledged.lock().unwrap().len() < during + 20 {
        assert!(!writer.is_finished(), "the writer stopped");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    writer.abort();

    assert_eq!(mode(&copy), 0o600);
    let copied = usernames_in(&copy).await;
    let missing: Vec<&String> = before.iter().filter(|u| !copied.contains(u)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup, missing from it: {missing:?}"
    );
    let total = acknowledged.lock().unwrap().len();
    assert!(
        copied.iter().filter(|u| u.starts_with("user")).count() < total,
        "the copy is a snapshot: later writes are not in it"
    );

    // An existing file is never replaced.
    let size = std::fs::metadata(&copy).unwrap().len();
    let again = flexiapi(&url, &["backup", "--to", copy.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(stderr_line(&again).contains("exists"));
    assert_eq!(std::fs::metadata(&copy).unwrap().len(), size);
    assert!(server.terminate());
}

#[tokio::test]
async fn backup_of_a_postgresql_or_mariadb_database_names_their_dump_tool() {
    let dir = tempfile::tempdir().unwrap();
    for (backend, tool) in [
        (Backend::Postgres, "pg_dump"),
        (Backend::MySql, "mariadb-dump"),
    ] {
        let db = TestDatabase::create(backend).await.expect("test database");
        let copy = dir.path().join("copy.sql");
        let out = flexiapi(db.url(), &["backup", "--to", copy.to_str().unwrap()]);
        assert!(!out.status.success(), "{backend:?}");
        assert!(stderr_line(&out).contains(tool), "{backend:?}");
        assert!(!copy.exists(), "{backend:?}: nothing written");
    }
}

#[test]
fn the_server_tells_systemd_it_is_ready_when_notify_socket_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .args(["--database", "memory", "serve", "--bind", "127.0.0.1:0"])
        .env("NOTIFY_SOCKET", &socket_path)
        .env("FLEXIAPI_LOG", "error")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut buf = [0u8; 64];
    let received = socket.recv(&mut buf);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(&buf[..received.expect("READY=1 within 60 s")], b"READY=1");
}
