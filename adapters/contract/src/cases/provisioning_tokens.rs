//! Provisioning tokens: retirement of older ones, single use and the issue cutoff.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{AccountId, ProvisioningToken};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn norm_provisioning(mut t: ProvisioningToken) -> ProvisioningToken {
    t.created_at = ms(t.created_at);
    t
}

pub async fn a_new_provisioning_token_retires_the_previous_ones(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    assert!(s.current_provisioning_token(alice).await.unwrap().is_none());

    let first = s
        .create_provisioning_token(provisioning_token(alice, "first"), t0())
        .await
        .unwrap();
    assert!(!first.used);
    assert_eq!(first.token, "first");
    assert_eq!(first.ip.as_deref(), Some("203.0.113.11"));
    assert_eq!(ms(first.created_at), ms(t0()));
    assert_eq!(
        s.current_provisioning_token(alice)
            .await
            .unwrap()
            .map(norm_provisioning),
        Some(norm_provisioning(first.clone()))
    );
    let bobs = s
        .create_provisioning_token(provisioning_token(bob, "bobs"), t0())
        .await
        .unwrap();
    let second = s
        .create_provisioning_token(provisioning_token(alice, "second"), t0() + secs(1))
        .await
        .unwrap();

    assert_eq!(
        s.current_provisioning_token(alice)
            .await
            .unwrap()
            .unwrap()
            .id,
        second.id
    );
    assert_eq!(
        s.current_provisioning_token(bob).await.unwrap().unwrap().id,
        bobs.id
    );
    // The first one was retired by the second.
    assert!(
        s.use_provisioning_token("first", None)
            .await
            .unwrap()
            .is_none()
    );
    assert_conflict(
        s.create_provisioning_token(provisioning_token(bob, "second"), t0())
            .await,
        Conflict::ProvisioningToken,
    );
    assert!(matches!(
        s.create_provisioning_token(provisioning_token(AccountId(bob.0 + 1000), "x"), t0())
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_provisioning_token_is_used_once(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let created = s
        .create_provisioning_token(provisioning_token(alice, "tok"), t0())
        .await
        .unwrap();

    let used = s
        .use_provisioning_token("tok", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        norm_provisioning(used),
        norm_provisioning(ProvisioningToken {
            used: true,
            ..created
        })
    );
    assert!(
        s.use_provisioning_token("tok", None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.use_provisioning_token("missing", None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.current_provisioning_token(alice).await.unwrap().is_none());

    s.create_provisioning_token(provisioning_token(alice, "gone"), t0())
        .await
        .unwrap();
    assert!(s.delete_account(alice, t0()).await.unwrap());
    assert!(
        s.use_provisioning_token("gone", None)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn a_provisioning_token_is_read_back_used_or_not(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let created = s
        .create_provisioning_token(provisioning_token(alice, "tok"), t0())
        .await
        .unwrap();
    assert_eq!(
        s.provisioning_token("tok")
            .await
            .unwrap()
            .map(norm_provisioning),
        Some(norm_provisioning(created.clone()))
    );
    assert!(s.provisioning_token("TOK").await.unwrap().is_none());
    assert!(s.provisioning_token("missing").await.unwrap().is_none());
    s.use_provisioning_token("tok", None)
        .await
        .unwrap()
        .unwrap();
    let used = s.provisioning_token("tok").await.unwrap().unwrap();
    assert!(used.used);
    assert_eq!(used.id, created.id);
}

pub async fn a_provisioning_token_issued_before_the_cutoff_is_not_used(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    s.create_provisioning_token(provisioning_token(alice, "tok"), t0())
        .await
        .unwrap();

    // Created at the cutoff is not after it: expired, and left unused.
    assert!(
        s.use_provisioning_token("tok", Some(t0()))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.use_provisioning_token("tok", Some(t0() + secs(60)))
            .await
            .unwrap()
            .is_none()
    );
    assert!(!s.provisioning_token("tok").await.unwrap().unwrap().used);

    let used = s
        .use_provisioning_token("tok", Some(t0() - secs(1)))
        .await
        .unwrap()
        .unwrap();
    assert!(used.used);
    assert!(
        s.use_provisioning_token("tok", Some(t0() - secs(1)))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn concurrent_uses_of_a_provisioning_token_let_one_win(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    s.create_provisioning_token(provisioning_token(alice, "tok"), t0())
        .await
        .unwrap();
    let mut tasks = JoinSet::new();
    for _ in 0..20 {
        let s = s.clone();
        tasks.spawn(async move { s.use_provisioning_token("tok", Some(t0() - secs(1))).await });
    }
    let mut wins = 0;
    while let Some(outcome) = tasks.join_next().await {
        if let Some(t) = outcome.expect("task").expect("use_provisioning_token") {
            assert!(t.used);
            assert_eq!(t.account_id, alice);
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
}

crate::register_cases! {
    a_new_provisioning_token_retires_the_previous_ones,
    a_provisioning_token_is_used_once,
    a_provisioning_token_is_read_back_used_or_not,
    a_provisioning_token_issued_before_the_cutoff_is_not_used,
    concurrent_uses_of_a_provisioning_token_let_one_win,
}
