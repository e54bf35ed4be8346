//! Several server processes on one PostgreSQL or MariaDB database share their Digest state, and
//! the CLI works against both servers.

use flexiapi_adapters_sql::Backend;
use flexiapi_adapters_sql::testing::TestDatabase;
use flexiapi_domain::model::PasswordAlgorithm::Sha256;

use crate::helpers::{challenges, digest_authorization, services_on};
use crate::process::ServerProcess;

async fn challenge_on_one_answer_on_the_other(backend: Backend) {
    let db = TestDatabase::create(backend).await.expect("test database");
    let first = ServerProcess::start(db.url());
    let second = ServerProcess::start(db.url());
    assert!(
        first.credential("admin API key:").is_some(),
        "the first start bootstraps"
    );
    assert!(
        second.credential("admin API key:").is_none(),
        "the second finds the space"
    );
    services_on(db.storage())
        .create_admin("alice", "localhost", "secret123", Sha256)
        .await
        .unwrap();

    let client = reqwest::Client::new();
    let me = |port: u16| format!("http://localhost:{port}/api/accounts/me");
    let resp = client
        .get(me(first.port))
        .header("from", "sip:alice@localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let c = challenges(resp.headers()).remove(0);
    let auth = |nc| digest_authorization(&c, "alice", "secret123", "GET", "/api/accounts/me", nc);
    let send = |port: u16, nc: u32| {
        client
            .get(me(port))
            .header("from", "sip:alice@localhost")
            .header("authorization", auth(nc))
            .send()
    };
    assert_eq!(
        send(second.port, 1).await.unwrap().status(),
        200,
        "answered to the other process"
    );
    assert_eq!(
        send(first.port, 2).await.unwrap().status(),
        200,
        "nc 2 back on the first"
    );
    let replay = send(second.port, 2).await.unwrap();
    assert_eq!(
        replay.status(),
        401,
        "the second process knows nc 2 was used"
    );
    drop((first, second));
    db.drop_database().await;
}

#[tokio::test]
async fn digest_nonces_are_shared_by_two_processes_on_postgresql() {
    challenge_on_one_answer_on_the_other(Backend::Postgres).await;
}

#[tokio::test]
async fn digest_nonces_are_shared_by_two_processes_on_mariadb() {
    challenge_on_one_answer_on_the_other(Backend::MySql).await;
}

/// `GET /api/accounts/me` as `user@localhost` by Digest on `port`: the challenge, then the
/// answer with `password`; the answer's status.
async fn digest_login(client: &reqwest::Client, port: u16, user: &str, password: &str) -> u16 {
    let url = format!("http://localhost:{port}/api/accounts/me");
    let from = format!("sip:{user}@localhost");
    let first = client.get(&url).header("from", &from).send().await.unwrap();
    let c = challenges(first.headers()).remove(0);
    client
        .get(&url)
        .header("from", &from)
        .header(
            "authorization",
            digest_authorization(&c, user, password, "GET", "/api/accounts/me", 1),
        )
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Failed logins on two processes add up to one budget (the default: 10 per account).
async fn the_failure_budget_is_shared_by_two_processes(backend: Backend) {
    let db = TestDatabase::create(backend).await.expect("test database");
    let first = ServerProcess::start(db.url());
    let second = ServerProcess::start(db.url());
    services_on(db.storage())
        .create_admin("alice", "localhost", "secret123", Sha256)
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let login = |port, password| digest_login(&client, port, "alice", password);
    for round in 0..5 {
        assert_eq!(login(first.port, "wrong").await, 401, "round {round}");
        assert_eq!(login(second.port, "wrong").await, 401, "round {round}");
    }
    assert_eq!(login(first.port, "secret123").await, 429);
    assert_eq!(login(second.port, "secret123").await, 429);
    drop((first, second));
    db.drop_database().await;
}

#[tokio::test]
async fn the_failure_budget_is_shared_on_postgresql() {
    the_failure_budget_is_shared_by_two_processes(Backend::Postgres).await;
}

#[tokio::test]
async fn the_failure_budget_is_shared_on_mariadb() {
    the_failure_budget_is_shared_by_two_processes(Backend::MySql).await;
}

/// No process keeps keys or accounts: a password changed, an account blocked or a key deleted
/// through one process holds on the other from its next request. Spaces are kept per process for
/// `SPACE_CACHE_TTL_SECONDS`: a space another process expired is refused within that bound.
async fn changes_made_through_one_process_hold_on_the_other(backend: Backend) {
    let db = TestDatabase::create(backend).await.expect("test database");
    let first = ServerProcess::start(db.url());
    let second = ServerProcess::start(db.url());
    let admin = first.credential("admin API key:").expect("bootstrap key");
    let client = reqwest::Client::new();
    let url = |port: u16, path: &str| format!("http://localhost:{port}{path}");
    let bob = client
        .post(url(first.port, "/api/accounts"))
        .header("x-api-key", &admin)
        .json(&serde_json::json!({"username": "bob", "password": "secret123", "activated": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(bob.status(), 200);
    let bob: serde_json::Value = bob.json().await.unwrap();
    let keys = format!("/api/accounts/{}/api_keys", bob["id"]);
    let created = client
        .post(url(first.port, &keys))
        .header("x-api-key", &admin)
        .json(&serde_json::json!({"name": "bob's"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    let key = created["api_key"].as_str().unwrap().to_owned();
    let me_by_key = |port: u16| {
        client
            .get(url(port, "/api/accounts/me"))
            .header("x-api-key", &key)
            .send()
    };
    let login = |port, password| digest_login(&client, port, "bob", password);
    assert_eq!(me_by_key(second.port).await.unwrap().status(), 200);
    assert_eq!(login(second.port, "secret123").await, 200);

    let changed = client
        .post(url(first.port, "/api/accounts/me/password"))
        .header("x-api-key", &key)
        .json(&serde_json::json!({"password": "another123", "old_password": "secret123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(
        login(second.port, "secret123").await,
        401,
        "the old password"
    );
    assert_eq!(login(second.port, "another123").await, 200, "the new one");

    let block = |action: &'static str| {
        client
            .post(url(
                first.port,
                &format!("/api/accounts/{}/{action}", bob["id"]),
            ))
            .header("x-api-key", &admin)
            .send()
    };
    assert_eq!(block("block").await.unwrap().status(), 200);
    assert_eq!(
        me_by_key(second.port).await.unwrap().status(),
        403,
        "blocked"
    );
    assert_eq!(block("unblock").await.unwrap().status(), 200);
    assert_eq!(
        me_by_key(second.port).await.unwrap().status(),
        200,
        "unblocked"
    );

    let deleted = client
        .delete(url(first.port, &format!("{keys}/{}", created["id"])))
        .header("x-api-key", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    assert_eq!(
        me_by_key(second.port).await.unwrap().status(),
        401,
        "deleted"
    );

    // The space, expired by another process (as the CLI would): the second server still has it
    // in its cache, then refuses it within the bound.
    let admin_me = || {
        client
            .get(url(second.port, "/api/accounts/me"))
            .header("x-api-key", &admin)
            .send()
    };
    assert_eq!(admin_me().await.unwrap().status(), 200);
    let storage = db.storage();
    let domain = flexiapi_domain::model::Domain::parse("localhost").unwrap();
    let mut space = storage.space_by_domain(&domain).await.unwrap().unwrap();
    space.expire_at = Some(chrono::Utc::now() - chrono::Duration::days(1));
    storage
        .update_space(space, chrono::Utc::now())
        .await
        .unwrap();
    let changed_at = std::time::Instant::now();
    let bound = std::time::Duration::from_secs(
        u64::try_from(flexiapi_domain::service::SPACE_CACHE_TTL_SECONDS).unwrap(),
    );
    loop {
        let status = admin_me().await.unwrap().status();
        if status == 403 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            changed_at.elapsed() <= bound + std::time::Duration::from_secs(1),
            "the expired space still served after {:?}",
            changed_at.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    drop((first, second));
    db.drop_database().await;
}

#[tokio::test]
async fn changes_made_through_one_process_hold_on_the_other_on_postgresql() {
    changes_made_through_one_process_hold_on_the_other(Backend::Postgres).await;
}

#[tokio::test]
async fn changes_made_through_one_process_hold_on_the_other_on_mariadb() {
    changes_made_through_one_process_hold_on_the_other(Backend::MySql).await;
}

/// Sends `count` account creations at once, alternating between the two servers, and answers
/// their statuses.
async fn race(
    ports: [u16; 2],
    key: &str,
    count: usize,
    body: impl Fn(usize) -> serde_json::Value,
) -> Vec<u16> {
    let client = reqwest::Client::new();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..count {
        let request = client
            .post(format!("http://127.0.0.1:{}/api/accounts", ports[i % 2]))
            .header("host", "localhost")
            .header("x-api-key", key)
            .json(&body(i));
        tasks.spawn(async move { request.send().await.unwrap().status().as_u16() });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    statuses
}

async fn racing_creations_on_two_processes(backend: Backend) {
    let db = TestDatabase::create(backend).await.expect("test database");
    let first = ServerProcess::start(db.url());
    let second = ServerProcess::start(db.url());
    let key = first.credential("admin API key:").expect("bootstrap key");
    let ports = [first.port, second.port];

    let same = race(
        ports,
        &key,
        50,
        |_| serde_json::json!({"username": "highlander", "password": "secret123"}),
    )
    .await;
    assert_eq!(same.iter().filter(|s| **s == 200).count(), 1, "{same:?}");
    assert!(same.iter().all(|s| *s == 200 || *s == 422), "{same:?}");

    // Two accounts exist (admin, highlander); room for three more.
    let storage = db.storage();
    let mut space = storage
        .space_by_domain(&flexiapi_domain::model::Domain::parse("localhost").unwrap())
        .await
        .unwrap()
        .unwrap();
    space.max_accounts = 5;
    storage
        .update_space(space, chrono::Utc::now())
        .await
        .unwrap();
    let many = race(
        ports,
        &key,
        30,
        |i| serde_json::json!({"username": format!("crowd{i}"), "password": "secret123"}),
    )
    .await;
    assert_eq!(many.iter().filter(|s| **s == 200).count(), 3, "{many:?}");
    assert!(many.iter().all(|s| *s == 200 || *s == 403), "{many:?}");
    assert_eq!(
        storage
            .count_accounts(&flexiapi_domain::model::Domain::parse("localhost").unwrap())
            .await
            .unwrap(),
        5
    );
    drop((first, second));
    db.drop_database().await;
}

#[tokio::test]
async fn racing_creations_on_two_processes_on_postgresql() {
    racing_creations_on_two_processes(Backend::Postgres).await;
}

#[tokio::test]
async fn racing_creations_on_two_processes_on_mariadb() {
    racing_creations_on_two_processes(Backend::MySql).await;
}

fn flexiapi(db: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env("FLEXIAPI_LOG", "error")
        .output()
        .unwrap()
}

async fn cli_commands_work(backend: Backend) {
    let db = TestDatabase::create(backend).await.expect("test database");
    let url = db.url().to_owned();
    let ok = |out: std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    ok(flexiapi(&url, &["migrate"]));
    ok(flexiapi(&url, &["migrate"]));
    ok(flexiapi(
        &url,
        &[
            "spaces",
            "create",
            "--domain",
            "sip.example.org",
            "--host",
            "api.example.org",
        ],
    ));
    let dup = flexiapi(
        &url,
        &[
            "spaces",
            "create",
            "--domain",
            "sip.example.org",
            "--host",
            "x.example.org",
        ],
    );
    assert!(!dup.status.success());
    assert_eq!(
        String::from_utf8_lossy(&dup.stderr).trim().lines().count(),
        1
    );
    ok(flexiapi(
        &url,
        &[
            "accounts",
            "create-admin",
            "--username",
            "root",
            "--domain",
            "sip.example.org",
            "--password",
            "secret123",
        ],
    ));
    let key = ok(flexiapi(
        &url,
        &[
            "api-keys",
            "create",
            "--username",
            "root",
            "--domain",
            "sip.example.org",
        ],
    ));
    assert_eq!(key.trim().len(), 40);
    let account = db
        .storage()
        .account_by_identity(
            &flexiapi_domain::model::Username::parse("root").unwrap(),
            &flexiapi_domain::model::Domain::parse("sip.example.org").unwrap(),
        )
        .await
        .unwrap()
        .expect("the admin exists");
    assert!(account.admin && account.activated);
    db.drop_database().await;
}

#[tokio::test]
async fn the_cli_works_against_postgresql() {
    cli_commands_work(Backend::Postgres).await;
}

#[tokio::test]
async fn the_cli_works_against_mariadb() {
    cli_commands_work(Backend::MySql).await;
}
