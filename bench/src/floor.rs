//! The floor server: a minimal poem app doing the least each measured path needs, started beside
//! flexiapi in the same run, so that every row can say what fraction of the possible it reaches.
//!
//! It is this binary re-executed as `serve-floor` (a process of its own, with tokio's default
//! runtime, as the server under test), on a SQLite file in WAL mode, one plain connection per
//! worker thread with cached statements:
//! - `GET /api/ping`: `pong`.
//! - `GET /api/accounts/me` with `x-api-key`: SHA-256 of the key, one indexed read (the key joined
//!   to its account), a 20-field JSON account.
//! - `GET /api/accounts/me` with `From` and no `Authorization`: a fresh nonce, inserted (one
//!   write), and a 401 with one SHA-256 challenge.
//! - `GET /api/accounts/me` with Digest: one indexed read (the HA1 with the account), the
//!   RFC 7616 response compared in constant time, the one conditional `nc` update, the account.
//!
//! No Host routing, no metrics, no logs, no failure budget, no dictionary: that is the point.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Request, Response, Route, Server, get, handler};
use rand::Rng;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::seed::{DOMAIN, PASSWORD, USER};
use crate::server::Ready;

/// The floor's command line.
#[derive(Debug, Clone, clap::Args)]
pub struct FloorArgs {
    /// A folder for the floor's SQLite file.
    #[arg(long)]
    pub dir: PathBuf,
}

const OPAQUE: &str = "floor";

fn sha256_hex(data: &str) -> String {
    hex::encode(Sha256::digest(data.as_bytes()))
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open(path)?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "NORMAL")?;
    c.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(c)
}

/// Creates the tables and the two accounts (the admin with its key, the Digest user).
fn seed(path: &Path, admin_key: &str, user_key: &str) -> rusqlite::Result<()> {
    let c = open(path)?;
    c.execute_batch(
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, username TEXT NOT NULL, \
           domain TEXT NOT NULL, display_name TEXT, email TEXT, phone TEXT, activated INTEGER, \
           admin INTEGER, blocked INTEGER, dtmf_protocol TEXT, user_agent TEXT, ip_address TEXT, \
           created_at TEXT, updated_at TEXT, creation_time TEXT, confirmation_key TEXT, \
           provisioning_token TEXT, ha1 TEXT NOT NULL, UNIQUE (username, domain));
         CREATE TABLE api_keys (key_hash TEXT PRIMARY KEY, account_id INTEGER NOT NULL);
         CREATE TABLE nonces (nonce TEXT PRIMARY KEY, nc INTEGER NOT NULL);",
    )?;
    let ha1 = sha256_hex(&format!("{USER}:{DOMAIN}:{PASSWORD}"));
    for (id, username, admin) in [(1, "admin", 1), (2, USER, 0)] {
        c.execute(
            "INSERT INTO accounts VALUES (?1, ?2, ?3, 'Bench', ?2 || '@example.org', NULL, 1, \
             ?4, 0, 'sipinfo', 'bench', '127.0.0.1', '2026-01-01 00:00:00', \
             '2026-01-01 00:00:00', '2026-01-01 00:00:00', NULL, NULL, ?5)",
            params![id, username, DOMAIN, admin, ha1],
        )?;
    }
    for (key, id) in [(admin_key, 1), (user_key, 2)] {
        c.execute(
            "INSERT INTO api_keys VALUES (?1, ?2)",
            params![sha256_hex(key), id],
        )?;
    }
    Ok(())
}

thread_local! {
    static CONNECTION: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

static DATABASE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Runs `f` on this worker thread's connection (opened on first use).
fn with_connection<T>(f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    CONNECTION.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(open(DATABASE.get().expect("set before serving"))?);
        }
        f(slot.as_ref().expect("just opened"))
    })
}

const ACCOUNT_COLUMNS: &str = "a.id, a.username, a.domain, a.display_name, a.email, a.phone, \
     a.activated, a.admin, a.blocked, a.dtmf_protocol, a.user_agent, a.ip_address, \
     a.created_at, a.updated_at, a.creation_time, a.confirmation_key, a.provisioning_token";

fn account_json(row: &rusqlite::Row<'_>) -> rusqlite::Result<serde_json::Value> {
    let id: i64 = row.get(0)?;
    let username: String = row.get(1)?;
    let domain: String = row.get(2)?;
    Ok(serde_json::json!({
        "id": id,
        "username": username,
        "domain": domain,
        "display_name": row.get::<_, Option<String>>(3)?,
        "email": row.get::<_, Option<String>>(4)?,
        "phone": row.get::<_, Option<String>>(5)?,
        "activated": row.get::<_, i64>(6)? != 0,
        "admin": row.get::<_, i64>(7)? != 0,
        "blocked": row.get::<_, i64>(8)? != 0,
        "dtmf_protocol": row.get::<_, Option<String>>(9)?,
        "user_agent": row.get::<_, Option<String>>(10)?,
        "ip_address": row.get::<_, Option<String>>(11)?,
        "created_at": row.get::<_, Option<String>>(12)?,
        "updated_at": row.get::<_, Option<String>>(13)?,
        "creation_time": row.get::<_, Option<String>>(14)?,
        "confirmation_key": row.get::<_, Option<String>>(15)?,
        "provisioning_token": row.get::<_, Option<String>>(16)?,
        "identifier": format!("{username}@{domain}"),
        "sip_uri": format!("sip:{username}@{domain}"),
        "phone_verified": false,
    }))
}

