//! `flexiapi-bench`: a load generator for flexiapi.
//!
//! For each backend it starts the server as a child process (this binary re-executed as
//! `serve-child`, which runs the same `flexiapi::Application` as `flexiapi serve`), lets the child
//! fill the database through the repositories before it listens, then drives every scenario over
//! many keep-alive connections and prints one table.
//!
//! # Layout
//! - `scenario`: the scenarios and what one operation of each sends and expects.
//! - `client`: one HTTP/1.1 connection and the three authentication mechanisms, spoken as a
//!   real client does (Digest with a reused nonce and increasing `nc`).
//! - `load`: connections, warm-up, measured window, latency histograms, server RSS.
//! - `server`: the child process (`serve-child`) and the parent's handle on it.
//! - `seed`: what the child writes before serving (spaces, admin, user, N accounts).
//! - `floor`: the floor server, the least each path needs, measured in the same run.
//! - `races`: the scale-out mode's checks (two processes on one database).
//! - `report`: the table.

mod client;
mod floor;
mod load;
mod races;
mod report;
mod scenario;
mod seed;
mod server;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::report::Row;
use crate::scenario::Scenario;

#[derive(Debug, Parser)]
#[command(name = "flexiapi-bench", about = "Load generator for flexiapi")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Scenarios, comma-separated, or `all`: ping, me-admin-key, me-user-key, me-jwt-rs256,
    /// me-jwt-es256, me-digest, me-digest-handshake, create-account, list-accounts,
    /// search-account, call-burst (10,000 call records posted once each: its time is the
    /// burst's, without warm-up).
    #[arg(long, default_value = "all")]
    scenario: String,

    /// Backends, comma-separated: memory, sqlite, postgres, mysql (MariaDB)
    /// [default: all four; quick: memory,sqlite].
    #[arg(long)]
    backend: Option<String>,

    /// Account counts, comma-separated. Every scenario runs at the first; the account lookups
    /// (list-accounts, search-account) and ping run again at each other count
    /// [default: 1000,1000000; quick: 1000,5000].
    #[arg(long)]
    accounts: Option<String>,

    /// Measured seconds per scenario [default: 10; quick: 1].
    #[arg(long)]
    duration: Option<f64>,

    /// Warm-up seconds per scenario, not measured [default: 2; quick: 0.3].
    #[arg(long)]
    warmup: Option<f64>,

    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,

    /// A few seconds per scenario, 1,000 and 5,000 accounts, memory and SQLite unless
    /// `--backend` says otherwise: a smoke test, not a measurement.
    #[arg(long)]
    quick: bool,

    /// The server's log filter (FLEXIAPI_LOG). `info` logs one line per request, as a default
    /// server does; the default keeps logging out of the measurement.
    #[arg(long, default_value = "warn")]
    server_log: String,

    /// Do not measure the floor server (its rows, and every row's fraction of it, are left out).
    #[arg(long)]
    no_floor: bool,

    /// Two server processes on one database (PostgreSQL and MariaDB only; other backends are
    /// skipped), at the first account count: every connection takes them in turn, request after
    /// request, and the rows give each process's throughput. Then the races: one account per
    /// creation token, the space quota, one failure budget per address, across both.
    #[arg(long)]
    scale_out: bool,

    /// Also write the table (Markdown, with the machine's description) to this file.
    #[arg(long)]
    output: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// (internal) The server process: fills its database, prints one READY line, serves until
    /// its standard input closes.
    #[command(hide = true)]
    ServeChild(server::ChildArgs),
    /// (internal) The floor server (see `floor`): prints one READY line, serves until its
    /// standard input closes.
    #[command(hide = true)]
    ServeFloor(floor::FloorArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::ServeChild(args)) => server::child_main(args),
        Some(Command::ServeFloor(args)) => floor::floor_main(args),
        None => run_main(cli.run),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// What the parent runs, resolved from the arguments.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scenarios: Vec<Scenario>,
    pub backends: Vec<server::Backend>,
    pub accounts: Vec<u64>,
    pub duration: Duration,
    pub warmup: Duration,
    pub connections: usize,
    pub server_log: String,
    pub floor: bool,
    pub scale_out: bool,
}

