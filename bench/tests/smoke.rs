//! The bench's quick mode as a smoke test: every scenario runs on memory, SQLite and PostgreSQL
//! (the test suite's server) and must finish without a single failed request. No timing is
//! asserted: CI machines are shared and a debug build measures nothing.

use std::process::Command;

#[test]
fn quick_mode_completes_without_errors() {
    let output = Command::new(env!("CARGO_BIN_EXE_flexiapi-bench"))
        .args([
            "--quick",
            "--backend",
            "memory,sqlite,postgres",
            "--accounts",
            "1000,2000",
            "--duration",
            "0.5",
            "--warmup",
            "0.2",
            "--connections",
            "8",
        ])
        .output()
        .expect("the bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the bench failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    // Eleven scenarios at 1,000 accounts and ping plus the two lookups at 2,000, per backend.
    let rows = stdout
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| scenario"))
        .count();
    assert_eq!(rows, 3 * (11 + 3), "{stdout}");
    for line in stdout
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| scenario"))
    {
        let errors = line.split('|').nth(8).map(str::trim);
        assert_eq!(errors, Some("0"), "{line}");
    }
}
