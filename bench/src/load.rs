//! Drives one scenario: `connections` workers, each on its own keep-alive connection, repeat the
//! scenario's operation back to back (a closed loop) through a warm-up, then a measured window.
//! Latency is from sending an operation's first request to reading its last response, recorded in
//! microseconds in an HDR histogram; the server's RSS is sampled every 50 ms meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::Full;
use hyper::StatusCode;
use jsonwebtoken::Algorithm;
use rand::Rng;

use crate::Plan;
use crate::client::{Connection, DigestClient, JwtKeys, request};
use crate::scenario::Scenario;
use crate::seed::{self, DOMAIN, ES_DOMAIN, NAMED_ACCOUNTS, PASSWORD, USER, WRITE_DOMAIN};
use crate::server::{Ready, Server};

const WARMUP: u8 = 0;
const MEASURE: u8 = 1;
const STOP: u8 = 2;

/// Highest latency the histograms hold: a minute.
const MAX_LATENCY_US: u64 = 60_000_000;

/// What one scenario measured.
pub struct Outcome {
    pub histogram: Histogram<u64>,
    pub ok: u64,
    /// Operations each server answered (the last request of each), in the order given.
    pub ok_by_server: Vec<u64>,
    pub errors: u64,
    pub elapsed: Duration,
    /// The largest of the servers' peaks.
    pub peak_rss_kib: u64,
}

impl Outcome {
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// Each server's throughput, in the order given.
    pub fn throughput_by_server(&self) -> Vec<f64> {
        let seconds = self.elapsed.as_secs_f64().max(f64::EPSILON);
        self.ok_by_server
            .iter()
            .map(|n| *n as f64 / seconds)
            .collect()
    }

    /// Microseconds.
    pub fn percentile(&self, p: f64) -> u64 {
        self.histogram.value_at_quantile(p / 100.0)
    }
}

/// Runs `scenario` against `servers`: one server, or several on one database (scale-out),
/// which every connection then takes in turn, request after request (a Digest nonce one server
/// gave is answered to the next).
pub async fn run(
    plan: &Plan,
    servers: &[Server],
    keys: &JwtKeys,
    scenario: Scenario,
) -> anyhow::Result<Outcome> {
    // The last started: each start makes the bench user a new user key, which replaces the
    // previous one (admin keys add up).
    let last = servers.last().context("no server to drive")?;
    let addrs: Vec<_> = servers.iter().map(Server::addr).collect();
    let phase = Arc::new(AtomicU8::new(WARMUP));
    let run_tag: u32 = rand::rng().random();
    let mut workers = Vec::with_capacity(plan.connections);
    for index in 0..plan.connections {
        let worker = Worker::new(scenario, index, run_tag, &last.ready, keys)?;
        let phase = phase.clone();
        let addrs = addrs.clone();
        workers.push(tokio::spawn(async move { worker.run(addrs, phase).await }));
    }
    tokio::time::sleep(plan.warmup).await;
    phase.store(MEASURE, Ordering::SeqCst);
    let started = Instant::now();
    let peak = || {
        servers
            .iter()
            .map(|s| s.rss_kib().unwrap_or_default())
            .max()
            .unwrap_or_default()
    };
    let mut peak_rss_kib = peak();
    while started.elapsed() < plan.duration {
        let left = plan.duration.saturating_sub(started.elapsed());
        tokio::time::sleep(left.min(Duration::from_millis(50))).await;
        peak_rss_kib = peak_rss_kib.max(peak());
    }
    phase.store(STOP, Ordering::SeqCst);
    let elapsed = started.elapsed();

    let mut histogram = new_histogram()?;
    let (mut ok, mut errors) = (0, 0);
    let mut ok_by_server = vec![0; servers.len()];
    let mut first_error = None;
    for worker in workers {
        let tally = worker.await.context("a worker panicked")?;
        histogram.add(&tally.histogram)?;
        ok += tally.ok;
        for (total, n) in ok_by_server.iter_mut().zip(&tally.ok_by_server) {
            *total += n;
        }
        errors += tally.errors;
        first_error = first_error.or(tally.first_error);
    }
    if let Some(e) = first_error {
        eprintln!("   {}: first error: {e}", scenario.name());
    }
    Ok(Outcome {
        histogram,
        ok,
        ok_by_server,
        errors,
        elapsed,
        peak_rss_kib,
    })
}

