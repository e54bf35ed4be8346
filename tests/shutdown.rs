//! Graceful shutdown under load: SIGTERM stops accepting, and every request the server had
//! accepted still gets its full answer.

use std::time::Duration;

use flexiapi_adapters_sql::Backend;
use flexiapi_adapters_sql::testing::TestDatabase;
use serde_json::json;

use crate::process::ServerProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_loses_no_accepted_request() {
    let db = TestDatabase::create(Backend::Sqlite).await.unwrap();
    let server = ServerProcess::start(db.url());
    let key = server.credential("admin API key:").expect("bootstrap key");
    let base = format!("http://127.0.0.1:{}", server.port);

    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let (base, key) = (base.clone(), key.clone());
        workers.spawn(async move {
            // One connection per request: a refused connection is the only way to be turned
            // away, never a connection dropped under an accepted request.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap();
            let mut answered = 0u32;
            for i in 0.. {
                let resp = client
                    .post(format!("{base}/api/accounts"))
                    .header("host", "localhost")
                    .header("x-api-key", &key)
                    .json(&json!({"username": format!("w{worker}n{i}"), "password": "secret123"}))
                    .send()
                    .await;
                match resp {
                    Ok(r) => {
                        assert_eq!(r.status(), 200);
                        let body: serde_json::Value = r.json().await.expect("a complete body");
                        assert_eq!(body["username"], format!("w{worker}n{i}"));
                        answered += 1;
                    }
                    // Refused, or reset in the listen queue before the server took it: either way
                    // the server never processed it (checked below).
                    Err(e) if e.is_connect() => return (answered, None),
                    Err(_) => return (answered, Some(format!("w{worker}n{i}"))),
                }
            }
            unreachable!()
        });
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.signal_term();
    let mut total = 0;
    let mut unanswered = Vec::new();
    while let Some(done) = workers.join_next().await {
        let (answered, failed) = done.unwrap();
        total += answered;
        unanswered.extend(failed);
    }
    assert!(total > 8, "the load ran: {total} answers");
    assert!(server.wait(), "clean exit");
    // Everything answered 200 is stored.
    let count = db
        .storage()
        .count_accounts(&flexiapi_domain::model::Domain::parse("localhost").unwrap())
        .await
        .unwrap();
    assert_eq!(count, u64::from(total) + 1);
    // A request without an answer was never processed: nothing was lost half way.
    let storage = db.storage();
    for username in unanswered {
        let found = storage
            .account_by_identity(
                &flexiapi_domain::model::Username::parse(&username).unwrap(),
                &flexiapi_domain::model::Domain::parse("localhost").unwrap(),
            )
            .await
            .unwrap();
        assert!(
            found.is_none(),
            "{username} was processed but its answer lost"
        );
    }
    db.drop_database().await;
}
