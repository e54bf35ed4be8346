//! Auth tokens: attachment, single take, purges and space isolation.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::AuthToken;
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

pub async fn auth_tokens_are_attached_once_and_taken_once(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let token = auth_token("tok", t0());
    s.create_auth_token(token.clone()).await.unwrap();
    assert_conflict(
        s.create_auth_token(token.clone()).await,
        Conflict::AuthToken,
    );

    let mut read = s
        .auth_token("tok", &domain("example.org"))
        .await
        .unwrap()
        .unwrap();
    read.created_at = ms(read.created_at);
    assert_eq!(
        read,
        AuthToken {
            created_at: ms(t0()),
            ..token.clone()
        }
    );
    assert!(
        s.auth_token("missing", &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );
    // Not attached yet: nothing to take.
    assert!(
        s.take_attached_auth_token("tok", &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );

    assert!(
        s.attach_auth_token("tok", &domain("example.org"), alice)
            .await
            .unwrap()
    );
    assert!(
        !s.attach_auth_token("tok", &domain("example.org"), bob)
            .await
            .unwrap()
    );
    assert!(
        !s.attach_auth_token("missing", &domain("example.org"), bob)
            .await
            .unwrap()
    );
    assert_eq!(
        s.auth_token("tok", &domain("example.org"))
            .await
            .unwrap()
            .unwrap()
            .account_id,
        Some(alice)
    );

    let taken = s
        .take_attached_auth_token("tok", &domain("example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.account_id, Some(alice));
    assert_eq!(taken.token, "tok");
    assert!(
        s.take_attached_auth_token("tok", &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.auth_token("tok", &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn concurrent_takes_of_a_token_let_one_win(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    s.create_auth_token(auth_token("tok", t0())).await.unwrap();
    assert!(
        s.attach_auth_token("tok", &domain("example.org"), alice)
            .await
            .unwrap()
    );
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let s = s.clone();
        tasks.spawn(async move {
            s.take_attached_auth_token("tok", &domain("example.org"))
                .await
        });
    }
    let mut wins = 0;
    while let Some(outcome) = tasks.join_next().await {
        if let Some(t) = outcome.expect("task").expect("take") {
            assert_eq!(t.account_id, Some(alice));
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
}

pub async fn purging_auth_tokens_removes_old_ones(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    s.create_auth_token(auth_token("old", t0())).await.unwrap();
    s.create_auth_token(auth_token("new", t0() + secs(300)))
        .await
        .unwrap();
    assert_eq!(s.purge_auth_tokens(t0() + secs(60)).await.unwrap(), 1);
    assert!(
        s.auth_token("old", &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.auth_token("new", &domain("example.org"))
            .await
            .unwrap()
            .is_some()
    );
}

pub async fn auth_tokens_belong_to_their_space(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let (ex, other) = (domain("example.org"), domain("other.org"));
    let alice = account(&s, "alice", "example.org").await;
    s.create_auth_token(auth_token("tok", t0())).await.unwrap();
    assert!(s.auth_token("tok", &other).await.unwrap().is_none());
    assert!(!s.attach_auth_token("tok", &other, alice).await.unwrap());
    assert_eq!(
        s.auth_token("tok", &ex).await.unwrap().unwrap().account_id,
        None
    );
    assert!(s.attach_auth_token("tok", &ex, alice).await.unwrap());
    // Taking it on another space fails and leaves it for its own.
    assert!(
        s.take_attached_auth_token("tok", &other)
            .await
            .unwrap()
            .is_none()
    );
    let taken = s
        .take_attached_auth_token("tok", &ex)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((taken.domain, taken.account_id), (ex.clone(), Some(alice)));

    let mut nowhere = auth_token("nowhere", t0());
    nowhere.domain = domain("nowhere.org");
    assert!(matches!(
        s.create_auth_token(nowhere).await,
        Err(StoreError::NotFound)
    ));

    s.create_auth_token(auth_token("left", t0())).await.unwrap();
    assert!(s.delete_space(&ex).await.unwrap());
    let mut again = auth_token("left", t0());
    again.domain = other.clone();
    s.create_auth_token(again).await.unwrap();
    assert!(s.auth_token("left", &other).await.unwrap().is_some());
}

crate::register_cases! {
    auth_tokens_are_attached_once_and_taken_once,
    concurrent_takes_of_a_token_let_one_win,
    purging_auth_tokens_removes_old_ones,
    auth_tokens_belong_to_their_space,
}