fn json(value: &serde_json::Value) -> Response {
    Response::builder()
        .content_type("application/json")
        .body(serde_json::to_vec(value).unwrap_or_default())
}

fn status(code: StatusCode) -> Response {
    Response::builder().status(code).finish()
}

#[handler]
fn ping() -> &'static str {
    "pong"
}

/// One `name="value"` or `name=value` parameter of a Digest header.
fn param<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(',').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        let k = k.trim().trim_start_matches("Digest ").trim();
        (k == name).then(|| v.trim().trim_matches('"'))
    })
}

#[handler]
fn me(req: &Request) -> Response {
    let headers = req.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let answered = if let Some(key) = text("x-api-key") {
        by_key(key)
    } else if let Some(authorization) = text("authorization") {
        by_digest(authorization)
    } else if text("from").is_some() {
        challenge()
    } else {
        Ok(status(StatusCode::UNAUTHORIZED))
    };
    answered.unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR))
}

fn by_key(key: &str) -> rusqlite::Result<Response> {
    let hash = sha256_hex(key);
    let account = with_connection(|c| {
        c.prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM api_keys k JOIN accounts a ON a.id = k.account_id \
             WHERE k.key_hash = ?1"
        ))?
        .query_row([hash], account_json)
        .optional()
    })?;
    Ok(account.map_or_else(|| status(StatusCode::UNAUTHORIZED), |a| json(&a)))
}

fn challenge() -> rusqlite::Result<Response> {
    let nonce = hex::encode(rand::rng().random::<[u8; 16]>());
    with_connection(|c| {
        c.prepare_cached("INSERT INTO nonces (nonce, nc) VALUES (?1, 0)")?
            .execute([&nonce])
    })?;
    Ok(Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .header(
            "www-authenticate",
            format!(
                "Digest realm=\"{DOMAIN}\", qop=\"auth\", algorithm=SHA-256, nonce=\"{nonce}\", opaque=\"{OPAQUE}\""
            ),
        )
        .finish())
}

fn by_digest(header: &str) -> rusqlite::Result<Response> {
    let field = |name| param(header, name).unwrap_or_default();
    let (username, nonce, nc, cnonce, uri) = (
        field("username"),
        field("nonce"),
        field("nc"),
        field("cnonce"),
        field("uri"),
    );
    let Ok(count) = i64::from_str_radix(nc, 16) else {
        return Ok(status(StatusCode::UNAUTHORIZED));
    };
    let found = with_connection(|c| {
        c.prepare_cached(&format!(
            "SELECT {ACCOUNT_COLUMNS}, a.ha1 FROM accounts a WHERE a.username = ?1 AND a.domain = ?2"
        ))?
        .query_row([username, DOMAIN], |row| {
            Ok((account_json(row)?, row.get::<_, String>(17)?))
        })
        .optional()
    })?;
    let Some((account, ha1)) = found else {
        return Ok(status(StatusCode::UNAUTHORIZED));
    };
    let ha2 = sha256_hex(&format!("GET:{uri}"));
    let expected = sha256_hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}"));
    if !bool::from(expected.as_bytes().ct_eq(field("response").as_bytes())) {
        return Ok(status(StatusCode::UNAUTHORIZED));
    }
    let advanced = with_connection(|c| {
        c.prepare_cached("UPDATE nonces SET nc = ?1 WHERE nonce = ?2 AND nc < ?1")?
            .execute(params![count, nonce])
    })?;
    if advanced != 1 {
        return challenge();
    }
    Ok(json(&account))
}

/// The floor process: seeds its database, prints one READY line, serves until stdin closes.
pub fn floor_main(args: FloorArgs) -> anyhow::Result<bool> {
    let path = args.dir.join("floor.sqlite");
    let admin_key = hex::encode(rand::rng().random::<[u8; 20]>());
    let user_key = hex::encode(rand::rng().random::<[u8; 20]>());
    seed(&path, &admin_key, &user_key).context("cannot seed the floor's database")?;
    DATABASE.set(path).ok();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
    runtime.block_on(async {
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().map(std::net::SocketAddr::port))
            .context("no port")?;
        let ready = Ready {
            port,
            admin_key: admin_key.clone(),
            write_admin_key: admin_key.clone(),
            // The floor serves no races: no quota space, no failure budget.
            limit_admin_key: admin_key,
            user_key,
            accounts: 2,
            failures_per_ip: 0,
            seed_seconds: 0.0,
        };
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "READY {}", serde_json::to_string(&ready)?)?;
        stdout.flush()?;
        drop(stdout);
        let app = Route::new()
            .at("/api/ping", get(ping))
            .at("/api/accounts/me", get(me));
        Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(app, crate::server::stdin_closed(), None)
            .await?;
        Ok(true)
    })
}
