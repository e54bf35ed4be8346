//! SQLite's request path runs on the calling thread and never waits for a lock: while another
//! connection holds the write lock, reads still answer (WAL) and nonce writes go through sqlx's
//! writer, which waits, instead of failing or holding the runtime thread.

use std::time::Duration;

use chrono::Utc;
use flexiapi_adapters_sql::Backend;
use flexiapi_adapters_sql::testing::TestDatabase;
use flexiapi_domain::model::DigestNonce;

fn nonce(opaque: &str) -> DigestNonce {
    DigestNonce {
        opaque: opaque.into(),
        nonce: format!("nonce-{opaque}"),
        username: "alice".into(),
        domain: "sip.example.org".into(),
        ip: "192.0.2.1".into(),
        nc: 0,
        uses: 0,
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn a_busy_database_delays_nonce_writes_without_failing_them() {
    let db = TestDatabase::create(Backend::Sqlite)
        .await
        .expect("test database");
    let storage = db.storage();
    storage.insert_nonce(nonce("op")).await.unwrap();
    let path = db
        .url()
        .strip_prefix("sqlite://")
        .expect("a SQLite file URL")
        .to_owned();
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();

    // Reads answer while another connection holds the write lock.
    let read = storage.nonce_by_opaque("op").await.unwrap().unwrap();
    assert_eq!(read.nc, 0);

    let advancing = tokio::spawn({
        let storage = storage.clone();
        async move { storage.advance_nonce("op", 1).await }
    });
    let inserting = tokio::spawn({
        let storage = storage.clone();
        async move { storage.insert_nonce(nonce("second")).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!advancing.is_finished(), "the write waits for the lock");
    assert!(!inserting.is_finished(), "the write waits for the lock");
    blocker.execute_batch("COMMIT").unwrap();

    assert!(advancing.await.unwrap().unwrap());
    inserting.await.unwrap().unwrap();
    assert_eq!(storage.nonce_by_opaque("op").await.unwrap().unwrap().nc, 1);
    assert!(storage.nonce_by_opaque("second").await.unwrap().is_some());
    db.drop_database().await;
}