/// [`Scenario::CallBurst`]: `total` operations, each run once by whichever connection is free,
/// no warm-up; the elapsed time is the whole burst's.
pub async fn burst(
    plan: &Plan,
    server: &Server,
    keys: &JwtKeys,
    scenario: Scenario,
    total: u64,
) -> anyhow::Result<Outcome> {
    let next = Arc::new(AtomicU64::new(0));
    let run_tag: u32 = rand::rng().random();
    let started = Instant::now();
    let mut workers = Vec::with_capacity(plan.connections);
    for index in 0..plan.connections {
        let mut worker = Worker::new(scenario, index, run_tag, &server.ready, keys)?;
        let next = next.clone();
        let addr = server.addr();
        workers.push(tokio::spawn(async move {
            let mut tally = Tally::new(1);
            let mut connection: Option<Connection> = None;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                worker.created = n;
                let op_started = Instant::now();
                let result = match connection.as_mut() {
                    Some(c) => worker.operation(std::slice::from_mut(c)).await,
                    None => match Connection::open(addr).await {
                        Ok(mut c) => {
                            let result = worker.operation(std::slice::from_mut(&mut c)).await;
                            connection = Some(c);
                            result
                        }
                        Err(e) => Err(e),
                    },
                };
                match result {
                    Ok(_) => {
                        tally.ok += 1;
                        tally.ok_by_server[0] += 1;
                        let us = u64::try_from(op_started.elapsed().as_micros())
                            .unwrap_or(MAX_LATENCY_US);
                        let _ = tally.histogram.record(us.clamp(1, MAX_LATENCY_US));
                    }
                    Err(e) => {
                        tally.errors += 1;
                        tally.first_error.get_or_insert_with(|| format!("{e:#}"));
                        connection = None;
                    }
                }
            }
            tally
        }));
    }
    let mut peak_rss_kib = server.rss_kib().unwrap_or_default();
    while workers.iter().any(|w| !w.is_finished()) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        peak_rss_kib = peak_rss_kib.max(server.rss_kib().unwrap_or_default());
    }
    let elapsed = started.elapsed();
    let mut histogram = new_histogram()?;
    let (mut ok, mut errors) = (0, 0);
    let mut first_error = None;
    for worker in workers {
        let tally = worker.await.context("a worker panicked")?;
        histogram.add(&tally.histogram)?;
        ok += tally.ok;
        errors += tally.errors;
        first_error = first_error.or(tally.first_error);
    }
    if let Some(e) = first_error {
        eprintln!("   {}: first error: {e}", scenario.name());
    }
    Ok(Outcome {
        histogram,
        ok,
        ok_by_server: vec![ok],
        errors,
        elapsed,
        peak_rss_kib,
    })
}

fn new_histogram() -> anyhow::Result<Histogram<u64>> {
    Ok(Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)?)
}

/// What one worker counted in the measured window.
struct Tally {
    histogram: Histogram<u64>,
    ok: u64,
    ok_by_server: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn new(servers: usize) -> Tally {
        Tally {
            histogram: new_histogram().expect("valid histogram bounds"),
            ok: 0,
            ok_by_server: vec![0; servers],
            errors: 0,
            first_error: None,
        }
    }
}

/// One connection's client: the scenario, its credentials, and its state.
struct Worker {
    scenario: Scenario,
    index: usize,
    run_tag: u32,
    admin_key: String,
    write_admin_key: String,
    user_key: String,
    bearer: String,
    digest: DigestClient,
    /// Fillers in the bench space (`u0000000` …).
    fillers: u64,
    /// Pages of 20 the listing draws from.
    pages: u64,
    created: u64,
    /// Operations started: the next one goes to server `turn % servers`.
    turn: usize,
}

const ME: &str = "/api/accounts/me";

