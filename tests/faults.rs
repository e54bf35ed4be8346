//! Faults: the database goes away under load and comes back. A TCP proxy between a real server
//! process and PostgreSQL/MariaDB is cut (every connection dropped, new ones refused) and
//! restored, as a database restart looks from the server.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flexiapi_adapters_sql::Backend;
use flexiapi_adapters_sql::testing::TestDatabase;
use flexiapi_domain::model::{Domain, Username};
use serde_json::json;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinSet;

use crate::process::ServerProcess;

/// Forwards one local port to `upstream` until cut.
struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<JoinSet<()>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let mut proxy = Proxy {
            addr: "127.0.0.1:0".parse().unwrap(),
            upstream,
            tasks: Arc::new(Mutex::new(JoinSet::new())),
        };
        proxy.listen().await;
        proxy
    }

    async fn listen(&mut self) {
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        socket.bind(self.addr).unwrap();
        let listener: TcpListener = socket.listen(128).unwrap();
        self.addr = listener.local_addr().unwrap();
        let upstream = self.upstream;
        let tasks = self.tasks.clone();
        self.tasks.lock().unwrap().spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                tasks.lock().unwrap().spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
    }

    /// Drops every connection and stops accepting: the database is "down".
    fn cut(&self) {
        self.tasks.lock().unwrap().abort_all();
    }

    async fn restore(&mut self) {
        self.listen().await;
    }
}

fn upstream_of(url: &str) -> SocketAddr {
    let parsed = url::Url::parse(url).unwrap();
    format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port_or_known_default().unwrap()
    )
    .parse()
    .unwrap()
}

fn through(url: &str, proxy: SocketAddr) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    parsed.set_port(Some(proxy.port())).unwrap();
    parsed.to_string()
}

async fn the_server_answers_503_while_the_database_is_down_then_recovers(backend: Backend) {
    let db = TestDatabase::create(backend).await.expect("test database");
    let mut proxy = Proxy::start(upstream_of(db.url())).await;
    let server = ServerProcess::start(&through(db.url(), proxy.addr));
    let key = server.credential("admin API key:").expect("bootstrap key");
    let base = format!("http://127.0.0.1:{}", server.port);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();

    let statuses = Arc::new(Mutex::new(BTreeMap::<u16, u32>::new()));
    let created = Arc::new(Mutex::new(Vec::<(String, u16)>::new()));
    let load = {
        let (client, key, base) = (client.clone(), key.clone(), base.clone());
        let (statuses, created) = (statuses.clone(), created.clone());
        tokio::spawn(async move {
            for i in 0.. {
                let username = format!("load{i}");
                let resp = client
                    .post(format!("{base}/api/accounts"))
                    .header("host", "localhost")
                    .header("x-api-key", &key)
                    .json(&json!({"username": username, "password": "secret123"}))
                    .send()
                    .await;
                let status = match resp {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        if status != 200 {
                            let body: serde_json::Value = r.json().await.unwrap();
                            assert!(body["message"].is_string(), "JSON error body: {body}");
                        }
                        status
                    }
                    Err(e) => panic!("no answer: {e}"),
                };
                *statuses.lock().unwrap().entry(status).or_default() += 1;
                created.lock().unwrap().push((username, status));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    tokio::time::sleep(Duration::from_secs(1)).await;
    proxy.cut();
    // The outage lasts until the load has met it (on a loaded machine a request can take seconds),
    // and at least 4 s.
    tokio::time::sleep(Duration::from_secs(4)).await;
    for _ in 0..120 {
        if statuses.lock().unwrap().contains_key(&503) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let down = client
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(down, 503, "readiness says the database is gone");
    proxy.restore().await;

    // Recovers by itself: no restart of the server.
    let mut recovered = false;
    for _ in 0..60 {
        let ready = client.get(format!("{base}/health/ready")).send().await;
        if ready.is_ok_and(|r| r.status() == 200) {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(recovered, "the server reconnects once the database is back");
    tokio::time::sleep(Duration::from_secs(1)).await;
    load.abort();
    let seen = statuses.lock().unwrap().clone();
    assert!(
        seen.keys().all(|s| *s == 200 || *s == 503),
        "only successes and 503: {seen:?}"
    );
    assert!(seen.contains_key(&503), "the outage was seen: {seen:?}");
    assert!(seen.get(&200).copied().unwrap_or(0) > 2, "{seen:?}");

    // No half-written record: an account that exists has its password.
    let storage = db.storage();
    let localhost = Domain::parse("localhost").unwrap();
    let attempts = created.lock().unwrap().clone();
    for (username, status) in attempts {
        let account = storage
            .account_by_identity(&Username::parse(&username).unwrap(), &localhost)
            .await
            .unwrap();
        match (status, account) {
            (200, Some(a)) => assert_eq!(a.passwords.len(), 1, "{username}"),
            (200, None) => panic!("{username} answered 200 but is missing"),
            (_, Some(a)) => assert_eq!(a.passwords.len(), 1, "{username} half written"),
            (_, None) => {}
        }
    }
    assert!(server.terminate(), "clean exit after the outage");
    proxy.cut();
    db.drop_database().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_going_away_answers_503_and_the_server_recovers() {
    the_server_answers_503_while_the_database_is_down_then_recovers(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_going_away_answers_503_and_the_server_recovers() {
    the_server_answers_503_while_the_database_is_down_then_recovers(Backend::MySql).await;
}
