//! The `flexiapi` binary: commands, one-line errors, and `serve` from a fresh database.

use std::process::{Command, Output};

use crate::process::ServerProcess;

pub(crate) fn flexiapi(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env("FLEXIAPI_LOG", "error")
        .output()
        .unwrap()
}

pub(crate) fn stderr_line(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(text.lines().count(), 1, "one line expected, got {text:?}");
    assert!(!text.contains("panicked"), "{text}");
    text
}

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}/flexiapi.sqlite", dir.path().display())
}

#[test]
fn spaces_admins_and_keys_are_created_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let out = flexiapi(
        &db,
        &[
            "spaces",
            "create",
            "--domain",
            "sip.example.org",
            "--host",
            "api.example.org",
            "--super",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let dup = flexiapi(
        &db,
        &[
            "spaces",
            "create",
            "--domain",
            "sip.example.org",
            "--host",
            "other.example.org",
        ],
    );
    assert!(!dup.status.success());
    assert!(stderr_line(&dup).starts_with("error: The domain has already been taken."));

    let out = flexiapi(
        &db,
        &[
            "accounts",
            "create-admin",
            "--username",
            "root",
            "--domain",
            "sip.example.org",
            "--password",
            "secret123",
            "--algorithm",
            "MD5",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = flexiapi(
        &db,
        &[
            "api-keys",
            "create",
            "--username",
            "root",
            "--domain",
            "sip.example.org",
        ],
    );
    assert!(out.status.success());
    let key = String::from_utf8(out.stdout).unwrap();
    assert_eq!(key.trim().len(), 40);
    assert_eq!(key.lines().count(), 1);

    let unknown = flexiapi(
        &db,
        &[
            "accounts",
            "create-admin",
            "--username",
            "x",
            "--domain",
            "nowhere.org",
            "--password",
            "secret123",
        ],
    );
    assert!(!unknown.status.success());
    assert!(stderr_line(&unknown).contains("nowhere.org"));

    let bad_alg = flexiapi(
        &db,
        &[
            "accounts",
            "create-admin",
            "--username",
            "x",
            "--domain",
            "sip.example.org",
            "--password",
            "secret123",
            "--algorithm",
            "SHA1",
        ],
    );
    assert!(!bad_alg.status.success());
    stderr_line(&bad_alg);

    let no_account = flexiapi(
        &db,
        &[
            "api-keys",
            "create",
            "--username",
            "ghost",
            "--domain",
            "sip.example.org",
        ],
    );
    assert!(!no_account.status.success());
    stderr_line(&no_account);
}

#[test]
fn bad_database_urls_fail_with_one_line() {
    for url in ["nosuch://x", "postgres://127.0.0.1:1/none"] {
        let out = flexiapi(url, &["migrate"]);
        assert!(!out.status.success(), "{url}");
        stderr_line(&out);
    }
}

#[tokio::test]
async fn serve_on_a_fresh_database_prints_credentials_that_work_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(&sqlite_url(&dir));
    let key = server
        .credential("admin API key:")
        .expect("the bootstrap API key is printed");
    let password = server
        .credential("password:")
        .expect("the bootstrap password is printed");
    assert_eq!(password.len(), 16);
    let resp = reqwest::Client::new()
        .get(format!("http://localhost:{}/api/accounts/me", server.port))
        .header("accept", "application/json")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ping = reqwest::Client::new()
        .get(format!("http://localhost:{}/api/ping", server.port))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);
    assert!(server.terminate(), "clean exit on SIGTERM");
}

#[tokio::test]
async fn purge_tombstones_frees_deleted_usernames() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    assert!(
        flexiapi(
            &db,
            &[
                "spaces",
                "create",
                "--domain",
                "sip.example.org",
                "--host",
                "api.example.org"
            ]
        )
        .status
        .success()
    );
    assert!(
        flexiapi(
            &db,
            &[
                "accounts",
                "create-admin",
                "--username",
                "old",
                "--domain",
                "sip.example.org",
                "--password",
                "secret123"
            ]
        )
        .status
        .success()
    );
    let opened = flexiapi::Database::open(&db).await.unwrap();
    let username = flexiapi_domain::model::Username::parse("old").unwrap();
    let domain = flexiapi_domain::model::Domain::parse("sip.example.org").unwrap();
    let account = opened
        .storage
        .account_by_identity(&username, &domain)
        .await
        .unwrap()
        .unwrap();
    opened
        .storage
        .delete_account(account.id, chrono::Utc::now())
        .await
        .unwrap();
    assert!(
        opened
            .storage
            .is_tombstoned(&username, &domain)
            .await
            .unwrap()
    );

    let kept = flexiapi(&db, &["accounts", "purge-tombstones", "--older-than", "1d"]);
    assert_eq!(
        String::from_utf8_lossy(&kept.stdout).trim(),
        "purged 0 tombstones"
    );
    let purged = flexiapi(&db, &["accounts", "purge-tombstones", "--older-than", "0s"]);
    assert_eq!(
        String::from_utf8_lossy(&purged.stdout).trim(),
        "purged 1 tombstones"
    );
    assert!(
        !opened
            .storage
            .is_tombstoned(&username, &domain)
            .await
            .unwrap()
    );
    let bad = flexiapi(
        &db,
        &["accounts", "purge-tombstones", "--older-than", "soon"],
    );
    assert!(!bad.status.success());
    opened.close().await;
}

