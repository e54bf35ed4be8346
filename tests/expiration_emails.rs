//! `flexiapi spaces expiration-emails --days N`: the real binary mails the admins of the spaces
//! about to expire through a real SMTP server (aiosmtpd).

use std::process::{Command, Output};
use std::sync::Arc;

use chrono::{Duration, Utc};
use flexiapi_domain::model::{
    AccountChanges, DigestConfig, Domain, Email, NewSpace, PasswordAlgorithm, SpaceSettings,
};
use flexiapi_domain::ports::Storage;

use crate::helpers::services_on;
use crate::support_smtp::{FROM_ADDRESS, SmtpServer};

fn flexiapi(db: &str, config: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .arg("--database")
        .arg(db)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("FLEXIAPI_LOG", "error")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_owned()
}

async fn space(storage: &Arc<dyn Storage>, domain: &str, name: &str, expire_in: Option<Duration>) {
    storage
        .create_space(
            NewSpace {
                domain: Domain::parse(domain).unwrap(),
                host: domain.into(),
                name: name.into(),
                super_space: false,
                max_accounts: 0,
                expire_at: expire_in.map(|d| Utc::now() + d),
                digest: DigestConfig::default(),
                jwt: None,
                settings: SpaceSettings::default(),
            },
            Utc::now(),
        )
        .await
        .unwrap();
}

/// `user@domain`, an admin or not, with that e-mail address or none.
async fn account(
    storage: &Arc<dyn Storage>,
    user: &str,
    domain: &str,
    admin: bool,
    email: Option<&str>,
) {
    let services = services_on(storage.clone());
    let account = services
        .create_admin(user, domain, "secret123", PasswordAlgorithm::Sha256)
        .await
        .unwrap();
    let changes = AccountChanges {
        admin,
        email: email.map(|e| Email::parse(e).unwrap()),
        ..AccountChanges::unchanged(&account)
    };
    storage
        .update_account(account.id, changes, Utc::now())
        .await
        .unwrap();
}

/// A database with spaces expiring in 3 and 30 days, one expired and one that never expires,
/// each with an admin that has an address; `soon` also has an admin without one and a user.
async fn seeded(dir: &tempfile::TempDir) -> String {
    let db = format!("sqlite://{}/flexiapi.sqlite", dir.path().display());
    let opened = flexiapi::Database::open(&db).await.unwrap();
    opened.migrate().await.unwrap();
    let s = opened.storage.clone();
    space(
        &s,
        "soon.example.org",
        "Soon Space",
        Some(Duration::days(3)),
    )
    .await;
    space(
        &s,
        "later.example.org",
        "Later Space",
        Some(Duration::days(30)),
    )
    .await;
    space(
        &s,
        "gone.example.org",
        "Gone Space",
        Some(Duration::days(-1)),
    )
    .await;
    space(&s, "forever.example.org", "Forever Space", None).await;
    account(
        &s,
        "alice",
        "soon.example.org",
        true,
        Some("alice@example.net"),
    )
    .await;
    account(&s, "bob", "soon.example.org", true, None).await;
    account(
        &s,
        "carol",
        "soon.example.org",
        false,
        Some("carol@example.net"),
    )
    .await;
    account(
        &s,
        "dave",
        "later.example.org",
        true,
        Some("dave@example.net"),
    )
    .await;
    account(
        &s,
        "erin",
        "gone.example.org",
        true,
        Some("erin@example.net"),
    )
    .await;
    account(
        &s,
        "frank",
        "forever.example.org",
        true,
        Some("frank@example.net"),
    )
    .await;
    opened.close().await;
    db
}

fn config(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("flexiapi.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn admins_of_spaces_expiring_within_the_window_are_mailed() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(&dir).await;
    let config = config(&dir, &smtp.toml());

    let out = flexiapi(
        &db,
        &config,
        &["spaces", "expiration-emails", "--days", "7"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "1 space(s) expire within 7 day(s): 1 e-mail(s) sent, 0 failed"
    );
    let mail = smtp.wait_for_message("alice@example.net").await;
    let date = (Utc::now() + Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    assert_eq!(
        mail.subject,
        format!("Your space Soon Space expires on {date}")
    );
    assert_eq!(mail.from_address, FROM_ADDRESS);
    assert!(
        mail.text.contains("administrators of the Soon Space space"),
        "{}",
        mail.text
    );
    assert_eq!(
        smtp.messages().len(),
        1,
        "only alice: bob has no address, carol is no admin"
    );

    // A wider window reaches the later space too; the expired and the eternal ones never.
    let out = flexiapi(
        &db,
        &config,
        &[
            "spaces",
            "expiration-emails",
            "--days",
            "60",
            "--language",
            "fr",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "2 space(s) expire within 60 day(s): 2 e-mail(s) sent, 0 failed"
    );
    let dave = smtp.wait_for_message("dave@example.net").await;
    assert!(
        dave.subject
            .starts_with("Votre espace Later Space expire le"),
        "{}",
        dave.subject
    );
    let mut recipients: Vec<String> = smtp
        .messages()
        .iter()
        .flat_map(|m| m.recipients.clone())
        .collect();
    recipients.sort();
    assert_eq!(
        recipients,
        ["alice@example.net", "alice@example.net", "dave@example.net"]
    );
}

#[tokio::test]
async fn a_refused_message_or_no_transport_is_a_failure() {
    let Some(smtp) = SmtpServer::start_with(&["--reject", "dave@example.net"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(&dir).await;
    let with_mail = config(&dir, &smtp.toml());
    let out = flexiapi(
        &db,
        &with_mail,
        &["spaces", "expiration-emails", "--days", "60"],
    );
    assert!(!out.status.success());
    let error = stderr(&out);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(
        error.starts_with("error: 2 space(s) expire within 60 day(s): 1 e-mail(s) sent, 1 failed: later.example.org -> dave@example.net: refused:"),
        "{error}"
    );
    assert!(error.contains("550"), "{error}");
    assert_eq!(smtp.messages_to("alice@example.net").len(), 1);

    let without_mail = config(&dir, "");
    let out = flexiapi(
        &db,
        &without_mail,
        &["spaces", "expiration-emails", "--days", "60"],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no mail transport"),
        "{}",
        stderr(&out)
    );
    assert_eq!(smtp.messages().len(), 1, "nothing more was attempted");

    let out = flexiapi(
        &db,
        &with_mail,
        &["spaces", "expiration-emails", "--days", "0"],
    );
    assert!(!out.status.success(), "--days 0 is refused");
}
