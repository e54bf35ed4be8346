//! Each account's external account.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{AccountId, NewExternalAccount, PasswordAlgorithm, SipProtocol};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn external(user: &str, d: &str, password: Option<&str>) -> NewExternalAccount {
    NewExternalAccount {
        username: user.into(),
        domain: d.into(),
        password: password.map(str::to_owned),
        algorithm: PasswordAlgorithm::Md5,
        realm: Some("realm".into()),
        registrar: Some("registrar.example.net".into()),
        outbound_proxy: None,
        protocol: SipProtocol::Tls,
    }
}

pub async fn external_accounts_are_created_replaced_and_deleted(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    assert!(s.external_account_of(alice).await.unwrap().is_none());

    let (created, was_created) = s
        .put_external_account(alice, &external("a", "provider.net", Some("ha1-a")), t0())
        .await
        .unwrap();
    assert!(was_created);
    assert_eq!(created.account_id, alice);
    assert_eq!(created.username, "a");
    assert_eq!(created.domain, "provider.net");
    assert_eq!(created.password, "ha1-a");
    assert_eq!(created.algorithm, PasswordAlgorithm::Md5);
    assert_eq!(created.realm.as_deref(), Some("realm"));
    assert_eq!(created.registrar.as_deref(), Some("registrar.example.net"));
    assert_eq!(created.outbound_proxy, None);
    assert_eq!(created.protocol, SipProtocol::Tls);
    assert_eq!(created.created_at, t0());
    assert_eq!(created.updated_at, t0());
    assert_eq!(s.external_account_of(alice).await.unwrap(), Some(created.clone()));
    assert!(s.external_account_of(bob).await.unwrap().is_none());

    // Replacing keeps the id, the creation time and, without a new one, the HA1.
    let mut changed = external("a2", "10.0.0.1", None);
    changed.realm = None;
    changed.outbound_proxy = Some("edge.provider.net".into());
    changed.protocol = SipProtocol::Udp;
    let (replaced, was_created) = s
        .put_external_account(alice, &changed, t0() + secs(5))
        .await
        .unwrap();
    assert!(!was_created);
    assert_eq!(replaced.id, created.id);
    assert_eq!(replaced.created_at, t0());
    assert_eq!(replaced.updated_at, t0() + secs(5));
    assert_eq!(replaced.password, "ha1-a");
    assert_eq!(
        (replaced.username.as_str(), replaced.domain.as_str()),
        ("a2", "10.0.0.1")
    );
    assert_eq!(replaced.realm, None);
    assert_eq!(replaced.outbound_proxy.as_deref(), Some("edge.provider.net"));
    assert_eq!(replaced.protocol, SipProtocol::Udp);
    let (rehashed, _) = s
        .put_external_account(alice, &external("a2", "10.0.0.1", Some("ha1-b")), t0())
        .await
        .unwrap();
    assert_eq!(rehashed.password, "ha1-b");

    assert_eq!(
        s.delete_external_account(alice).await.unwrap().map(|e| e.id),
        Some(created.id)
    );
    assert!(s.delete_external_account(alice).await.unwrap().is_none());
    assert!(s.external_account_of(alice).await.unwrap().is_none());
}

pub async fn an_external_address_belongs_to_one_account_and_a_missing_one_is_not_found(
    s: Arc<dyn Storage>,
) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let carol = account(&s, "carol", "other.org").await;
    s.put_external_account(alice, &external("a", "provider.net", Some("h")), t0())
        .await
        .unwrap();
    // Across spaces too: the B2BUA keys every external account by its address.
    assert_conflict(
        s.put_external_account(carol, &external("a", "provider.net", Some("h")), t0())
            .await,
        Conflict::ExternalAccountIdentity,
    );
    assert!(s.external_account_of(carol).await.unwrap().is_none());
    // The owner may write its own address again.
    s.put_external_account(alice, &external("a", "provider.net", None), t0())
        .await
        .unwrap();
    s.put_external_account(carol, &external("a", "other.net", Some("h")), t0())
        .await
        .unwrap();

    assert!(matches!(
        s.put_external_account(AccountId(alice.0 + 1000), &external("z", "p.net", Some("h")), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    let bob = account(&s, "bob", "example.org").await;
    // No HA1 to keep on creation.
    assert!(matches!(
        s.put_external_account(bob, &external("b", "provider.net", None), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(s.external_account_of(bob).await.unwrap().is_none());
}

pub async fn deleting_the_account_or_its_space_deletes_its_external_account(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let carol = account(&s, "carol", "other.org").await;
    s.put_external_account(alice, &external("a", "provider.net", Some("h")), t0())
        .await
        .unwrap();
    s.put_external_account(carol, &external("c", "provider.net", Some("h")), t0())
        .await
        .unwrap();
    assert!(s.delete_account(alice, t0()).await.unwrap());
    assert!(s.external_account_of(alice).await.unwrap().is_none());
    // Its address is free again.
    let dave = account(&s, "dave", "example.org").await;
    s.put_external_account(dave, &external("a", "provider.net", Some("h")), t0())
        .await
        .unwrap();

    assert!(s.delete_space(&domain("other.org")).await.unwrap());
    assert!(s.external_account_of(carol).await.unwrap().is_none());
    assert!(s.external_account_of(dave).await.unwrap().is_some());
}

pub async fn concurrent_puts_for_one_account_leave_one_external_account(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let mut tasks = JoinSet::new();
    for i in 0..12 {
        let s = s.clone();
        tasks.spawn(async move {
            s.put_external_account(alice, &external(&format!("u{i}"), "provider.net", Some("h")), t0())
                .await
        });
    }
    let mut creations = 0;
    while let Some(outcome) = tasks.join_next().await {
        let (_, created) = outcome.expect("task").expect("put_external_account");
        creations += usize::from(created);
    }
    assert_eq!(creations, 1);
    let stored = s.external_account_of(alice).await.unwrap().unwrap();
    assert!(stored.username.starts_with('u'));
}

crate::register_cases! {
    external_accounts_are_created_replaced_and_deleted,
    an_external_address_belongs_to_one_account_and_a_missing_one_is_not_found,
    deleting_the_account_or_its_space_deletes_its_external_account,
    concurrent_puts_for_one_account_leave_one_external_account,
}
