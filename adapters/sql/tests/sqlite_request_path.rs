//! SQLite's request path runs on the calling thread and never waits for a lock: while another
//! connection holds the write lock, reads still answer (WAL) and nonce writes go through sqlx's
//! writer, which waits, instead of failing or holding the runtime thread.

use std::time::Duration;

use chrono::Utc;
use flexiapi_adapters_sql::Backend;
use flexiapi_adapters_sql::testing::TestDatabase;
use flexiapi_domain::model::DigestNonce;

fn nonce(opaque: &str) -> DigestNonce {
    DigestNonce {
        opaque: opaque.into(),
        nonce: format!("nonce-{opaque}"),
        username: "alice".into(),
        domain: "sip.example.org".into(),
        ip: "192.0.2.1".into(),
        nc: 0,
        uses: 0,
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn a_busy_database_delays_nonce_writes_without_failing_them() {
    let db = TestDatabase::create(Backend::Sqlite)
        .await
        .expect("test database");
    let storage = db.storage();
    storage.insert_nonce(nonce("op")).await.unwrap();
    let path = db
        .url()
        .strip_prefix("sqlite://")
        .expect("a SQLite file URL")
        .to_owned();
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();

    // Reads answer while another connection holds the write lock.
    let read = storage.nonce_by_opaque("op").await.unwrap().unwrap();
    assert_eq!(read.nc, 0);

    let advancing = tokio::spawn({
        let storage = storage.clone();
        async move { storage.advance_nonce("op", 1).await }
    });
    let inserting = tokio::spawn({
        let storage = storage.clone();
        async move { storage.insert_nonce(nonce("second")).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!advancing.is_finished(), "the write waits for the lock");
    assert!(!inserting.is_finished(), "the write waits for the lock");
    blocker.execute_batch("COMMIT").unwrap();

    assert!(advancing.await.unwrap().unwrap());
    inserting.await.unwrap().unwrap();
    assert_eq!(storage.nonce_by_opaque("op").await.unwrap().unwrap().nc, 1);
    assert!(storage.nonce_by_opaque("second").await.unwrap().is_some());
    db.drop_database().await;
}

/// The request path reads rows by column position, sqlx by column name: both read every column
/// of these rows alike. Each row has a value of its own in every column (each account a different
/// one of its flags set), so a column read in another's place shows.
#[tokio::test]
async fn the_request_path_reads_every_column_as_sqlx_does() {
    use chrono::{Duration as TimeDelta, TimeZone};
    use flexiapi_domain::model::{
        AccountChanges, AccountQuery, ApiKeyKind, Domain, DtmfProtocol, Email, NewAccount,
        NewApiKey, NewProvisioningToken, NewSpace, Password, PasswordAlgorithm, PhoneNumber,
        Username,
    };

    let db = TestDatabase::create(Backend::Sqlite)
        .await
        .expect("test database");
    let storage = db.storage();
    let domain = Domain::parse("sip.example.org").unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap() + TimeDelta::microseconds(1);
    storage
        .create_space(
            NewSpace {
                domain: domain.clone(),
                host: "sip.example.org".into(),
                name: "Example".into(),
                super_space: false,
                max_accounts: 0,
                expire_at: None,
                digest: Default::default(),
                jwt: None,
                settings: Default::default(),
            },
            t0,
        )
        .await
        .unwrap();

    let flags = [
        (true, false, false),
        (false, true, false),
        (false, false, true),
    ];
    let mut ids = Vec::new();
    for (i, (activated, blocked, admin)) in flags.into_iter().enumerate() {
        let account = storage
            .create_account(
                NewAccount {
                    email: Some(Email::parse(&format!("user{i}@example.org")).unwrap()),
                    display_name: Some(format!("User {i}")),
                    activated,
                    blocked,
                    admin,
                    dtmf_protocol: Some(DtmfProtocol::parse("rfc2833").unwrap()),
                    phone: Some(PhoneNumber::parse(&format!("+3361234567{i}")).unwrap()),
                    ip_address: Some(format!("192.0.2.{i}")),
                    user_agent: Some(format!("agent/{i}")),
                    passwords: vec![
                        Password {
                            algorithm: PasswordAlgorithm::Sha256,
                            hash: format!("sha256-{i}"),
                        },
                        Password {
                            algorithm: PasswordAlgorithm::Md5,
                            hash: format!("md5-{i}"),
                        },
                    ],
                    ..NewAccount::new(
                        Username::parse(&format!("user{i}")).unwrap(),
                        domain.clone(),
                    )
                },
                0,
                t0,
            )
            .await
            .unwrap();
        // `updated_at` and `deactivated_at` apart from `created_at`.
        let changes = AccountChanges {
            deactivated_at: Some(t0 + TimeDelta::days(2)),
            ..AccountChanges::unchanged(&account)
        };
        storage
            .update_account(account.id, changes, t0 + TimeDelta::days(1))
            .await
            .unwrap();
        ids.push(account.id);
    }

    // sqlx's reading of the accounts, with their passwords.
    let listed = storage
        .list_accounts(&AccountQuery {
            domain: domain.clone(),
            search: None,
            page: 1,
            per_page: 10,
        })
        .await
        .unwrap()
        .items;
    assert_eq!(listed.len(), 3);
    for expected in &listed {
        assert_eq!(expected.passwords.len(), 2);
        assert_ne!(expected.created_at, expected.updated_at);
        assert!(expected.deactivated_at.is_some());
        let by_id = storage.account_by_id(expected.id).await.unwrap();
        assert_eq!(by_id.as_ref(), Some(expected));
        let by_identity = storage
            .account_by_identity(&expected.username, &expected.domain)
            .await
            .unwrap();
        assert_eq!(by_identity.as_ref(), Some(expected));
    }

    let key = storage
        .create_api_key(NewApiKey {
            account_id: ids[1],
            key_hash: "hash-of-the-key".into(),
            name: Some("laptop".into()),
            kind: ApiKeyKind::User {
                ip: "198.51.100.7".into(),
            },
            created_at: t0 + TimeDelta::hours(3),
        })
        .await
        .unwrap();
    storage
        .record_api_key_usage(&[flexiapi_domain::model::ApiKeyUsage {
            id: key.id,
            requests: 5,
            last_used_at: t0 + TimeDelta::hours(4),
        }])
        .await
        .unwrap();
    let sqlx_keys = storage.api_keys_of(ids[1]).await.unwrap();
    assert_eq!(sqlx_keys.len(), 1);
    assert_eq!(sqlx_keys[0].requests, 5);
    assert_ne!(sqlx_keys[0].last_used_at, sqlx_keys[0].created_at);
    assert_eq!(
        storage.api_key_by_hash("hash-of-the-key").await.unwrap(),
        Some(sqlx_keys[0].clone())
    );

    let mut sent = nonce("every-column");
    sent.nc = 3;
    sent.uses = 7;
    sent.created_at = t0 + TimeDelta::minutes(5);
    storage.insert_nonce(sent.clone()).await.unwrap();
    assert_eq!(
        storage.nonce_by_opaque("every-column").await.unwrap(),
        Some(sent)
    );

    storage
        .create_provisioning_token(
            NewProvisioningToken {
                account_id: ids[2],
                token: "provisioning-token".into(),
                ip: Some("203.0.113.9".into()),
                user_agent: Some("provisioner/1".into()),
            },
            t0 + TimeDelta::hours(6),
        )
        .await
        .unwrap();
    let sqlx_token = storage.current_provisioning_token(ids[2]).await.unwrap();
    assert!(sqlx_token.is_some());
    let details = storage.account_details(&ids).await.unwrap();
    assert_eq!(details[&ids[2]].provisioning_token, sqlx_token);
    assert_eq!(details[&ids[0]].provisioning_token, None);
    db.drop_database().await;
}
