//! `flexiapi import` on a database built from the original account manager's table layout
//! (`tests/fixtures/original-account-manager.sql`), on MariaDB and SQLite, run twice.

use flexiapi_adapters_sql::Backend;
use flexiapi_adapters_sql::testing::TestDatabase;
use flexiapi_adapters_sql::testing::flexisip::passwords;
use flexiapi_domain::model::{Domain, PasswordAlgorithm, Username};
use sqlx::{AssertSqlSafe, Connection};

const ORIGINAL: &str = include_str!("fixtures/original-account-manager.sql");

async fn build_original(backend: Backend) -> TestDatabase {
    let db = TestDatabase::create_blank(backend)
        .await
        .expect("blank database");
    let url = db.url().to_owned();
    // One statement at a time, as a migration tool would.
    let statements = ORIGINAL
        .split(";\n")
        .map(|s| {
            s.lines()
                .filter(|l| !l.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|s| !s.trim().is_empty());
    match backend {
        Backend::MySql => {
            let mut c = sqlx::MySqlConnection::connect(&url).await.unwrap();
            for s in statements {
                sqlx::query(AssertSqlSafe(s)).execute(&mut c).await.unwrap();
            }
        }
        _ => {
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            for s in statements {
                sqlx::query(AssertSqlSafe(s)).execute(&mut c).await.unwrap();
            }
        }
    }
    db
}

fn import(target: &str, from: &str) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .args(["--database", target, "import", "--from", from])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `(imported, already present, skipped)` of one summary line.
fn counts(summary: &str, what: &str) -> (u64, u64, u64) {
    let line = summary
        .lines()
        .find(|l| l.starts_with(what))
        .unwrap_or_else(|| panic!("no {what} line in {summary}"));
    let numbers: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1], numbers[2])
}

