//! The server pools hand out a busy connection without pinging it first (one round trip per
//! statement saved): after the database dropped every connection, as a restart does, the request
//! path's reads must still answer, on a fresh connection, not fail.

use std::sync::Arc;

use flexiapi_adapters_sql::Backend;
use flexiapi_adapters_sql::testing::TestDatabase;
use flexiapi_contract::support::{account, space};
use flexiapi_domain::model::{AccountId, Domain, Username};
use flexiapi_domain::ports::Storage;
use sqlx::{Connection, Executor, Row};

/// Closes every connection to the test database but the killer's own, from the server's side.
async fn drop_every_connection(backend: Backend, url: &str) -> usize {
    match backend {
        Backend::Postgres => {
            let mut killer = sqlx::PgConnection::connect(url).await.unwrap();
            let killed: Vec<bool> = sqlx::query_scalar(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .fetch_all(&mut killer)
            .await
            .unwrap();
            killer.close().await.unwrap();
            killed.into_iter().filter(|k| *k).count()
        }
        Backend::MySql => {
            let mut killer = sqlx::MySqlConnection::connect(url).await.unwrap();
            let ids: Vec<i64> = sqlx::query(
                "SELECT id FROM information_schema.processlist \
                 WHERE db = DATABASE() AND id <> CONNECTION_ID()",
            )
            .fetch_all(&mut killer)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<i64, _>(0))
            .collect();
            for id in &ids {
                killer
                    .execute(sqlx::AssertSqlSafe(format!("KILL CONNECTION {id}")))
                    .await
                    .unwrap();
            }
            killer.close().await.unwrap();
            ids.len()
        }
        Backend::Sqlite => unreachable!("a file has no connections to drop"),
    }
}

/// Reads made at once, so that the pool holds several connections.
async fn read_together(s: &Arc<dyn Storage>, id: AccountId) {
    let reads: Vec<_> = (0..6)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.account_by_id(id).await })
        })
        .collect();
    for read in reads {
        assert!(read.await.unwrap().unwrap().is_some());
    }
}

async fn reads_survive_dropped_connections(backend: Backend) {
    let db = TestDatabase::create(backend).await.unwrap();
    let s = db.storage();
    space(&s, "example.org").await;
    let id = account(&s, "alice", "example.org").await;
    read_together(&s, id).await;

    let dropped = drop_every_connection(backend, db.url()).await;
    assert!(dropped >= 2, "the pool held {dropped} connections");
    // Let the server finish closing them.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let alice = s
        .account_by_identity(
            &Username::parse("alice").unwrap(),
            &Domain::parse("example.org").unwrap(),
        )
        .await
        .expect("read again on a fresh connection");
    assert_eq!(alice.map(|a| a.id), Some(id));
    read_together(&s, id).await;
    assert!(s.api_key_by_hash("no such key").await.unwrap().is_none());
    db.drop_database().await;
}

#[tokio::test]
async fn postgres_reads_survive_dropped_connections() {
    reads_survive_dropped_connections(Backend::Postgres).await;
}

#[tokio::test]
async fn mysql_reads_survive_dropped_connections() {
    reads_survive_dropped_connections(Backend::MySql).await;
}