#[tokio::test]
async fn accounts_never_activated_are_cleared_from_the_command_line() {
    use flexiapi_domain::model::{Domain, NewAccount, Username};

    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    for domain in ["sip.example.org", "other.example.org"] {
        let created = flexiapi(
            &db,
            &["spaces", "create", "--domain", domain, "--host", domain],
        );
        assert!(created.status.success());
    }
    let opened = flexiapi::Database::open(&db).await.unwrap();
    let now = chrono::Utc::now();
    let add = async |name: &str, domain: &str, activated: bool, age_days: i64| {
        let mut new = NewAccount::new(
            Username::parse(name).unwrap(),
            Domain::parse(domain).unwrap(),
        );
        new.activated = activated;
        opened
            .storage
            .create_account(new, 0, now - chrono::Duration::days(age_days))
            .await
            .unwrap()
            .id
    };
    let abandoned = add("abandoned", "sip.example.org", false, 40).await;
    let recent = add("recent", "sip.example.org", false, 2).await;
    let active = add("active", "sip.example.org", true, 40).await;
    let elsewhere = add("elsewhere", "other.example.org", false, 40).await;

    let out = flexiapi(
        &db,
        &[
            "accounts",
            "clear-unconfirmed",
            "--older-than",
            "30d",
            "--space",
            "sip.example.org",
        ],
    );
    assert!(out.status.success(), "{}", stderr_line(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "deleted 1 unconfirmed accounts"
    );
    let exists = async |id| opened.storage.account_by_id(id).await.unwrap().is_some();
    assert!(!exists(abandoned).await);
    assert!(exists(recent).await && exists(active).await && exists(elsewhere).await);
    assert!(
        opened
            .storage
            .is_tombstoned(
                &Username::parse("abandoned").unwrap(),
                &Domain::parse("sip.example.org").unwrap()
            )
            .await
            .unwrap()
    );

    // Every space, a bare number of days.
    let out = flexiapi(&db, &["accounts", "clear-unconfirmed", "--older-than", "1"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "deleted 2 unconfirmed accounts"
    );
    assert!(exists(active).await);
    let unknown = flexiapi(
        &db,
        &[
            "accounts",
            "clear-unconfirmed",
            "--older-than",
            "1d",
            "--space",
            "nowhere.example.org",
        ],
    );
    assert!(!unknown.status.success());
    assert!(stderr_line(&unknown).contains("nowhere.example.org"));
    opened.close().await;
}

/// What `serve` logs until it listens, with `config` as its configuration file.
pub(crate) fn startup_log(config: &str) -> String {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("flexiapi.toml");
    std::fs::write(&file, config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .args(["--database", "memory", "--config"])
        .arg(&file)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("FLEXIAPI_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = String::new();
    for line in BufReader::new(child.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
    {
        log.push_str(&line);
        log.push('\n');
        if line.contains("listening") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    log
}

#[test]
fn the_first_start_says_which_mail_transport_is_active() {
    let log = startup_log("");
    assert!(log.contains("no mail transport configured"), "{log}");

    let folder = tempfile::tempdir().unwrap();
    let log = startup_log(&format!(
        "[mail]\ntransport = \"directory\"\ndirectory = \"{}\"\n",
        folder.path().display()
    ));
    let line = log
        .lines()
        .find(|l| l.contains("mail transport: directory"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(
        line.contains("WARN"),
        "a warning, never the default: {line}"
    );
    assert!(line.contains("NOT sent"), "{line}");

    let log = startup_log(
        "[mail]\nsmtp_url = \"smtp://127.0.0.1:2525\"\nfrom_address = \"noreply@example.org\"\n",
    );
    assert!(log.contains("mail transport: SMTP"), "{log}");
}

#[tokio::test]
async fn old_voicemails_and_their_files_are_cleared_from_the_command_line() {
    use flexiapi_domain::model::{
        Domain, NewAccount, NewVoicemail, Username, VoicemailId, VoicemailType,
    };

    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    let created = flexiapi(
        &db,
        &[
            "spaces",
            "create",
            "--domain",
            "sip.example.org",
            "--host",
            "sip.example.org",
        ],
    );
    assert!(created.status.success());
    // The default `[files] directory`: beside the SQLite database.
    let files = dir.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let opened = flexiapi::Database::open(&db).await.unwrap();
    let now = chrono::Utc::now();
    let account = opened
        .storage
        .create_account(
            NewAccount::new(
                Username::parse("alice").unwrap(),
                Domain::parse("sip.example.org").unwrap(),
            ),
            0,
            now,
        )
        .await
        .unwrap()
        .id;
    let add = async |n: u8, age_days: i64| {
        let id = VoicemailId::from_random_hex(&format!("{n:02x}").repeat(16)).unwrap();
        let at = now - chrono::Duration::days(age_days);
        let new = NewVoicemail {
            id: id.clone(),
            account_id: account,
            sip_from: None,
            content_type: VoicemailType::Wav,
        };
        opened.storage.create_voicemail(&new, at).await.unwrap();
        let name = format!("{id}.wav");
        opened
            .storage
            .fill_voicemail(account, &id, &name, 4, at)
            .await
            .unwrap()
            .unwrap();
        std::fs::write(files.join(&name), b"RIFF").unwrap();
        (id, name)
    };
    let (old, old_name) = add(1, 40).await;
    let (recent, recent_name) = add(2, 2).await;
    // A file no voicemail names any more (its account went in a bulk deletion), long ago.
    let orphan = files.join("0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f.wav");
    std::fs::write(&orphan, b"RIFF").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&orphan)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(40 * 86_400))
        .unwrap();

    let out = flexiapi(&db, &["files", "clear", "--older-than", "30d"]);
    assert!(out.status.success(), "{}", stderr_line(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "deleted 1 voicemails and 1 other files"
    );
    let left = |id| opened.storage.voicemail(account, id);
    assert!(left(&old).await.unwrap().is_none());
    assert!(left(&recent).await.unwrap().is_some());
    assert!(!files.join(old_name).exists() && !orphan.exists());
    assert!(files.join(recent_name).exists());

    let bad = flexiapi(&db, &["files", "clear", "--older-than", "soon"]);
    assert!(!bad.status.success());
}

/// `flexiapi` with `stdin` on its standard input.
fn flexiapi_fed(db: &str, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env("FLEXIAPI_LOG", "error")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The (HA1, algorithm) pairs Flexisip reads for `user@sip.example.org`.
fn flexisip_passwords(db: &str, user: &str) -> Vec<(String, String)> {
    let db = db.to_owned();
    let user = user.to_owned();
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            flexiapi_adapters_sql::testing::flexisip::passwords(
                &db,
                flexiapi_adapters_sql::Backend::Sqlite,
                &user,
                "sip.example.org",
            )
            .await
            .unwrap()
        })
    })
    .join()
    .unwrap()
}

fn ha1(user: &str, password: &str) -> String {
    crate::helpers::hex_digest(
        flexiapi_domain::model::PasswordAlgorithm::Sha256,
        &format!("{user}:sip.example.org:{password}"),
    )
}

#[test]
fn passwords_come_from_stdin_and_promotion_keeps_them_unless_reset() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    stdout(&flexiapi(
        &db,
        &[
            "spaces",
            "create",
            "--domain",
            "sip.example.org",
            "--host",
            "sip.example.org",
        ],
    ));
    let who = ["--username", "root", "--domain", "sip.example.org"];
    let args = |extra: &[&'static str]| -> Vec<&str> {
        let mut a = vec!["accounts", "create-admin"];
        a.extend(who);
        a.extend(extra);
        a
    };

    // A new admin needs a password: none on a non-terminal standard input is a clear error.
    let none = flexiapi(&db, &args(&[]));
    assert!(!none.status.success());
    assert!(stderr_line(&none).contains("--password-stdin"), "{none:?}");
    let empty = flexiapi_fed(&db, &args(&["--password-stdin"]), "\n");
    assert!(!empty.status.success());
    assert!(stderr_line(&empty).contains("no password on standard input"));

    let made = stdout(&flexiapi_fed(
        &db,
        &args(&["--password-stdin"]),
        "first-secret\n",
    ));
    assert!(made.contains("created"), "{made}");
    assert_eq!(
        flexisip_passwords(&db, "root"),
        [(ha1("root", "first-secret"), "SHA-256".to_owned())]
    );

    // Promoting again keeps the password; --reset-password replaces it.
    let kept = stdout(&flexiapi(&db, &args(&[])));
    assert!(kept.contains("password kept"), "{kept}");
    assert_eq!(
        flexisip_passwords(&db, "root"),
        [(ha1("root", "first-secret"), "SHA-256".to_owned())]
    );
    let reset = flexiapi(&db, &args(&["--reset-password"]));
    assert!(!reset.status.success(), "a reset needs a password");
    let reset = stdout(&flexiapi_fed(
        &db,
        &args(&["--reset-password", "--password-stdin"]),
        "second-secret\r\n",
    ));
    assert!(reset.contains("password replaced"), "{reset}");
    assert_eq!(
        flexisip_passwords(&db, "root"),
        [(ha1("root", "second-secret"), "SHA-256".to_owned())]
    );

    // set-password: the API's rule on length, then the new hash.
    let mut set = vec!["accounts", "set-password"];
    set.extend(who);
    set.push("--password-stdin");
    let short = flexiapi_fed(&db, &set, "abc\n");
    assert!(!short.status.success());
    assert!(stderr_line(&short).contains("password"), "{short:?}");
    stdout(&flexiapi_fed(&db, &set, "third-secret\n"));
    assert_eq!(
        flexisip_passwords(&db, "root"),
        [(ha1("root", "third-secret"), "SHA-256".to_owned())]
    );
}

#[test]
fn accounts_and_keys_are_listed_revoked_and_deleted_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    for domain in ["sip.example.org", "other.example.org"] {
        stdout(&flexiapi(
            &db,
            &["spaces", "create", "--domain", domain, "--host", domain],
        ));
    }
    for (user, domain) in [
        ("root", "sip.example.org"),
        ("rita", "sip.example.org"),
        ("otto", "other.example.org"),
    ] {
        stdout(&flexiapi_fed(
            &db,
            &[
                "accounts",
                "create-admin",
                "--username",
                user,
                "--domain",
                domain,
                "--password-stdin",
            ],
            "long-enough-secret\n",
        ));
    }
    let listed = stdout(&flexiapi(&db, &["accounts", "list"]));
    assert_eq!(listed.lines().count(), 3, "{listed}");
    let listed = stdout(&flexiapi(
        &db,
        &[
            "accounts",
            "list",
            "--domain",
            "sip.example.org",
            "--search",
            "ri",
        ],
    ));
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 1, "{listed}");
    assert!(
        lines[0].contains("sip:rita@sip.example.org\ttrue\ttrue"),
        "{listed}"
    );
    let unknown = flexiapi(&db, &["accounts", "list", "--domain", "nowhere.org"]);
    assert!(!unknown.status.success());
    assert!(stderr_line(&unknown).contains("nowhere.org"));

    // Keys: created for an admin, listed without the key itself, revoked by id.
    let who = ["--username", "rita", "--domain", "sip.example.org"];
    let key = stdout(&flexiapi(
        &db,
        &[&["api-keys", "create"][..], &who].concat(),
    ));
    let key = key.trim();
    let listed = stdout(&flexiapi(&db, &[&["api-keys", "list"][..], &who].concat()));
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(!listed.contains(key), "the key is never shown again");
    let id = listed.split('\t').next().unwrap().to_owned();
    assert!(listed.contains("\tadmin\t"), "{listed}");
    let wrong = flexiapi(
        &db,
        &[&["api-keys", "revoke"][..], &who, &["--id", "999999"]].concat(),
    );
    assert!(!wrong.status.success());
    stderr_line(&wrong);
    stdout(&flexiapi(
        &db,
        &[&["api-keys", "revoke"][..], &who, &["--id", &id]].concat(),
    ));
    assert_eq!(
        stdout(&flexiapi(&db, &[&["api-keys", "list"][..], &who].concat())),
        ""
    );

    // Deleting: gone from the listing; the name is kept by a tombstone.
    stdout(&flexiapi(
        &db,
        &[&["accounts", "delete"][..], &who].concat(),
    ));
    let listed = stdout(&flexiapi(
        &db,
        &["accounts", "list", "--domain", "sip.example.org"],
    ));
    assert!(!listed.contains("rita"), "{listed}");
    let again = flexiapi(&db, &[&["accounts", "delete"][..], &who].concat());
    assert!(!again.status.success());
    stderr_line(&again);
}

#[test]
fn an_admin_key_is_refused_to_an_account_that_is_not_an_admin() {
    let dir = tempfile::tempdir().unwrap();
    let db = sqlite_url(&dir);
    stdout(&flexiapi(
        &db,
        &[
            "spaces",
            "create",
            "--domain",
            "sip.example.org",
            "--host",
            "sip.example.org",
        ],
    ));
    stdout(&flexiapi_fed(
        &db,
        &[
            "accounts",
            "create-admin",
            "--username",
            "ulla",
            "--domain",
            "sip.example.org",
            "--password-stdin",
        ],
        "long-enough-secret\n",
    ));
    // Made a plain user behind the CLI's back, as the API's sign-up would leave it.
    let url = db.clone();
    std::thread::spawn(move || {
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query("UPDATE accounts SET admin = FALSE WHERE username = 'ulla'")
                .execute(&mut c)
                .await
                .unwrap();
        })
    })
    .join()
    .unwrap();
    let out = flexiapi(
        &db,
        &[
            "api-keys",
            "create",
            "--username",
            "ulla",
            "--domain",
            "sip.example.org",
        ],
    );
    assert!(!out.status.success());
    let line = stderr_line(&out);
    assert!(line.contains("is not an admin"), "{line}");
    assert!(line.contains("accounts create-admin"), "{line}");
    assert!(out.stdout.is_empty(), "no key printed");
}

#[test]
fn help_texts_name_the_environment_without_a_misleading_value() {
    let out = Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .args(["serve", "--help"])
        .env_remove("FLEXIAPI_BIND")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("[env: FLEXIAPI_BIND]"), "{help}");
    assert!(!help.contains("FLEXIAPI_BIND="), "{help}");
    assert!(help.contains("[default: 127.0.0.1:8080]"), "{help}");
    for option in ["--bind", "--redis", "--database", "--config"] {
        let line = help
            .lines()
            .find(|l| l.contains(option))
            .unwrap_or_default();
        let at = help.find(line).unwrap();
        // Every option is followed by a description, on its line or the next.
        let described = help[at..].lines().take(2).collect::<String>();
        assert!(described.split_whitespace().count() > 3, "{option}: {help}");
    }
}
