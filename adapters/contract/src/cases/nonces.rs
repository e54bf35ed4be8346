//! Digest nonces: storage, the forward-only counter and purges.

use std::sync::Arc;

use flexiapi_domain::error::Conflict;
use flexiapi_domain::model::DigestNonce;
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

pub async fn nonces_are_inserted_read_deleted_and_purged(s: Arc<dyn Storage>) {
    let n = nonce("op-1", t0());
    s.insert_nonce(n.clone()).await.unwrap();
    s.insert_nonce(nonce("op-2", t0() + secs(100)))
        .await
        .unwrap();

    let mut read = s.nonce_by_opaque("op-1").await.unwrap().unwrap();
    read.created_at = ms(read.created_at);
    assert_eq!(
        read,
        DigestNonce {
            created_at: ms(t0()),
            ..n.clone()
        }
    );
    assert_conflict(s.insert_nonce(n).await, Conflict::Nonce);
    assert!(s.nonce_by_opaque("missing").await.unwrap().is_none());

    s.delete_nonce("op-1").await.unwrap();
    s.delete_nonce("op-1").await.unwrap();
    assert!(s.nonce_by_opaque("op-1").await.unwrap().is_none());
    s.insert_nonce(nonce("op-3", t0())).await.unwrap();
    assert_eq!(s.purge_nonces(t0() + secs(50)).await.unwrap(), 1);
    assert!(s.nonce_by_opaque("op-3").await.unwrap().is_none());
    assert!(s.nonce_by_opaque("op-2").await.unwrap().is_some());
}

pub async fn advance_nonce_only_moves_forward(s: Arc<dyn Storage>) {
    s.insert_nonce(nonce("op", t0())).await.unwrap();

    assert!(s.advance_nonce("op", 1).await.unwrap());
    assert!(!s.advance_nonce("op", 1).await.unwrap());
    assert!(s.advance_nonce("op", 5).await.unwrap());
    assert!(!s.advance_nonce("op", 3).await.unwrap());
    assert!(!s.advance_nonce("missing", 9).await.unwrap());

    let stored = s.nonce_by_opaque("op").await.unwrap().unwrap();
    assert_eq!((stored.nc, stored.uses), (5, 2));
}

pub async fn concurrent_advance_nonce_lets_exactly_one_win(s: Arc<dyn Storage>) {
    s.insert_nonce(nonce("op", t0())).await.unwrap();
    let mut tasks = JoinSet::new();
    for _ in 0..20 {
        let s = s.clone();
        tasks.spawn(async move { s.advance_nonce("op", 1).await });
    }
    let mut wins = 0;
    while let Some(outcome) = tasks.join_next().await {
        if outcome.expect("task").expect("advance_nonce") {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    let stored = s.nonce_by_opaque("op").await.unwrap().unwrap();
    assert_eq!((stored.nc, stored.uses), (1, 1));
}

crate::register_cases! {
    nonces_are_inserted_read_deleted_and_purged,
    advance_nonce_only_moves_forward,
    concurrent_advance_nonce_lets_exactly_one_win,
}
