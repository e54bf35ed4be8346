//! API keys: lookup by hash, the user key replacement, usage and purges.

use std::sync::Arc;

use flexiapi_domain::error::Conflict;
use flexiapi_domain::model::{ApiKeyKind, ApiKeyUsage};
use flexiapi_domain::ports::Storage;

use crate::support::*;

pub async fn api_keys_are_found_by_hash_and_duplicates_conflict(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let user = s
        .create_api_key(user_key(alice, "hash-u", t0()))
        .await
        .unwrap();
    let admin = s
        .create_api_key(admin_key(alice, "hash-a", t0()))
        .await
        .unwrap();

    assert_eq!(user.account_id, alice);
    assert_eq!(user.requests, 0);
    assert_eq!(ms(user.last_used_at), ms(t0()));
    assert_eq!(
        user.kind,
        ApiKeyKind::User {
            ip: "198.51.100.7".into()
        }
    );
    assert_eq!(user.name.as_deref(), Some("name of hash-u"));
    let found = s.api_key_by_hash("hash-u").await.unwrap().unwrap();
    assert_eq!(found.id, user.id);
    assert_eq!(found.kind, user.kind);
    assert_eq!(found.name, user.name);
    assert_eq!(ms(found.created_at), ms(t0()));
    assert_eq!(
        s.api_key_by_hash("hash-a").await.unwrap().unwrap().kind,
        ApiKeyKind::Admin
    );
    assert!(s.api_key_by_hash("nope").await.unwrap().is_none());
    let ids: Vec<_> = s
        .api_keys_of(alice)
        .await
        .unwrap()
        .iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(ids, [user.id, admin.id]);

    assert_conflict(
        s.create_api_key(admin_key(alice, "hash-u", t0())).await,
        Conflict::ApiKey,
    );
    assert!(s.delete_api_key(user.id).await.unwrap());
    assert!(!s.delete_api_key(user.id).await.unwrap());
    assert!(s.api_key_by_hash("hash-u").await.unwrap().is_none());
}

pub async fn replacing_the_user_key_keeps_admin_keys(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    s.create_api_key(user_key(alice, "old-1", t0()))
        .await
        .unwrap();
    s.create_api_key(user_key(alice, "old-2", t0()))
        .await
        .unwrap();
    s.create_api_key(admin_key(alice, "admin", t0()))
        .await
        .unwrap();
    s.create_api_key(user_key(bob, "bobs", t0())).await.unwrap();

    let new = s
        .replace_user_api_key(user_key(alice, "new", t0()))
        .await
        .unwrap();

    let mut hashes: Vec<_> = s
        .api_keys_of(alice)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.key_hash)
        .collect();
    hashes.sort();
    assert_eq!(hashes, ["admin", "new"]);
    assert_eq!(s.api_key_by_hash("new").await.unwrap().unwrap().id, new.id);
    assert!(s.api_key_by_hash("bobs").await.unwrap().is_some());
}

pub async fn usage_adds_requests_and_keeps_the_latest_use(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let key = s.create_api_key(user_key(alice, "k", t0())).await.unwrap();
    let gone = s
        .create_api_key(user_key(alice, "gone", t0()))
        .await
        .unwrap();
    s.delete_api_key(gone.id).await.unwrap();
    let late = t0() + secs(600);

    s.record_api_key_usage(&[
        ApiKeyUsage {
            id: key.id,
            last_used_at: late,
            requests: 3,
        },
        ApiKeyUsage {
            id: gone.id,
            last_used_at: late,
            requests: 1,
        },
    ])
    .await
    .unwrap();
    s.record_api_key_usage(&[ApiKeyUsage {
        id: key.id,
        last_used_at: t0() + secs(10),
        requests: 4,
    }])
    .await
    .unwrap();
    s.record_api_key_usage(&[]).await.unwrap();

    let stored = s.api_key_by_hash("k").await.unwrap().unwrap();
    assert_eq!(stored.requests, 7);
    assert_eq!(ms(stored.last_used_at), ms(late));
}

pub async fn purging_idle_user_keys_keeps_admin_keys(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    s.create_api_key(user_key(alice, "idle", t0()))
        .await
        .unwrap();
    let busy = s
        .create_api_key(user_key(alice, "busy", t0()))
        .await
        .unwrap();
    s.create_api_key(admin_key(alice, "admin", t0()))
        .await
        .unwrap();
    s.record_api_key_usage(&[ApiKeyUsage {
        id: busy.id,
        last_used_at: t0() + secs(120),
        requests: 1,
    }])
    .await
    .unwrap();

    assert_eq!(
        s.purge_idle_user_api_keys(t0() + secs(60)).await.unwrap(),
        1
    );

    assert!(s.api_key_by_hash("idle").await.unwrap().is_none());
    assert!(s.api_key_by_hash("busy").await.unwrap().is_some());
    assert!(s.api_key_by_hash("admin").await.unwrap().is_some());
}

pub async fn a_key_is_read_with_its_account_and_passwords(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = s
        .create_account(full_account("alice", "example.org"), 0, t0())
        .await
        .unwrap();
    let bob = account(&s, "bob", "example.org").await;
    let user = s
        .create_api_key(user_key(alice.id, "hash-alice", t0()))
        .await
        .unwrap();
    s.create_api_key(admin_key(bob, "hash-bob", t0()))
        .await
        .unwrap();

    let (key, account) = s
        .api_key_with_account("hash-alice")
        .await
        .unwrap()
        .expect("alice's key");
    assert_eq!(key.id, user.id);
    assert_eq!(key.kind, user.kind);
    assert_eq!(key.name, user.name);
    assert_eq!(key.requests, user.requests);
    assert_eq!(ms(key.last_used_at), ms(user.last_used_at));
    assert_eq!(ms(key.created_at), ms(user.created_at));
    assert_eq!(account.passwords.len(), 2, "both algorithms, one row each");
    assert_eq!(
        norm(account),
        norm(s.account_by_id(alice.id).await.unwrap().unwrap())
    );

    let (key, account) = s
        .api_key_with_account("hash-bob")
        .await
        .unwrap()
        .expect("bob's key");
    assert_eq!((key.kind, account.id), (ApiKeyKind::Admin, bob));
    assert_eq!(
        norm(account),
        norm(s.account_by_id(bob).await.unwrap().unwrap())
    );
    assert!(s.api_key_with_account("nope").await.unwrap().is_none());
}

crate::register_cases! {
    api_keys_are_found_by_hash_and_duplicates_conflict,
    a_key_is_read_with_its_account_and_passwords,
    replacing_the_user_key_keeps_admin_keys,
    usage_adds_requests_and_keeps_the_latest_use,
    purging_idle_user_keys_keeps_admin_keys,
}