fn plan(args: &RunArgs) -> anyhow::Result<Plan> {
    let scenarios = if args.scenario == "all" {
        Scenario::ALL.to_vec()
    } else {
        args.scenario
            .split(',')
            .map(|s| Scenario::from_name(s.trim()).with_context(|| format!("unknown scenario {s}")))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let default_backends = if args.quick {
        "memory,sqlite"
    } else {
        "memory,sqlite,postgres,mysql"
    };
    let backends = args
        .backend
        .as_deref()
        .unwrap_or(default_backends)
        .split(',')
        .map(|b| {
            server::Backend::from_name(b.trim()).with_context(|| format!("unknown backend {b}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let default_accounts = if args.quick {
        "1000,5000"
    } else {
        "1000,1000000"
    };
    let accounts = args
        .accounts
        .as_deref()
        .unwrap_or(default_accounts)
        .split(',')
        .map(|n| n.trim().replace('_', "").parse::<u64>())
        .collect::<Result<Vec<_>, _>>()
        .context("--accounts takes numbers")?;
    if accounts.is_empty() || backends.is_empty() || scenarios.is_empty() {
        bail!("nothing to run");
    }
    let seconds = |given: Option<f64>, normal: f64, quick: f64| {
        Duration::from_secs_f64(given.unwrap_or(if args.quick { quick } else { normal }))
    };
    Ok(Plan {
        scenarios,
        backends,
        accounts,
        duration: seconds(args.duration, 10.0, 1.0),
        warmup: seconds(args.warmup, 2.0, 0.3),
        connections: args.connections.max(1),
        server_log: args.server_log.clone(),
        floor: !args.no_floor,
        scale_out: args.scale_out,
    })
}

/// Runs the plan; returns whether every request succeeded.
fn run_main(args: RunArgs) -> anyhow::Result<bool> {
    let plan = plan(&args)?;
    // The load generator gets the same two worker threads whatever the machine, so that runs on
    // one machine compare; it shares the cores with the server, as the issue asks.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let (mut rows, checks) = runtime.block_on(run_plan(&plan))?;
    report::set_floor_fractions(&mut rows);
    let machine = report::machine_description();
    let mut table = report::table(&rows);
    if !checks.is_empty() {
        table.push('\n');
        table.push_str(&report::per_process_table(&rows));
        table.push('\n');
        table.push_str(&report::checks_table(&checks));
    }
    println!("\n{machine}\n\n{table}");
    if let Some(path) = &args.output {
        let text = format!(
            "{machine}\n\nConnections: {}, warm-up {:?}, measured {:?} per scenario.\n\n{table}\n",
            plan.connections, plan.warmup, plan.duration
        );
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let errors: u64 = rows.iter().map(|r| r.errors).sum();
    if errors > 0 {
        eprintln!("error: {errors} requests failed");
    }
    let failed = checks.iter().filter(|c| !c.passed).count();
    if failed > 0 {
        eprintln!("error: {failed} scale-out checks failed");
    }
    if plan.scale_out && checks.is_empty() {
        eprintln!("error: --scale-out ran on no backend (PostgreSQL or MariaDB)");
    }
    Ok(errors == 0 && failed == 0 && (!checks.is_empty() || !plan.scale_out))
}

async fn run_plan(plan: &Plan) -> anyhow::Result<(Vec<Row>, Vec<races::Check>)> {
    let keys = client::JwtKeys::generate()?;
    let mut rows = Vec::new();
    let mut checks = Vec::new();
    if plan.floor {
        rows.extend(run_floor(plan, &keys).await?);
    }
    for backend in &plan.backends {
        if plan.scale_out {
            if !backend.is_shared() {
                eprintln!(
                    "== {}: skipped, two processes cannot share its database",
                    backend.name()
                );
                continue;
            }
            let database = server::BenchDatabase::create(*backend).await?;
            let outcome = run_scale_out(plan, *backend, &database, &keys).await;
            database.drop().await;
            let (scaled_rows, scaled_checks) = outcome?;
            rows.extend(scaled_rows);
            checks.extend(scaled_checks);
            continue;
        }
        let database = server::BenchDatabase::create(*backend).await?;
        for (i, &accounts) in plan.accounts.iter().enumerate() {
            let first = i == 0;
            let scenarios: Vec<Scenario> = plan
                .scenarios
                .iter()
                .copied()
                .filter(|s| first || s.is_lookup() || *s == Scenario::Ping)
                .collect();
            // Ping gives the ratio's denominator: always measured, first, in the same run.
            let mut scenarios = scenarios;
            if !scenarios.contains(&Scenario::Ping) {
                scenarios.insert(0, Scenario::Ping);
            }
            eprintln!(
                "== {} with {accounts} accounts: starting the server",
                backend.name()
            );
            let server = server::Server::start(plan, &database, accounts, &keys).await?;
            eprintln!(
                "   filled in {:.1} s; RSS after start {} KiB",
                server.ready.seed_seconds,
                server.rss_kib().unwrap_or_default()
            );
            let mut ping = None;
            for scenario in scenarios {
                let result = if scenario == Scenario::CallBurst {
                    load::burst(plan, &server, &keys, scenario, scenario::CALL_BURST).await?
                } else {
                    load::run(plan, std::slice::from_ref(&server), &keys, scenario).await?
                };
                progress(scenario, &result, &mut ping);
                rows.push(Row::new(scenario, backend.name(), accounts, &result, ping));
            }
            server.stop().await?;
        }
        database.drop().await;
    }
    Ok((rows, checks))
}

/// Two processes on `database`: the first fills it, the second finds it filled. Every scenario
/// but the call burst (its records go to one server) runs across both, then the races.
async fn run_scale_out(
    plan: &Plan,
    backend: server::Backend,
    database: &server::BenchDatabase,
    keys: &client::JwtKeys,
) -> anyhow::Result<(Vec<Row>, Vec<races::Check>)> {
    let accounts = plan.accounts[0];
    let label = backend.scaled_name();
    eprintln!("== {label} with {accounts} accounts: starting two servers on one database");
    let mut servers = Vec::with_capacity(2);
    for _ in 0..2 {
        let server = server::Server::start(plan, database, accounts, keys).await?;
        eprintln!(
            "   port {} filled in {:.1} s",
            server.ready.port, server.ready.seed_seconds
        );
        servers.push(server);
    }
    let mut scenarios: Vec<Scenario> = plan
        .scenarios
        .iter()
        .copied()
        .filter(|s| *s != Scenario::CallBurst)
        .collect();
    if !scenarios.contains(&Scenario::Ping) {
        scenarios.insert(0, Scenario::Ping);
    }
    let mut rows = Vec::new();
    let mut ping = None;
    for scenario in scenarios {
        let result = load::run(plan, &servers, keys, scenario).await?;
        progress(scenario, &result, &mut ping);
        rows.push(Row::new(scenario, label, accounts, &result, ping));
    }
    let checks = races::run(&servers, label).await?;
    for check in &checks {
        eprintln!(
            "   check: {:<32} {} (expected {})",
            check.name, check.got, check.expected
        );
    }
    for server in servers {
        server.stop().await?;
    }
    Ok((rows, checks))
}

/// The floor server's rows: the paths it serves, among the plan's scenarios (ping always).
async fn run_floor(plan: &Plan, keys: &client::JwtKeys) -> anyhow::Result<Vec<Row>> {
    let dir = tempfile::tempdir().context("cannot make the floor's folder")?;
    eprintln!("== floor: starting the floor server");
    let server = server::Server::start_floor(dir).await?;
    let mut rows = Vec::new();
    let mut ping = None;
    for scenario in Scenario::ALL {
        let wanted = scenario == Scenario::Ping || plan.scenarios.contains(&scenario);
        if !wanted || !scenario.has_floor() {
            continue;
        }
        let result = load::run(plan, std::slice::from_ref(&server), keys, scenario).await?;
        progress(scenario, &result, &mut ping);
        rows.push(Row::new(scenario, "floor", 2, &result, ping));
    }
    server.stop().await?;
    Ok(rows)
}

/// Says what a scenario measured, on stderr, and keeps `ping`'s throughput (the ratios' base).
fn progress(scenario: Scenario, result: &load::Outcome, ping: &mut Option<f64>) {
    eprintln!(
        "   {:<20} {:>9.0} req/s  p50 {:>7} µs  p99 {:>7} µs  errors {}",
        scenario.name(),
        result.throughput(),
        result.percentile(50.0),
        result.percentile(99.0),
        result.errors
    );
    let by_server = result.throughput_by_server();
    if by_server.len() > 1 {
        let each: Vec<String> = by_server.iter().map(|t| format!("{t:.0}")).collect();
        eprintln!("   {:<20} per process: {} req/s", "", each.join(" / "));
    }
    if scenario == Scenario::Ping {
        *ping = Some(result.throughput());
    }
}
