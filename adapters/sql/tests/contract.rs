//! The repository contract suite on SQLite, PostgreSQL and MySQL/MariaDB, each test on a fresh
//! database dropped afterwards; plus the queries Flexisip itself runs against `accounts` and
//! `passwords`.

use std::sync::Arc;

use flexiapi_adapters_sql::Backend;
use flexiapi_adapters_sql::testing::TestDatabase;
use flexiapi_contract::Fixture;
use flexiapi_domain::ports::Storage;

/// A per-test database as a contract fixture.
struct Db(TestDatabase);

impl Fixture for Db {
    fn storage(&self) -> Arc<dyn Storage> {
        self.0.storage()
    }

    async fn teardown(self) {
        self.0.drop_database().await;
    }
}

async fn fresh(backend: Backend) -> Db {
    match TestDatabase::create(backend).await {
        Ok(db) => Db(db),
        Err(e) => panic!("cannot create a {backend:?} test database: {e}"),
    }
}

mod sqlite {
    use super::*;

    #[tokio::test]
    async fn a_bad_row_is_a_backend_error_not_a_panic() {
        extra::bad_password_row(fresh(Backend::Sqlite).await).await;
    }

    #[tokio::test]
    async fn a_relative_sqlite_path_is_created() {
        let name = format!("flexiapi-rel-{}.sqlite", std::process::id());
        let db = flexiapi_adapters_sql::SqlDatabase::connect(&format!("sqlite://{name}"))
            .await
            .expect("relative sqlite URL");
        db.migrate().await.unwrap();
        db.close().await;
        let existed = std::path::Path::new(&name).exists();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{name}{suffix}"));
        }
        assert!(existed, "{name} was created in the working directory");
    }

    flexiapi_contract::storage_contract_tests!(fresh(Backend::Sqlite));

    #[tokio::test]
    async fn flexisip_queries_read_accounts_and_passwords() {
        flexisip::check(fresh(Backend::Sqlite).await).await;
    }

    #[tokio::test]
    async fn migrations_run_twice_and_a_closed_pool_is_unavailable() {
        extra::migrate_twice_then_close(fresh(Backend::Sqlite).await).await;
    }

    #[tokio::test]
    async fn migrating_restores_missing_phone_countries_and_keeps_activations() {
        extra::phone_countries_are_seeded_from_the_domain(fresh(Backend::Sqlite).await).await;
    }

    #[tokio::test]
    async fn a_failure_mid_transaction_leaves_nothing_behind() {
        extra::a_failure_mid_transaction_leaves_nothing_behind(fresh(Backend::Sqlite).await).await;
    }
}

mod postgres {
    use super::*;
    flexiapi_contract::storage_contract_tests!(fresh(Backend::Postgres));

    #[tokio::test]
    async fn flexisip_queries_read_accounts_and_passwords() {
        flexisip::check(fresh(Backend::Postgres).await).await;
    }

    #[tokio::test]
    async fn migrations_run_twice_and_a_closed_pool_is_unavailable() {
        extra::migrate_twice_then_close(fresh(Backend::Postgres).await).await;
    }

    #[tokio::test]
    async fn migrating_restores_missing_phone_countries_and_keeps_activations() {
        extra::phone_countries_are_seeded_from_the_domain(fresh(Backend::Postgres).await).await;
    }

    #[tokio::test]
    async fn a_failure_mid_transaction_leaves_nothing_behind() {
        extra::a_failure_mid_transaction_leaves_nothing_behind(fresh(Backend::Postgres).await)
            .await;
    }
}

mod mysql {
    use super::*;

    #[tokio::test]
    async fn a_mariadb_url_is_served_by_the_mysql_backend() {
        let db = fresh(Backend::MySql).await;
        let url = db.0.url().replacen("mysql:", "mariadb:", 1);
        let other = flexiapi_adapters_sql::SqlDatabase::connect(&url).await;
        let outcome = other.map(|o| (o.backend(), o));
        db.teardown().await;
        let (backend, other) = outcome.expect("mariadb:// connects");
        assert_eq!(backend, Backend::MySql);
        other.close().await;
    }

    flexiapi_contract::storage_contract_tests!(fresh(Backend::MySql));

