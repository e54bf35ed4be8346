//! The bench's quick mode as a smoke test: every scenario runs on the floor server and on every
//! backend, memory, SQLite, PostgreSQL and MariaDB (the test suite's servers), and must finish
//! without a single failed request. No timing is
//! asserted: CI machines are shared and a debug build measures nothing.

use std::process::Command;

/// Runs the bench with `args`; its standard output, once it succeeded.
fn bench(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_flexiapi-bench"))
        .args(args)
        .output()
        .expect("the bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the bench failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout
}

#[test]
fn quick_mode_completes_without_errors() {
    let stdout = bench(&[
        "--quick",
        "--backend",
        "memory,sqlite,postgres,mysql",
        "--accounts",
        "1000,2000",
        "--duration",
        "0.5",
        "--warmup",
        "0.2",
        "--connections",
        "8",
    ]);
    // The floor's five paths, then per backend eleven scenarios at 1,000 accounts and ping plus
    // the two lookups at 2,000.
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| scenario"))
        .collect();
    assert_eq!(rows.len(), 5 + 4 * (11 + 3), "{stdout}");
    let floor = rows.iter().filter(|l| l.contains("| floor |")).count();
    assert_eq!(floor, 5, "{stdout}");
    // Every flexiapi row on a floor path says its fraction of the floor.
    let me_admin = rows
        .iter()
        .find(|l| l.starts_with("| me-admin-key | mysql |"))
        .expect("a MariaDB row");
    let of_floor = me_admin.split('|').nth(11).map(str::trim).unwrap_or("-");
    assert!(of_floor.parse::<f64>().is_ok_and(|f| f > 0.0), "{me_admin}");
    for line in stdout
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| scenario"))
    {
        let errors = line.split('|').nth(8).map(str::trim);
        assert_eq!(errors, Some("0"), "{line}");
    }
}

/// The scale-out mode on both shared backends: two processes on one database, every scenario
/// across both without a failed request (a Digest nonce of one answered to the other), and the
/// races' checks passed. The in-memory backend cannot be shared: it is skipped, not run.
#[test]
fn scale_out_mode_holds_across_two_processes() {
    let stdout = bench(&[
        "--scale-out",
        "--no-floor",
        "--backend",
        "memory,postgres,mysql",
        "--scenario",
        "ping,me-admin-key,me-user-key,me-digest,me-digest-handshake,create-account",
        "--accounts",
        "100",
        "--duration",
        "0.5",
        "--warmup",
        "0.2",
        "--connections",
        "8",
    ]);
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains(" x2 |"))
        .filter(|l| !l.ends_with("| passed |") && !l.ends_with("| FAILED |"))
        .collect();
    // Six scenarios per backend in the main table, again in the per-process one.
    assert_eq!(rows.len(), 2 * 6 * 2, "{stdout}");
    assert!(!stdout.contains("| memory"), "{stdout}");
    let per_process = rows
        .iter()
        .find(|l| l.starts_with("| me-digest | postgres x2 | ") && l.contains(" / "))
        .expect("the per-process row");
    let each: Vec<f64> = per_process
        .split('|')
        .nth(3)
        .unwrap_or_default()
        .split('/')
        .map(|n| n.trim().parse().unwrap_or(0.0))
        .collect();
    assert!(
        each.len() == 2 && each.iter().all(|n| *n > 0.0),
        "both processes answered: {per_process}"
    );
    let checks: Vec<&str> = stdout
        .lines()
        .filter(|l| l.ends_with("| passed |") || l.ends_with("| FAILED |"))
        .collect();
    assert_eq!(checks.len(), 3 * 2, "{stdout}");
    assert!(checks.iter().all(|l| l.ends_with("| passed |")), "{stdout}");
}
