//! The scale-out mode's checks: what must hold when two server processes share one database,
//! raced across both of them. A creation token is spent once, a space's quota holds, and an
//! address's failure budget counts the failures either process saw.

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::Full;
use hyper::StatusCode;
use rand::Rng;

use crate::client::{Connection, request};
use crate::seed::{LIMIT_DOMAIN, LIMIT_FREE, PASSWORD, WRITE_DOMAIN};
use crate::server::Server;

/// Rounds of the creation token race, and requests racing in each.
const TOKEN_ROUNDS: usize = 20;
const TOKEN_CONTENDERS: usize = 8;
/// Creations racing for the quota's [`LIMIT_FREE`] places.
const QUOTA_CONTENDERS: usize = 40;

/// One check's outcome.
pub struct Check {
    pub backend: &'static str,
    pub name: &'static str,
    pub expected: String,
    pub got: String,
    pub passed: bool,
}

/// Runs every check against `servers` (two processes on one database). The failure budget's
/// goes last: it leaves this address out of budget.
pub async fn run(servers: &[Server], backend: &'static str) -> anyhow::Result<Vec<Check>> {
    if servers.len() < 2 {
        bail!("the races need two servers");
    }
    let tag: u32 = rand::rng().random();
    Ok(vec![
        token_spent_once(servers, backend, tag).await?,
        quota_held(servers, backend, tag).await?,
        failure_budget_shared(servers, backend).await?,
    ])
}

/// Each round mints one creation token, then [`TOKEN_CONTENDERS`] sign-ups with it race on
/// both servers: exactly one may create an account.
async fn token_spent_once(
    servers: &[Server],
    backend: &'static str,
    tag: u32,
) -> anyhow::Result<Check> {
    let key = &servers[servers.len() - 1].ready.write_admin_key;
    let (mut created, mut server_errors) = (0, 0);
    for round in 0..TOKEN_ROUNDS {
        let mut c = Connection::open(servers[round % 2].addr()).await?;
        let req = request("POST", WRITE_DOMAIN, "/api/account_creation_tokens")
            .header("x-api-key", key.as_str())
            .body(Full::new(Bytes::new()))?;
        let answer = c.send(req).await?;
        crate::load::expect(answer.status, StatusCode::CREATED)?;
        let token: serde_json::Value = serde_json::from_slice(&answer.body)?;
        let token = token["token"]
            .as_str()
            .context("a creation token without its token")?
            .to_owned();
        let statuses = race(servers, TOKEN_CONTENDERS, |i| {
            let body = serde_json::json!({
                "username": format!("t{tag:08x}r{round}c{i}"),
                "password": PASSWORD,
                "algorithm": "SHA-256",
                "account_creation_token": token,
            });
            request(
                "POST",
                WRITE_DOMAIN,
                "/api/accounts/with-account-creation-token",
            )
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
        })
        .await?;
        created += statuses.iter().filter(|s| s.is_success()).count();
        server_errors += statuses.iter().filter(|s| s.is_server_error()).count();
    }
    Ok(Check {
        backend,
        name: "one account per creation token",
        expected: format!("{TOKEN_ROUNDS} accounts, no 5xx"),
        got: format!("{created} accounts, {server_errors} 5xx"),
        passed: created == TOKEN_ROUNDS && server_errors == 0,
    })
}

/// [`QUOTA_CONTENDERS`] admin creations race on both servers for the quota's [`LIMIT_FREE`]
/// places; then the space must hold exactly its quota.
async fn quota_held(servers: &[Server], backend: &'static str, tag: u32) -> anyhow::Result<Check> {
    let key = servers[servers.len() - 1].ready.limit_admin_key.clone();
    let statuses = race(servers, QUOTA_CONTENDERS, |i| {
        let body = serde_json::json!({
            "username": format!("q{tag:08x}c{i}"),
            "password": PASSWORD,
            "algorithm": "SHA-256",
        });
        request("POST", LIMIT_DOMAIN, "/api/accounts")
            .header("x-api-key", key.as_str())
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
    })
    .await?;
    let created = statuses.iter().filter(|s| s.is_success()).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::FORBIDDEN)
        .count();
    let mut c = Connection::open(servers[1].addr()).await?;
    let req = request("GET", LIMIT_DOMAIN, "/api/accounts")
        .header("x-api-key", key.as_str())
        .body(Full::new(Bytes::new()))?;
    let answer = c.send(req).await?;
    crate::load::expect(answer.status, StatusCode::OK)?;
    let page: serde_json::Value = serde_json::from_slice(&answer.body)?;
    let total = page["total"].as_u64().context("a page without its total")?;
    let quota = LIMIT_FREE + 1;
    Ok(Check {
        backend,
        name: "the account quota holds",
        expected: format!("{LIMIT_FREE} created, the rest 403, {quota} in the space"),
        got: format!(
            "{created} created, {refused} 403, {} other, {total} in the space",
            statuses.len() - created - refused
        ),
        passed: created as u64 == LIMIT_FREE
            && refused == QUOTA_CONTENDERS - created
            && total == quota,
    })
}

/// Wrong API keys, one after the other, alternately to each server: the address's budget
/// (`failures_per_ip`) is spent once for both, so exactly that many are refused as 401 and the
/// rest as 429.
async fn failure_budget_shared(servers: &[Server], backend: &'static str) -> anyhow::Result<Check> {
    let budget = servers[servers.len() - 1].ready.failures_per_ip;
    let attempts = budget + 10;
    let mut connections = Vec::new();
    for server in servers {
        connections.push(Connection::open(server.addr()).await?);
    }
    let (mut unauthorized, mut too_many) = (0, 0);
    for i in 0..attempts {
        let n = connections.len();
        let c = &mut connections[usize::try_from(i).unwrap_or_default() % n];
        let req = request("GET", WRITE_DOMAIN, "/api/accounts/me")
            .header("x-api-key", format!("wrong-{i}"))
            .body(Full::new(Bytes::new()))?;
        match c.send(req).await?.status {
            StatusCode::UNAUTHORIZED => unauthorized += 1,
            StatusCode::TOO_MANY_REQUESTS => too_many += 1,
            other => bail!("a wrong API key answered {other}"),
        }
    }
    Ok(Check {
        backend,
        name: "one failure budget per address",
        expected: format!("{budget} 401, then {} 429", attempts - budget),
        got: format!("{unauthorized} 401, then {too_many} 429"),
        passed: unauthorized == budget && too_many == attempts - budget,
    })
}

/// `n` requests sent at once, request `i` to server `i % servers`, each on a connection of its
/// own; their statuses.
async fn race(
    servers: &[Server],
    n: usize,
    build: impl Fn(usize) -> Result<hyper::Request<Full<Bytes>>, hyper::http::Error>,
) -> anyhow::Result<Vec<StatusCode>> {
    let mut connections = Vec::with_capacity(n);
    for i in 0..n {
        connections.push(Connection::open(servers[i % servers.len()].addr()).await?);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::with_capacity(n);
    for (i, mut c) in connections.into_iter().enumerate() {
        let req = build(i)?;
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            c.send(req).await.map(|a| a.status)
        }));
    }
    let mut statuses = Vec::with_capacity(n);
    for task in tasks {
        statuses.push(task.await.context("a racer panicked")??);
    }
    Ok(statuses)
}
