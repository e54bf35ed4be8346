//! The real `flexiapi` binary as a server process.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// A `flexiapi serve` child process on a free port; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
    /// Lines the server printed on stdout (the bootstrap credentials when there is nowhere to
    /// write them).
    pub stdout: Vec<String>,
    /// Lines of the `initial-credentials` file a fresh database's first start wrote.
    pub credentials: Vec<String>,
    /// Where `initial-credentials` was expected.
    pub credentials_file: PathBuf,
    /// Everything logged on stderr so far.
    log: Arc<Mutex<Vec<String>>>,
    /// The server's working directory (a non-SQLite database's credentials land there).
    _cwd: tempfile::TempDir,
}

impl ServerProcess {
    /// Starts `flexiapi --database <url> serve --bind 127.0.0.1:0` and waits until it listens.
    pub fn start(database: &str) -> Self {
        let cwd = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_flexiapi"))
            .current_dir(cwd.path())
            .args(["--database", database, "serve", "--bind", "127.0.0.1:0"])
            .env("FLEXIAPI_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel::<u16>();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        // Keep draining the log so the server never blocks on a full pipe.
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line.clone());
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
        let sqlite_file = database
            .strip_prefix("sqlite://")
            .map(|rest| Path::new(rest.split('?').next().unwrap_or_default()));
        let credentials_file = sqlite_file
            .and_then(Path::parent)
            .unwrap_or(cwd.path())
            .join("initial-credentials");
        let credentials = std::fs::read_to_string(&credentials_file)
            .map(|text| text.lines().map(str::to_owned).collect())
            .unwrap_or_default();
        Self {
            child,
            port,
            stdout,
            credentials,
            credentials_file,
            log,
            _cwd: cwd,
        }
    }

    /// The value printed after `label` on stdout.
    pub fn printed(&self, label: &str) -> Option<String> {
        find_value(&self.stdout, label)
    }

    /// The value after `label` in the first start's credentials: the `initial-credentials`
    /// file, else what was printed.
    pub fn credential(&self, label: &str) -> Option<String> {
        find_value(&self.credentials, label).or_else(|| self.printed(label))
    }

    /// The lines logged on stderr so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
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

fn find_value(lines: &[String], label: &str) -> Option<String> {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