    #[tokio::test]
    async fn flexisip_queries_read_accounts_and_passwords() {
        flexisip::check(fresh(Backend::MySql).await).await;
    }

    #[tokio::test]
    async fn migrations_run_twice_and_a_closed_pool_is_unavailable() {
        extra::migrate_twice_then_close(fresh(Backend::MySql).await).await;
    }

    #[tokio::test]
    async fn migrating_restores_missing_phone_countries_and_keeps_activations() {
        extra::phone_countries_are_seeded_from_the_domain(fresh(Backend::MySql).await).await;
    }

    #[tokio::test]
    async fn a_failure_mid_transaction_leaves_nothing_behind() {
        extra::a_failure_mid_transaction_leaves_nothing_behind(fresh(Backend::MySql).await).await;
    }
}

/// The SQL Flexisip is configured with, run verbatim on accounts written by the repositories.
mod flexisip {
    use chrono::Utc;
    use flexiapi_adapters_sql::testing::flexisip::{passwords, users_with_phones};
    use flexiapi_domain::model::{
        DigestConfig, Domain, NewAccount, NewSpace, Password, PasswordAlgorithm, PhoneNumber,
        SpaceSettings, Username,
    };

    use super::{Db, Fixture};

    fn account(user: &str, activated: bool, phone: Option<&str>) -> NewAccount {
        let mut new = NewAccount::new(Username::parse(user).unwrap(), domain());
        new.activated = activated;
        new.phone = phone.map(PhoneNumber::unchecked);
        new.passwords = vec![
            Password::from_clear(PasswordAlgorithm::Md5, user, "sip.example.org", "pw"),
            Password::from_clear(PasswordAlgorithm::Sha256, user, "sip.example.org", "pw"),
        ];
        new
    }

    fn domain() -> Domain {
        Domain::parse("sip.example.org").unwrap()
    }