impl Worker {
    fn new(
        scenario: Scenario,
        index: usize,
        run_tag: u32,
        ready: &Ready,
        keys: &JwtKeys,
    ) -> anyhow::Result<Worker> {
        let bearer = match scenario {
            Scenario::MeJwtRs256 => {
                keys.token(Algorithm::RS256, &format!("sip:{USER}@{DOMAIN}"), index)?
            }
            Scenario::MeJwtEs256 => {
                keys.token(Algorithm::ES256, &format!("sip:{USER}@{ES_DOMAIN}"), index)?
            }
            _ => String::new(),
        };
        let fillers = ready.accounts.saturating_sub(NAMED_ACCOUNTS).max(1);
        Ok(Worker {
            scenario,
            index,
            run_tag,
            admin_key: ready.admin_key.clone(),
            write_admin_key: ready.write_admin_key.clone(),
            user_key: ready.user_key.clone(),
            bearer,
            digest: DigestClient::new(USER, DOMAIN, PASSWORD, format!("{run_tag:08x}{index:04x}")),
            fillers,
            // Admins browse the first pages; deep OFFSETs cost what they skip, on any backend.
            pages: ready.accounts.div_ceil(20).clamp(1, 50),
            created: 0,
            turn: index,
        })
    }

    /// One keep-alive connection to each of `addrs`, taken in turn.
    async fn run(mut self, addrs: Vec<std::net::SocketAddr>, phase: Arc<AtomicU8>) -> Tally {
        let mut tally = Tally::new(addrs.len());
        let mut connections: Option<Vec<Connection>> = None;
        while phase.load(Ordering::Relaxed) != STOP {
            let started = Instant::now();
            let result = match connections.as_mut() {
                Some(c) => self.operation(c).await,
                None => match open_all(&addrs).await {
                    Ok(c) => {
                        connections = Some(c);
                        continue;
                    }
                    Err(e) => Err(e),
                },
            };
            let latency = started.elapsed();
            if phase.load(Ordering::Relaxed) != MEASURE {
                if result.is_err() && phase.load(Ordering::Relaxed) == WARMUP {
                    connections = None;
                }
                continue;
            }
            match result {
                Ok(server) => {
                    tally.ok += 1;
                    tally.ok_by_server[server] += 1;
                    let us = u64::try_from(latency.as_micros()).unwrap_or(MAX_LATENCY_US);
                    let _ = tally.histogram.record(us.clamp(1, MAX_LATENCY_US));
                }
                Err(e) => {
                    tally.errors += 1;
                    tally.first_error.get_or_insert_with(|| format!("{e:#}"));
                    // A connection may be broken: start new ones.
                    connections = None;
                }
            }
        }
        tally
    }

    /// One operation of the scenario on the next server's connection of `servers` (a full
    /// Digest handshake gets its challenge there and answers it to the one after); an error when
    /// any answer is not the expected one, else the index of the server that answered last.
    async fn operation(&mut self, servers: &mut [Connection]) -> anyhow::Result<usize> {
        let n = servers.len().max(1);
        let (i, next) = (self.turn % n, (self.turn + 1) % n);
        self.turn = self.turn.wrapping_add(1);
        if self.scenario == Scenario::MeDigestHandshake {
            self.challenge(&mut servers[i]).await?;
            let answer = self.digest_request(&mut servers[next]).await?;
            expect(answer, StatusCode::OK)?;
            return Ok(next);
        }
        self.operation_on(&mut servers[i]).await?;
        Ok(i)
    }

