//! The table: one row per scenario, backend and account count.

use crate::load::Outcome;
use crate::scenario::Scenario;
pub struct Row {
    pub scenario: Scenario,
    /// `memory`, `sqlite`, `postgres`, `mysql`, or `floor` (the floor server).
    pub backend: &'static str,
    pub accounts: u64,
    pub throughput: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub errors: u64,
    pub peak_rss_kib: u64,
    /// Throughput over ping's in the same server run.
    pub ratio: Option<f64>,
    /// Throughput over the floor server's on the same path, in the same run.
    pub of_floor: Option<f64>,
    /// Each process's throughput, when several served the row (scale-out).
    pub per_process: Vec<f64>,
}

impl Row {
    pub fn new(
        scenario: Scenario,
        backend: &'static str,
        accounts: u64,
        outcome: &Outcome,
        ping: Option<f64>,
    ) -> Row {
        let throughput = outcome.throughput();
        Row {
            scenario,
            backend,
            accounts,
            throughput,
            p50_us: outcome.percentile(50.0),
            p99_us: outcome.percentile(99.0),
            p999_us: outcome.percentile(99.9),
            errors: outcome.errors,
            peak_rss_kib: outcome.peak_rss_kib,
            ratio: ping.filter(|p| *p > 0.0).map(|p| throughput / p),
            of_floor: None,
            per_process: outcome.throughput_by_server(),
        }
    }
}

fn latency(us: u64) -> String {
    if us < 10_000 {
        format!("{us} µs")
    } else {
        format!("{:.1} ms", us as f64 / 1000.0)
    }
}

fn count(n: u64) -> String {
    match n {
        n if n >= 1_000_000 && n.is_multiple_of(1_000_000) => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n.is_multiple_of(1_000) => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn fraction(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |x| format!("{x:.2}"))
}

/// Sets every flexiapi row's fraction of the floor server's throughput on the same path.
pub fn set_floor_fractions(rows: &mut [Row]) {
    let floor: Vec<(Scenario, f64)> = rows
        .iter()
        .filter(|r| r.backend == "floor")
        .map(|r| (r.scenario, r.throughput))
        .collect();
    for row in rows.iter_mut().filter(|r| r.backend != "floor") {
        row.of_floor = floor
            .iter()
            .find(|(s, t)| *s == row.scenario && *t > 0.0)
            .map(|(_, t)| row.throughput / t);
    }
}

/// The rows as a Markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| scenario | backend | accounts | requests/s | p50 | p99 | p99.9 | errors | server peak RSS | ratio to ping | of floor |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} | {:.1} MiB | {} | {} |\n",
            r.scenario.name(),
            r.backend,
            count(r.accounts),
            r.throughput,
            latency(r.p50_us),
            latency(r.p99_us),
            latency(r.p999_us),
            r.errors,
            r.peak_rss_kib as f64 / 1024.0,
            fraction(r.ratio),
            fraction(r.of_floor),
        ));
    }
    out
}

/// The scale-out rows' throughput per process, as a Markdown table.
pub fn per_process_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| scenario | backend | per process: requests/s | errors |\n|---|---|---|---:|\n",
    );
    for r in rows.iter().filter(|r| r.per_process.len() > 1) {
        let each: Vec<String> = r.per_process.iter().map(|t| format!("{t:.0}")).collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.scenario.name(),
            r.backend,
            each.join(" / "),
            r.errors
        ));
    }
    out
}

/// The scale-out checks, as a Markdown table.
pub fn checks_table(checks: &[crate::races::Check]) -> String {
    let mut out = String::from("| check | backend | expected | got | |\n|---|---|---|---|---|\n");
    for c in checks {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            c.name,
            c.backend,
            c.expected,
            c.got,
            if c.passed { "passed" } else { "FAILED" }
        ));
    }
    out
}

/// CPU, cores, memory and kernel, as Linux reports them.
pub fn machine_description() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, v)| v.trim())
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or_else(String::new, |kib| {
            format!(", {:.0} GiB", kib as f64 / 1024.0 / 1024.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "Machine: {cpu}, {cores} cores{memory}, Linux {}; flexiapi-bench {}.",
        kernel.trim(),
        env!("CARGO_PKG_VERSION")
    )
}
