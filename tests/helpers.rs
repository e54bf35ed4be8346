//! `TestApp`: a server on 127.0.0.1:0 with its own database, and clients for each auth style.

use std::net::IpAddr;

use std::sync::Arc;

use flexiapi::config::Config;
use flexiapi::{Application, SystemClock};
use flexiapi_domain::model::{Account, PasswordAlgorithm, Space};
use flexiapi_domain::ports::Clock;
use flexiapi_domain::service::{CreateSpace, Services};
use md5::Md5;
use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

/// What the in-process servers of this test binary log (debug level for our crates), kept in
/// memory so that every `TestApp::stop` can check no secret a test used reached the logs.
pub mod logs {
    use std::io::Write;
    use std::sync::{Mutex, OnceLock};

    static BUFFER: Mutex<Vec<u8>> = Mutex::new(Vec::new());
    static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());
    /// Bytes of `BUFFER` already checked.
    static CHECKED: Mutex<usize> = Mutex::new(0);
    static INIT: OnceLock<()> = OnceLock::new();

    struct Capture;

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            BUFFER.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    pub fn capture() {
        INIT.get_or_init(|| {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(
                    "debug,sqlx=warn,hyper=info,hyper_util=info,h2=info,reqwest=info,rustls=info",
                )
                .with_ansi(false)
                .with_writer(|| Capture)
                .try_init();
        });
    }

    /// Something that must never be logged: a password, a hash, a key, a token.
    pub fn secret(value: impl Into<String>) {
        SECRETS.lock().unwrap().push(value.into());
    }

    /// Panics when the lines logged since the last check contain a registered secret or
    /// something shaped like an API key (40 letters and digits) or an A1 hash.
    pub fn assert_no_secret() {
        let text = {
            let buffer = BUFFER.lock().unwrap();
            let mut checked = CHECKED.lock().unwrap();
            let new = String::from_utf8_lossy(&buffer[*checked..]).into_owned();
            *checked = buffer.len();
            new
        };
        for secret in SECRETS.lock().unwrap().iter() {
            assert!(
                !text.contains(secret.as_str()),
                "a secret was logged: {text}"
            );
        }
        let longest_run = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .map(str::len)
            .max()
            .unwrap_or(0);
        assert!(
            longest_run < 32,
            "a key- or hash-shaped value was logged: {text}"
        );
        let captured = String::from_utf8_lossy(&BUFFER.lock().unwrap()).contains("request");
        assert!(captured, "the servers' logs are captured");
    }
}

/// Which storage a test server runs on.
#[derive(Debug, Clone, Copy)]
pub enum Store {
    Memory,
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A fresh database on the test PostgreSQL server, dropped by `TestApp::stop`.
    Postgres,
}

/// Runs each named `async fn name(store: Store)` once per store, as `memory::name` and
/// `sqlite::name`.
#[macro_export]
macro_rules! on_memory_and_sqlite {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::helpers::Store::Memory).await;
            })*
        }
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::helpers::Store::Sqlite).await;
            })*
        }
    };
}

/// [`on_memory_and_sqlite`] plus PostgreSQL, as `postgres::name`.
#[macro_export]
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        $crate::on_memory_and_sqlite!($($name),*);
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::helpers::Store::Postgres).await;
            })*
        }
    };
}

pub struct TestApp {
    pub port: u16,
    pub services: Services,
    /// Admin API key of `admin@localhost` (super admin of the bootstrap space `localhost`).
    pub admin_key: String,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dir: Option<tempfile::TempDir>,
    database: Option<flexiapi_adapters_sql::testing::TestDatabase>,
    /// The `[files] directory` (a fresh temporary one unless the test set its own).
    pub files_directory: std::path::PathBuf,
    _files: Option<tempfile::TempDir>,
}

/// The use cases over a storage the test opened itself.
pub fn services_on(storage: std::sync::Arc<dyn flexiapi_domain::ports::Storage>) -> Services {
    flexiapi::services(storage)
}