    pub async fn check(db: Db) {
        let storage = db.storage();
        let url = db.0.url().to_owned();
        let backend = db.0.database().backend();
        let outcome = tokio::spawn(async move {
            storage
                .create_space(
                    NewSpace {
                        domain: domain(),
                        host: "sip.example.org".into(),
                        name: "SIP".into(),
                        super_space: false,
                        max_accounts: 0,
                        expire_at: None,
                        digest: DigestConfig::default(),
                        jwt: None,
                        settings: SpaceSettings::default(),
                    },
                    Utc::now(),
                )
                .await
                .unwrap();
            let alice = account("alice", true, Some("+33611111111"));
            storage
                .create_account(alice.clone(), 0, Utc::now())
                .await
                .unwrap();
            storage
                .create_account(account("bob", false, Some("+33622222222")), 0, Utc::now())
                .await
                .unwrap();
            storage
                .create_account(account("carol", true, None), 0, Utc::now())
                .await
                .unwrap();
            let expect = |alg| {
                alice
                    .passwords
                    .iter()
                    .find(|p| p.algorithm == alg)
                    .unwrap()
                    .hash
                    .clone()
            };
            let mut want = vec![
                (expect(PasswordAlgorithm::Md5), "MD5".to_owned()),
                (expect(PasswordAlgorithm::Sha256), "SHA-256".to_owned()),
            ];
            want.sort();
            let of = |user: &'static str| passwords(&url, backend, user, "sip.example.org");
            assert_eq!(
                of("alice").await.unwrap(),
                want,
                "alice's hashes, one per algorithm"
            );
            assert!(
                of("bob").await.unwrap().is_empty(),
                "a deactivated account yields nothing"
            );
            assert_eq!(
                users_with_phones(&url, backend, "carol", "+33611111111")
                    .await
                    .unwrap(),
                [
                    ("alice".to_owned(), "sip.example.org".to_owned()),
                    ("carol".to_owned(), "sip.example.org".to_owned())
                ]
            );
        })
        .await;
        db.teardown().await;
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

/// Checks beyond the port contract: migrations, pool shutdown, rows edited by hand.
mod extra {
    use chrono::Utc;
    use flexiapi_domain::error::StoreError;
    use flexiapi_domain::model::{Domain, NewAccount, NewSpace, Username};

    use super::{Db, Fixture};

    pub async fn migrate_twice_then_close(db: Db) {
        let again = db.0.database().migrate().await;
        let storage = db.storage();
        db.0.database().close().await;
        let ping = storage.ping().await;
        db.teardown().await;
        again.expect("a second migration run is harmless");
        assert!(matches!(ping, Err(StoreError::Unavailable(_))), "{ping:?}");
    }

    /// The domain's list seeds the table at every migration: rows missing (here deleted by hand,
    /// as a country added to the list after a database was created) come back deactivated, and
    /// an admin's activations stay.
    pub async fn phone_countries_are_seeded_from_the_domain(db: Db) {
        use flexiapi_domain::model::PHONE_COUNTRIES;
        let storage = db.storage();
        let url = db.0.url().to_owned();
        let backend = db.0.database().backend();
        let outcome = async {
            storage
                .set_phone_countries_activated("33", true)
                .await
                .unwrap();
            storage
                .set_phone_countries_activated("1", true)
                .await
                .unwrap();
            exec(
                &url,
                backend,
                &["DELETE FROM phone_countries WHERE code IN ('US', 'BE', 'ZW')"],
            )
            .await;
            assert!(storage.phone_country("US").await.unwrap().is_none());
            db.0.database().migrate().await.unwrap();
            storage.list_phone_countries().await.unwrap()
        }
        .await;
        db.teardown().await;
        let listed: Vec<(&str, &str)> = outcome
            .iter()
            .map(|c| (c.code.as_str(), c.country_code.as_str()))
            .collect();
        assert_eq!(listed, PHONE_COUNTRIES);
        let active: Vec<&str> = outcome
            .iter()
            .filter(|c| c.activated)
            .map(|c| c.code.as_str())
            .collect();
        assert!(
            active.contains(&"FR") && active.contains(&"CA"),
            "{active:?}"
        );
        for restored in ["US", "BE", "ZW"] {
            assert!(
                !active.contains(&restored),
                "{restored} comes back deactivated"
            );
        }
    }

    pub async fn bad_password_row(db: Db) {
        let storage = db.storage();
        let d = Domain::parse("example.org").unwrap();
        storage
            .create_space(
                NewSpace {
                    domain: d.clone(),
                    host: "example.org".into(),
                    name: "x".into(),
                    super_space: false,
                    max_accounts: 0,
                    expire_at: None,
                    digest: Default::default(),
                    jwt: None,
                    settings: Default::default(),
                },
                Utc::now(),
            )
            .await
            .unwrap();
        let id = storage
            .create_account(
                NewAccount::new(Username::parse("a").unwrap(), d),
                0,
                Utc::now(),
            )
            .await
            .unwrap()
            .id;
        let url = db.0.url().to_owned();
        let outcome = async {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query(
                "INSERT INTO passwords (account_id, password, algorithm) VALUES (?, 'x', 'CLRTXT')",
            )
            .bind(id.0)
            .execute(&mut c)
            .await
            .unwrap();
            c.close().await.unwrap();
            storage.account_by_id(id).await
        }
        .await;
        db.teardown().await;
        assert!(
            matches!(outcome, Err(StoreError::Backend(_))),
            "{outcome:?}"
        );
    }

    /// Runs statements on a connection of its own (test setup beyond the ports).
    async fn exec(url: &str, backend: flexiapi_adapters_sql::Backend, statements: &[&str]) {
        use flexiapi_adapters_sql::Backend;
        use sqlx::{AssertSqlSafe, Connection};
        macro_rules! run {
            ($conn:ty) => {{
                let mut c = <$conn>::connect(url).await.unwrap();
                for s in statements {
                    sqlx::raw_sql(AssertSqlSafe(s.to_string()))
                        .execute(&mut c)
                        .await
                        .unwrap();
                }
                c.close().await.unwrap();
            }};
        }
        match backend {
            Backend::Sqlite => run!(sqlx::SqliteConnection),
            Backend::Postgres => run!(sqlx::PgConnection),
            Backend::MySql => run!(sqlx::MySqlConnection),
        }
    }

    /// A trigger that refuses `event` on `table`, in the backend's dialect.
    fn failing_trigger(
        backend: flexiapi_adapters_sql::Backend,
        name: &str,
        event: &str,
        table: &str,
    ) -> Vec<String> {
        use flexiapi_adapters_sql::Backend;
        match backend {
            Backend::Sqlite => vec![format!(
                "CREATE TRIGGER {name} BEFORE {event} ON {table} \
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            )],
            Backend::Postgres => vec![
                "CREATE OR REPLACE FUNCTION injected_failure() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql"
                    .to_owned(),
                format!(
                    "CREATE TRIGGER {name} BEFORE {event} ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION injected_failure()"
                ),
            ],
            Backend::MySql => vec![format!(
                "CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW \
                 SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'"
            )],
        }
    }

    /// A failure in the middle of a multi-row change (injected by a trigger on the last table
    /// the change writes) leaves nothing of it behind.
    pub async fn a_failure_mid_transaction_leaves_nothing_behind(db: Db) {
        let storage = db.storage();
        let url = db.0.url().to_owned();
        let backend = db.0.database().backend();
        let outcome = tokio::spawn(async move {
            let d = Domain::parse("example.org").unwrap();
            storage
                .create_space(
                    NewSpace {
                        domain: d.clone(),
                        host: "example.org".into(),
                        name: "x".into(),
                        super_space: false,
                        max_accounts: 0,
                        expire_at: None,
                        digest: Default::default(),
                        jwt: None,
                        settings: Default::default(),
                    },
                    Utc::now(),
                )
                .await
                .unwrap();
            let with_everything = |user: &str| {
                let mut new = NewAccount::new(Username::parse(user).unwrap(), d.clone());
                new.passwords = vec![flexiapi_domain::model::Password::from_clear(
                    flexiapi_domain::model::PasswordAlgorithm::Sha256,
                    user,
                    "example.org",
                    "secret",
                )];
                new.dictionary = [("k".to_owned(), "v".to_owned())].into();
                new
            };
            let kept = storage
                .create_account(with_everything("kept"), 0, Utc::now())
                .await
                .unwrap();

            // Account creation: the dictionary is written last.
            let trigger = failing_trigger(
                backend,
                "no_dictionary",
                "INSERT",
                "account_dictionary_entries",
            );
            exec(
                &url,
                backend,
                &trigger.iter().map(String::as_str).collect::<Vec<_>>(),
            )
            .await;
            let failed = storage
                .create_account(with_everything("ghost"), 0, Utc::now())
                .await;
            assert!(failed.is_err());
            assert!(
                storage
                    .account_by_identity(&Username::parse("ghost").unwrap(), &d)
                    .await
                    .unwrap()
                    .is_none(),
                "no account without its dictionary"
            );
            // Account update with a new dictionary: nothing of the update stays.
            let mut changes = flexiapi_domain::model::AccountChanges::unchanged(&kept);
            changes.display_name = Some("Changed".into());
            changes.passwords = Some(Vec::new());
            changes.dictionary = Some([("other".to_owned(), "x".to_owned())].into());
            assert!(
                storage
                    .update_account(kept.id, changes, Utc::now())
                    .await
                    .is_err()
            );
            let after = storage.account_by_id(kept.id).await.unwrap().unwrap();
            assert_eq!(after.display_name, None);
            assert_eq!(after.passwords.len(), 1, "passwords untouched");
            assert_eq!(storage.dictionary_of(kept.id).await.unwrap().len(), 1);

            // Space deletion: the space row goes last, after its accounts.
            let trigger = failing_trigger(backend, "no_space_deletion", "DELETE", "spaces");
            exec(
                &url,
                backend,
                &trigger.iter().map(String::as_str).collect::<Vec<_>>(),
            )
            .await;
            assert!(storage.delete_space(&d).await.is_err());
            assert!(storage.space_by_domain(&d).await.unwrap().is_some());
            assert!(
                storage.account_by_id(kept.id).await.unwrap().is_some(),
                "accounts kept"
            );
            assert_eq!(storage.count_accounts(&d).await.unwrap(), 1);
        })
        .await;
        db.teardown().await;
        if let Err(e) = outcome {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}