    async fn operation_on(&mut self, c: &mut Connection) -> anyhow::Result<()> {
        let empty = || Full::new(Bytes::new());
        match self.scenario {
            Scenario::Ping => {
                let answer = c
                    .send(request("GET", DOMAIN, "/api/ping").body(empty())?)
                    .await?;
                expect(answer.status, StatusCode::OK)
            }
            Scenario::MeAdminKey | Scenario::MeUserKey => {
                let key = if self.scenario == Scenario::MeAdminKey {
                    &self.admin_key
                } else {
                    &self.user_key
                };
                let req = request("GET", DOMAIN, ME).header("x-api-key", key.as_str());
                expect(c.send(req.body(empty())?).await?.status, StatusCode::OK)
            }
            Scenario::MeJwtRs256 | Scenario::MeJwtEs256 => {
                let host = if self.scenario == Scenario::MeJwtEs256 {
                    ES_DOMAIN
                } else {
                    DOMAIN
                };
                let req = request("GET", host, ME)
                    .header("authorization", format!("Bearer {}", self.bearer));
                expect(c.send(req.body(empty())?).await?.status, StatusCode::OK)
            }
            Scenario::MeDigest => {
                if !self.digest.has_challenge() {
                    self.challenge(c).await?;
                }
                let answer = self.digest_request(c).await?;
                if answer == StatusCode::UNAUTHORIZED && self.digest.is_stale() {
                    // A stale nonce (used `nonce_max_uses` times): a client retries with the new
                    // challenge the 401 carried, as RFC 7616 asks.
                    let answer = self.digest_request(c).await?;
                    return expect(answer, StatusCode::OK);
                }
                expect(answer, StatusCode::OK)
            }
            // Its two requests may go to two servers: `operation` sends them.
            Scenario::MeDigestHandshake => bail!("the handshake is sent by `operation`"),
            Scenario::CreateAccount => {
                self.created += 1;
                let username = format!("w{:08x}c{}n{}", self.run_tag, self.index, self.created);
                let body = serde_json::json!({
                    "username": username,
                    "password": PASSWORD,
                    "algorithm": "SHA-256",
                    "activated": true,
                });
                let req = request("POST", WRITE_DOMAIN, "/api/accounts")
                    .header("x-api-key", self.write_admin_key.as_str())
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(serde_json::to_vec(&body)?)))?;
                expect(c.send(req).await?.status, StatusCode::OK)
            }
            Scenario::ListAccounts => {
                let page = rand::rng().random_range(1..=self.pages);
                let req = request("GET", DOMAIN, &format!("/api/accounts?page={page}"))
                    .header("x-api-key", self.admin_key.as_str());
                expect(c.send(req.body(empty())?).await?.status, StatusCode::OK)
            }
            Scenario::CallBurst => {
                // `created` is the record's number in the burst (set by `burst`).
                let i = self.created % self.fillers;
                let body = serde_json::json!({
                    "id": format!("b{:08x}-{}", self.run_tag, self.created),
                    "from": format!("{USER}@{DOMAIN}"),
                    "to": format!("{}@{DOMAIN}", seed::filler(i)),
                    "initiated_at": "2026-01-01T10:00:00Z",
                });
                let req = request("POST", DOMAIN, "/api/statistics/calls")
                    .header("x-api-key", self.admin_key.as_str())
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(serde_json::to_vec(&body)?)))?;
                expect(c.send(req).await?.status, StatusCode::OK)
            }
            Scenario::SearchAccount => {
                let i = rand::rng().random_range(0..self.fillers);
                let path = format!("/api/accounts/{}@{DOMAIN}/search", seed::filler(i));
                let req =
                    request("GET", DOMAIN, &path).header("x-api-key", self.admin_key.as_str());
                expect(c.send(req.body(empty())?).await?.status, StatusCode::OK)
            }
        }
    }

    /// Asks for a fresh nonce: a request with `From` and no `Authorization` must get a 401 with
    /// a challenge.
    async fn challenge(&mut self, c: &mut Connection) -> anyhow::Result<()> {
        let req = request("GET", DOMAIN, ME)
            .header("from", self.digest.from.clone())
            .body(Full::new(Bytes::new()))?;
        let answer = c.send(req).await?;
        expect(answer.status, StatusCode::UNAUTHORIZED)?;
        if !self.digest.learn(&answer.headers) {
            bail!("a 401 without a Digest challenge");
        }
        Ok(())
    }

    /// Sends the authenticated request; on a 401 learns its challenge and answers its status.
    async fn digest_request(&mut self, c: &mut Connection) -> anyhow::Result<StatusCode> {
        let authorization = self
            .digest
            .authorization("GET", ME)
            .ok_or_else(|| anyhow!("no challenge to answer"))?;
        let req = request("GET", DOMAIN, ME)
            .header("from", self.digest.from.clone())
            .header("authorization", authorization)
            .body(Full::new(Bytes::new()))?;
        let answer = c.send(req).await?;
        if answer.status == StatusCode::UNAUTHORIZED && !self.digest.learn(&answer.headers) {
            bail!("a 401 without a Digest challenge");
        }
        Ok(answer.status)
    }
}

/// A connection to each of `addrs`, in order.
async fn open_all(addrs: &[std::net::SocketAddr]) -> anyhow::Result<Vec<Connection>> {
    let mut connections = Vec::with_capacity(addrs.len());
    for addr in addrs {
        connections.push(Connection::open(*addr).await?);
    }
    Ok(connections)
}

pub(crate) fn expect(got: StatusCode, want: StatusCode) -> anyhow::Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(anyhow!("expected {want}, got {got}"))
    }
}