pub fn config(database: &str) -> Config {
    let mut c = Config::load(
        None,
        Some(database.into()),
        Some("127.0.0.1:0".into()),
        None,
    )
    .unwrap();
    c.nonce_max_uses = 1000;
    c
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_on(Store::Memory).await
    }

    pub async fn spawn_on(store: Store) -> Self {
        Self::spawn_with(store, |_| {}).await
    }

    /// A server on `store`, with `tweak` applied to its configuration.
    pub async fn spawn_with(store: Store, tweak: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_full(store, tweak, Arc::new(SystemClock)).await
    }

    /// A server whose time is `clock`'s.
    pub async fn spawn_with_clock(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self::spawn_full(store, |_| {}, clock).await
    }

    /// A server with `tweak` applied to its configuration and whose time is `clock`'s.
    pub async fn spawn_with_config_and_clock(
        store: Store,
        tweak: impl FnOnce(&mut Config),
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self::spawn_full(store, tweak, clock).await
    }

    /// A server on `store`, with `tweak` applied to its configuration and `clock`'s time.
    pub async fn spawn_full(
        store: Store,
        tweak: impl FnOnce(&mut Config),
        clock: Arc<dyn Clock>,
    ) -> Self {
        let mut database = None;
        let (url, dir) = match store {
            Store::Memory => ("memory".to_owned(), None),
            Store::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/flexiapi.sqlite", dir.path().display());
                (url, Some(dir))
            }
            Store::Postgres => {
                let db = flexiapi_adapters_sql::testing::TestDatabase::create(
                    flexiapi_adapters_sql::Backend::Postgres,
                )
                .await
                .expect("the test PostgreSQL server answers");
                let url = db.url().to_owned();
                database = Some(db);
                (url, None)
            }
        };
        let mut config = config(&url);
        // Each server its own files, never the working directory.
        let files = tempfile::tempdir().unwrap();
        config.files_directory = files.path().join("files");
        tweak(&mut config);
        let files_directory = config.files_directory.clone();
        let mut app = Self::start(
            Application::build_with_clock(&config, clock)
                .await
                .expect("app builds"),
        );
        app._dir = dir;
        app.database = database;
        app.files_directory = files_directory;
        app._files = Some(files);
        app
    }

    fn start(app: Application) -> Self {
        logs::capture();
        let port = app.addr().port();
        let services = app.services();
        let admin_key = app
            .bootstrap
            .as_ref()
            .map(|b| b.api_key.clone())
            .unwrap_or_default();
        if let Some(b) = &app.bootstrap {
            logs::secret(b.api_key.clone());
            logs::secret(b.password.clone());
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        Self {
            port,
            services,
            admin_key,
            client: client_from(None),
            stop: Some(stop),
            task: Some(task),
            _dir: None,
            database: None,
            files_directory: std::path::PathBuf::new(),
            _files: None,
        }
    }

    /// `http://localhost:PORT` + path: the bootstrap space's host.
    pub fn url(&self, path: &str) -> String {
        format!("http://localhost:{}{path}", self.port)
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
        if let Some(database) = self.database.take() {
            database.drop_database().await;
        }
        logs::assert_no_secret();
    }

    pub async fn space(&self, domain: &str, super_space: bool) -> Space {
        self.services
            .create_space(CreateSpace {
                domain: domain.into(),
                host: domain.into(),
                super_space,
                ..CreateSpace::default()
            })
            .await
            .unwrap()
    }

    /// An activated account with a password for each algorithm given.
    pub async fn account(
        &self,
        username: &str,
        domain: &str,
        password: &str,
        algorithms: &[PasswordAlgorithm],
        admin: bool,
    ) -> Account {
        if password.len() >= 6 {
            logs::secret(password);
        }
        let first = algorithms
            .first()
            .copied()
            .unwrap_or(PasswordAlgorithm::Sha256);
        let account = self
            .services
            .create_admin(username, domain, password, first)
            .await
            .unwrap();
        let space = self
            .services
            .storage_for_tests()
            .space_by_domain(&account.domain)
            .await
            .unwrap()
            .unwrap();
        let passwords = algorithms
            .iter()
            .map(|a| Services::hash_password(&space, &account.username, password, *a))
            .collect();
        let changes = flexiapi_domain::model::AccountChanges {
            admin,
            passwords: Some(passwords),
            ..flexiapi_domain::model::AccountChanges::unchanged(&account)
        };
        self.services
            .storage_for_tests()
            .update_account(account.id, changes, self.services.now())
            .await
            .unwrap()
    }

    /// Changes a space in storage (what a super admin would do through the API).
    pub async fn edit_space(&self, domain: &str, edit: impl FnOnce(&mut Space)) -> Space {
        let storage = self.services.storage_for_tests();
        let mut space = storage
            .space_by_domain(&flexiapi_domain::model::Domain::parse(domain).unwrap())
            .await
            .unwrap()
            .unwrap();
        edit(&mut space);
        let space = storage
            .update_space(space, self.services.now())
            .await
            .unwrap();
        // Behind the services' back: the server's cache must not keep the old one.
        self.services.forget_cached_spaces();
        space
    }

    /// Changes an account in storage.
    pub async fn edit_account(
        &self,
        account: &Account,
        edit: impl FnOnce(&mut flexiapi_domain::model::AccountChanges),
    ) -> Account {
        let mut changes = flexiapi_domain::model::AccountChanges::unchanged(account);
        edit(&mut changes);
        self.services
            .storage_for_tests()
            .update_account(account.id, changes, self.services.now())
            .await
            .unwrap()
    }

    pub async fn admin_key_for(&self, username: &str, domain: &str) -> String {
        let key = self
            .services
            .create_admin_api_key(username, domain)
            .await
            .unwrap();
        logs::secret(key.clone());
        key
    }

    /// A request to `path` on `host` (the `Host` header picks the space).
    pub fn get(&self, host: &str, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::GET, host, path)
    }

    /// Sends `method path` on `localhost` with the super admin's key and an optional JSON body.
    pub fn admin_call(
        &self,
        method: reqwest::Method,
        path: String,
        body: Option<serde_json::Value>,
    ) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> {
        let mut req = self
            .request(method, "localhost", &path)
            .header("x-api-key", &self.admin_key);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send()
    }

    pub fn request(
        &self,
        method: reqwest::Method,
        host: &str,
        path: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("http://127.0.0.1:{}{path}", self.port))
            .header("host", host)
            .header("accept", "application/json")
    }
}