async fn an_original_database_is_imported_once(source: Backend, target: Backend) {
    let original = build_original(source).await;
    let ours = TestDatabase::create(target).await.unwrap();

    let (ok, first, errors) = import(ours.url(), original.url());
    assert!(ok, "{errors}");
    assert_eq!(counts(&first, "spaces"), (2, 0, 0), "{first}");
    assert_eq!(counts(&first, "accounts"), (3, 0, 1), "{first}");
    assert_eq!(counts(&first, "passwords"), (3, 0, 1), "{first}");
    assert_eq!(counts(&first, "account types"), (2, 0, 0), "{first}");
    assert_eq!(counts(&first, "type attachments"), (2, 0, 0), "{first}");
    assert_eq!(counts(&first, "dictionary entries"), (2, 0, 0), "{first}");
    assert_eq!(counts(&first, "contacts"), (2, 0, 0), "{first}");
    assert_eq!(counts(&first, "vcards"), (1, 0, 1), "{first}");
    assert_eq!(counts(&first, "carddav servers"), (1, 0, 0), "{first}");
    assert_eq!(counts(&first, "carddav credentials"), (1, 0, 0), "{first}");
    assert!(errors.contains("Not Valid@team.example.net"), "{errors}");

    let (ok, second, errors) = import(ours.url(), original.url());
    assert!(ok, "{errors}");
    assert_eq!(counts(&second, "spaces"), (0, 2, 0), "{second}");
    assert_eq!(counts(&second, "accounts"), (0, 3, 1), "{second}");
    assert_eq!(counts(&second, "type attachments"), (0, 2, 0), "{second}");
    assert_eq!(counts(&second, "dictionary entries"), (0, 2, 0), "{second}");
    assert_eq!(counts(&second, "contacts"), (0, 2, 0), "{second}");
    assert_eq!(counts(&second, "vcards"), (0, 1, 1), "{second}");
    assert_eq!(counts(&second, "carddav servers"), (0, 1, 0), "{second}");
    assert_eq!(
        counts(&second, "carddav credentials"),
        (0, 1, 0),
        "{second}"
    );

    let storage = ours.storage();
    let example = Domain::parse("sip.example.org").unwrap();
    let space = storage.space_by_domain(&example).await.unwrap().unwrap();
    assert_eq!(space.host, "account.example.org");
    assert!(space.super_space);
    assert_eq!(space.max_accounts, 100);
    assert_eq!(space.realm(), "example realm");
    assert_eq!(
        space.digest.default_password_algorithm,
        PasswordAlgorithm::Md5
    );
    assert!(space.settings.disable_chat_feature);
    assert!(space.settings.disable_broadcast_feature, "column default");
    assert_eq!(
        space.settings.custom_provisioning_entries.as_deref(),
        Some("[ui]\nshow_ads=0")
    );

    let alice = storage
        .account_by_identity(&Username::parse("alice").unwrap(), &example)
        .await
        .unwrap()
        .unwrap();
    assert!(alice.activated && alice.admin);
    assert_eq!(
        alice.email.as_ref().map(|e| e.as_str()),
        Some("alice@example.org")
    );
    assert_eq!(
        alice.phone.as_ref().map(|p| p.as_str()),
        Some("+33611111111")
    );
    assert_eq!(alice.display_name.as_deref(), Some("Alice"));
    assert_eq!(alice.created_at.to_rfc3339(), "2021-03-05T09:00:00+00:00");
    let bob = storage
        .account_by_identity(&Username::parse("bob").unwrap(), &example)
        .await
        .unwrap()
        .unwrap();
    assert!(bob.blocked && !bob.activated);
    let types: Vec<String> = storage
        .types_of(alice.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.key.into_string())
        .collect();
    assert_eq!(types, ["phone"]);
    // The original's global types go to the spaces whose accounts carry them.
    let team = Domain::parse("team.example.net").unwrap();
    for (space, want) in [(&example, "phone"), (&team, "door-bell")] {
        let keys: Vec<String> = storage
            .list_account_types(space)
            .await
            .unwrap()
            .into_iter()
            .map(|t| t.key.into_string())
            .collect();
        assert_eq!(keys, [want], "{space}");
    }
    let dictionary = storage.dictionary_of(alice.id).await.unwrap();
    assert_eq!(dictionary.get("color").map(String::as_str), Some("blue"));
    let contacts: Vec<_> = storage
        .contacts_of(alice.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(contacts, [bob.id]);
    let vcard = storage
        .vcard(alice.id, "0a1b2c3d-0000-4000-8000-000000000001")
        .await
        .unwrap()
        .unwrap();
    assert!(vcard.vcard.contains("FN:Dave Friend"));
    let carddav = storage.carddav_credentials_of(&[alice.id]).await.unwrap();
    assert_eq!(carddav.len(), 1);
    assert_eq!(carddav[0].0.server.uri, "https://dav.example.org/book/");
    assert_eq!(carddav[0].0.server.results_limit, 25);
    assert_eq!(carddav[0].1.username, "alice-dav");
    assert_eq!(carddav[0].1.password, "0b4f7a1e0c2d3e4f5a6b7c8d9e0f1a2b");

    // The hashes are the original's, byte for byte, where Flexisip reads them.
    assert_eq!(
        passwords(ours.url(), target, "alice", "sip.example.org")
            .await
            .unwrap(),
        [
            (
                "0b4f7a1e0c2d3e4f5a6b7c8d9e0f1a2b".to_owned(),
                "MD5".to_owned()
            ),
            (
                "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8".to_owned(),
                "SHA-256".to_owned()
            ),
        ]
    );
    ours.drop_database().await;
    original.drop_database().await;
}

#[tokio::test]
async fn a_mariadb_original_is_imported_into_postgresql() {
    an_original_database_is_imported_once(Backend::MySql, Backend::Postgres).await;
}

#[tokio::test]
async fn a_sqlite_original_is_imported_into_sqlite() {
    an_original_database_is_imported_once(Backend::Sqlite, Backend::Sqlite).await;
}

#[tokio::test]
async fn an_unreadable_original_is_a_one_line_error() {
    let ours = TestDatabase::create(Backend::Sqlite).await.unwrap();
    let (ok, _, errors) = import(ours.url(), "postgres://postgres@127.0.0.1:5432/test");
    assert!(!ok);
    assert!(errors.contains("MySQL/MariaDB or SQLite"), "{errors}");
    let empty = TestDatabase::create_blank(Backend::Sqlite).await.unwrap();
    let (ok, _, errors) = import(ours.url(), empty.url());
    assert!(!ok);
    assert!(
        errors.contains("cannot read the original database"),
        "{errors}"
    );
    assert_eq!(errors.trim().lines().count(), 1, "{errors}");
}
