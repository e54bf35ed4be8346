//! The real `flexiapi` binary as a server process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A `flexiapi serve` child process on a free port; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    /// Lines the server printed on stdout (the bootstrap credentials on a fresh database).
    pub stdout: Vec<String>,
}

impl ServerProcess {
    /// Starts `flexiapi --database <url> serve --bind 127.0.0.1:0` and waits until it listens.
    pub fn start(database: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flexiapi"))
            .args(["--database", database, "serve", "--bind", "127.0.0.1:0"])
            .env("FLEXIAPI_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel::<u16>();
        let stderr = child.stderr.take().unwrap();
        // Keep draining the log so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("listening") {
                    let port = line.rsplit(':').next().and_then(|p| {
                        p.trim()
                            .trim_end_matches(|c: char| !c.is_ascii_digit())
                            .parse()
                            .ok()
                    });
                    if let Some(port) = port {
                        let _ = tx.send(port);
                    }
                }
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server reports its address");
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines_rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        // The credentials are printed before the server reports it listens.
        std::thread::sleep(Duration::from_millis(50));
        let stdout = lines_rx.try_iter().collect();
        Self {
            child,
            port,
            stdout,
        }
    }

    /// The value printed after `label` on stdout.
    pub fn printed(&self, label: &str) -> Option<String> {
        self.stdout
            .iter()
            .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
    }

    /// Sends SIGTERM and returns whether the process exited successfully.
    pub fn terminate(mut self) -> bool {
        self.signal_term();
        self.child.wait().is_ok_and(|s| s.success())
    }

    /// Sends SIGTERM without waiting.
    pub fn signal_term(&self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
    }

    /// Waits for the process to exit; whether it exited successfully.
    pub fn wait(mut self) -> bool {
        self.child.wait().is_ok_and(|s| s.success())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