/// A client, optionally sending from another loopback address (to test IP binding).
pub fn client_from(local: Option<IpAddr>) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(local)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn hex_digest(alg: PasswordAlgorithm, data: &str) -> String {
    match alg {
        PasswordAlgorithm::Md5 => hex::encode(Md5::digest(data.as_bytes())),
        PasswordAlgorithm::Sha256 => hex::encode(Sha256::digest(data.as_bytes())),
    }
}

/// One parsed `WWW-Authenticate: Digest` challenge.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub realm: String,
    pub algorithm: String,
    pub nonce: String,
    pub opaque: String,
    pub stale: bool,
}

pub fn challenges(headers: &HeaderMap) -> Vec<Challenge> {
    headers
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with("Digest "))
        .map(|v| {
            let param = |name: &str| -> String {
                v[7..]
                    .split(',')
                    .filter_map(|p| p.split_once('='))
                    .find(|(k, _)| k.trim() == name)
                    .map(|(_, val)| val.trim().trim_matches('"').to_owned())
                    .unwrap_or_default()
            };
            Challenge {
                realm: param("realm"),
                algorithm: param("algorithm"),
                nonce: param("nonce"),
                opaque: param("opaque"),
                stale: param("stale") == "true",
            }
        })
        .collect()
}

/// The `Authorization` value a Digest client sends.
pub fn digest_authorization(
    c: &Challenge,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    nc: u32,
) -> String {
    let alg = if c.algorithm == "MD5" {
        PasswordAlgorithm::Md5
    } else {
        PasswordAlgorithm::Sha256
    };
    let ha1 = hex_digest(alg, &format!("{username}:{}:{password}", c.realm));
    let ha2 = hex_digest(alg, &format!("{method}:{uri}"));
    let cnonce = "0a4f113b";
    let nc = format!("{nc:08x}");
    let response = hex_digest(alg, &format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", c.nonce));
    format!(
        "Digest username=\"{username}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm={}, qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\", opaque=\"{}\"",
        c.realm, c.nonce, c.algorithm, c.opaque
    )
}

pub async fn json(resp: reqwest::Response) -> serde_json::Value {
    resp.json().await.unwrap()
}

/// A space nobody else uses, its domain starting with `prefix` (one letter per suite), served
/// on a host of the same name.
pub fn unique_domain(prefix: &str) -> String {
    format!("{prefix}{}.example.org", uuid::Uuid::new_v4().simple())
}

/// `method path` on `host` with the API key `key`, an optional JSON body and a language:
/// (status, the JSON body, or its text as a JSON string).
pub async fn keyed_call(
    app: &TestApp,
    key: &str,
    host: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
    lang: &str,
) -> (u16, serde_json::Value) {
    let mut req = app
        .request(method, host, path)
        .header("x-api-key", key)
        .header("accept-language", lang);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}
