//! `flexiapi import` on a database built from the original account manager's table layout
//! (`tests/fixtures/original-account-manager.sql`), on MariaDB and SQLite, run twice; and
//! `migrate`/`serve` refusing that database.

use flexiapi_adapters_sql::Backend;
use flexiapi_adapters_sql::testing::TestDatabase;
use flexiapi_adapters_sql::testing::flexisip::passwords;
use flexiapi_domain::model::{
    ApiKeyKind, Domain, Password, PasswordAlgorithm, Username, hash_api_key,
};
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
                // `-- ` comments; a PEM line (`-----BEGIN`) is data.
                .filter(|l| !l.trim_start().starts_with("-- "))
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
    import_with(target, from, &[])
}

fn import_with(target: &str, from: &str, extra: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flexiapi"))
        .args(["--database", target, "import", "--from", from])
        .args(extra)
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
    for (what, want) in [
        ("spaces", (2, 0, 0)),
        ("accounts", (3, 0, 1)),
        ("passwords", (4, 0, 1)),
        ("account types", (2, 0, 0)),
        ("type attachments", (2, 0, 0)),
        ("dictionary entries", (2, 0, 0)),
        ("contacts", (2, 0, 0)),
        ("oidc configurations", (1, 0, 0)),
        ("api keys", (2, 0, 2)),
        ("account actions", (1, 0, 1)),
        ("contacts lists", (1, 0, 1)),
        ("list members", (1, 0, 1)),
        ("list attachments", (1, 0, 0)),
        ("tombstones", (1, 0, 1)),
        ("phone countries", (2, 1, 2)),
        ("call forwardings", (2, 0, 1)),
        ("external accounts", (1, 0, 1)),
        ("message statistics", (1, 0, 1)),
        ("message devices", (1, 0, 1)),
        ("call statistics", (1, 0, 1)),
        ("call devices", (1, 0, 1)),
        ("vcards", (1, 0, 1)),
        ("carddav servers", (1, 0, 0)),
        ("carddav credentials", (1, 0, 0)),
    ] {
        assert_eq!(counts(&first, what), want, "{what}: {first}");
    }
    // Every skipped row is listed with its table, its id and why.
    for line in [
        "skipped accounts 21: Not Valid@team.example.net is not a valid SIP identity",
        "skipped passwords 5: not an MD5 hash",
        "skipped api_keys 3: a user key bound to no IP address",
        "skipped api_keys 4: its account was not imported",
        "skipped account_actions 2: its account was not imported",
        "skipped contacts_lists 2: its space was not imported",
        "skipped contacts_list_contact 1/21:",
        "skipped accounts_tombstones 2:",
        "skipped phone_countries CA: deactivated, but +1 is activated",
        "skipped phone_countries XX: an unknown country code here",
        "skipped call_forwardings 3: its account was not imported",
        "skipped external_accounts 2: the password is not an MD5 hash",
        "skipped statistics_messages m2: no space here serves elsewhere.example",
        "skipped statistics_message_devices 2: its message m2 was not imported",
        "skipped statistics_calls c2:",
        "skipped statistics_call_devices 2: unknown invite_terminated_state \"exploded\"",
        "skipped vcards_storage of account 10: not one vCard with a UID",
    ] {
        assert!(errors.contains(line), "{line} in {errors}");
    }
    assert_eq!(
        errors.lines().filter(|l| l.starts_with("skipped ")).count(),
        17,
        "{errors}"
    );
    assert!(errors.contains("client_secret"), "{errors}");

    let (ok, second, errors) = import(ours.url(), original.url());
    assert!(ok, "{errors}");
    for (what, want) in [
        ("spaces", (0, 2, 0)),
        ("accounts", (0, 3, 1)),
        ("type attachments", (0, 2, 0)),
        ("dictionary entries", (0, 2, 0)),
        ("contacts", (0, 2, 0)),
        ("oidc configurations", (0, 1, 0)),
        ("api keys", (0, 2, 2)),
        ("account actions", (0, 1, 1)),
        ("contacts lists", (0, 1, 1)),
        ("list members", (0, 1, 1)),
        ("list attachments", (0, 1, 0)),
        ("tombstones", (0, 1, 1)),
        ("phone countries", (0, 3, 2)),
        ("call forwardings", (0, 2, 1)),
        ("external accounts", (0, 1, 1)),
        ("message statistics", (0, 1, 1)),
        ("message devices", (0, 1, 1)),
        ("call statistics", (0, 1, 1)),
        ("call devices", (0, 1, 1)),
        ("vcards", (0, 1, 1)),
        ("carddav servers", (0, 1, 0)),
        ("carddav credentials", (0, 1, 0)),
    ] {
        assert_eq!(counts(&second, what), want, "{what}: {second}");
    }

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
    // A clear-text password is hashed with its space's algorithm and realm.
    assert_eq!(
        passwords(ours.url(), target, "carol", "team.example.net")
            .await
            .unwrap(),
        [(
            Password::from_clear(
                PasswordAlgorithm::Sha256,
                "carol",
                "team.example.net",
                "carol clear text"
            )
            .hash,
            "SHA-256".to_owned()
        )]
    );

    // API keys, hashed on the way, of the kind they were.
    let admin_key = storage
        .api_key_by_hash(&hash_api_key("adminkeyofalice0000000000000000000000000"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (admin_key.account_id, &admin_key.kind),
        (alice.id, &ApiKeyKind::Admin)
    );
    assert_eq!(admin_key.requests, 12);
    assert_eq!(
        admin_key.last_used_at.to_rfc3339(),
        "2023-01-01T00:00:00+00:00"
    );
    let user_key = storage
        .api_key_by_hash(&hash_api_key("userkeyofbob0000000000000000000000000000"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (user_key.account_id, user_key.kind),
        (
            bob.id,
            ApiKeyKind::User {
                ip: "192.0.2.2".into()
            }
        )
    );

    let actions = storage.account_actions(alice.id).await.unwrap();
    assert_eq!(
        actions
            .iter()
            .map(|a| (a.key.as_str(), a.code.as_str()))
            .collect::<Vec<_>>(),
        [("open_door", "12ab")]
    );

    let lists = storage.contacts_lists_of(space.id).await.unwrap();
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0].title.as_str(), "Team list");
    assert_eq!(lists[0].contacts_count, 1);
    let everyone: Vec<_> = storage
        .all_contacts_of(alice.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(everyone, [bob.id]);

    assert!(
        storage
            .is_tombstoned(&Username::parse("dave").unwrap(), &example)
            .await
            .unwrap()
    );

    for (code, activated) in [("FR", true), ("US", true), ("CA", true), ("DE", false)] {
        let country = storage.phone_country(code).await.unwrap().unwrap();
        assert_eq!(country.activated, activated, "{code}");
    }

    let team_space = storage.space_by_domain(&team).await.unwrap().unwrap();
    let jwt = team_space.jwt.expect("the OIDC configuration");
    assert!(jwt.jwt_only);
    assert_eq!(jwt.sip_identifier.as_deref(), Some("preferred_username"));
    assert_eq!(jwt.server_url.as_deref(), Some("https://sso.example.net"));
    assert!(space.jwt.is_none());

    let forwardings = storage.call_forwardings_of(alice.id).await.unwrap();
    assert_eq!(forwardings.len(), 2);
    assert!(
        forwardings
            .iter()
            .any(|f| f.contact_id == Some(bob.id) && !f.enabled)
    );

    let external = storage.external_account_of(bob.id).await.unwrap().unwrap();
    assert_eq!(
        (external.username.as_str(), external.protocol.as_str()),
        ("bob-ext", "TLS")
    );
    assert!(
        storage
            .external_account_of(alice.id)
            .await
            .unwrap()
            .is_none()
    );

    let message = storage
        .statistics_message(&example, "m1")
        .await
        .unwrap()
        .unwrap();
    assert!(message.encrypted);
    assert_eq!(message.devices.len(), 1);
    let call = storage
        .statistics_call(&example, "c1")
        .await
        .unwrap()
        .unwrap();
    assert!(call.ended_at.is_some());
    assert_eq!(call.devices.len(), 1);
    assert!(call.devices[0].invite_terminated.is_some());

    ours.drop_database().await;
    original.drop_database().await;
}

#[tokio::test]
async fn a_strict_import_fails_on_skipped_rows_and_keeps_what_it_imported() {
    let original = build_original(Backend::Sqlite).await;
    let ours = TestDatabase::create(Backend::Sqlite).await.unwrap();
    let (ok, summary, errors) = import_with(ours.url(), original.url(), &["--strict"]);
    assert!(!ok, "{summary}");
    assert!(
        errors.contains("17 rows were skipped (--strict)"),
        "{errors}"
    );
    assert!(errors.contains("skipped accounts 21:"), "{errors}");
    assert_eq!(counts(&summary, "accounts"), (3, 0, 1), "{summary}");
    let example = Domain::parse("sip.example.org").unwrap();
    assert!(
        ours.storage()
            .account_by_identity(&Username::parse("alice").unwrap(), &example)
            .await
            .unwrap()
            .is_some()
    );
    ours.drop_database().await;
    original.drop_database().await;
}

/// The tables of a database, sorted.
async fn tables(db: &TestDatabase, backend: Backend) -> Vec<String> {
    let url = db.url().to_owned();
    let mut names: Vec<String> = match backend {
        Backend::MySql => {
            let mut c = sqlx::MySqlConnection::connect(&url).await.unwrap();
            sqlx::query_scalar(
                "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
                 WHERE table_schema = DATABASE()",
            )
            .fetch_all(&mut c)
            .await
            .unwrap()
        }
        _ => {
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&mut c)
                .await
                .unwrap()
        }
    };
    names.sort();
    names
}

async fn the_original_schema_is_not_migrated(backend: Backend) {
    let original = build_original(backend).await;
    let before = tables(&original, backend).await;
    for command in [&["migrate"][..], &["serve", "--bind", "127.0.0.1:0"][..]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_flexiapi"))
            .args(["--database", original.url()])
            .args(command)
            .env("FLEXIAPI_LOG", "error")
            .output()
            .unwrap();
        let errors = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{command:?}: {errors}");
        assert!(
            errors.contains("holds the original account manager's schema")
                && errors.contains("import --from"),
            "{command:?}: {errors}"
        );
        assert!(errors.contains("Laravel"), "{errors}");
    }
    // Nothing was written: no table of ours, none of sqlx's.
    assert_eq!(tables(&original, backend).await, before);
    assert!(!before.iter().any(|t| t == "_sqlx_migrations"));
    original.drop_database().await;
}

#[tokio::test]
async fn migrate_and_serve_refuse_an_original_sqlite_database() {
    the_original_schema_is_not_migrated(Backend::Sqlite).await;
}

#[tokio::test]
async fn migrate_and_serve_refuse_an_original_mariadb_database() {
    the_original_schema_is_not_migrated(Backend::MySql).await;
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
