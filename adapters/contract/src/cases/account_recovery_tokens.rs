//! Account recovery tokens: kept per space, used once, linked to the account they recovered.

use std::sync::Arc;

use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    NewAccountRecoveryToken, PushParam, PushPrid, PushProvider, PushTarget,
};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn token(d: &str, token: &str) -> NewAccountRecoveryToken {
    NewAccountRecoveryToken {
        token: token.into(),
        domain: domain(d),
        pn_provider: Some("fcm".into()),
        pn_param: Some("param".into()),
        pn_prid: Some("prid".into()),
        ip: None,
        user_agent: None,
    }
}

pub async fn an_account_recovery_token_is_kept_in_its_space(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let made = s
        .create_account_recovery_token(token("example.org", "tok"), t0())
        .await
        .unwrap();
    let mut read = s
        .account_recovery_token("tok", &domain("example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ms(read.created_at), ms(t0()));
    read.created_at = made.created_at;
    assert_eq!(read, made);
    assert_eq!((read.used, read.account_id), (false, None));
    assert!(
        s.account_recovery_token("tok", &domain("other.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        s.create_account_recovery_token(token("nowhere.org", "x"), t0()).await,
        Err(StoreError::NotFound)
    ));
    s.delete_space(&domain("example.org")).await.unwrap();
    assert!(
        s.account_recovery_token("tok", &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn an_account_recovery_token_is_used_once(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let d = domain("example.org");
    s.create_account_recovery_token(token("example.org", "tok"), t0() + secs(10))
        .await
        .unwrap();
    s.create_account_recovery_token(token("example.org", "old"), t0())
        .await
        .unwrap();
    assert!(
        s.use_account_recovery_token("tok", &domain("other.org"), None, None)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.use_account_recovery_token("old", &d, None, Some(t0() + secs(5)))
            .await
            .unwrap()
            .is_none()
    );
    let mut set = JoinSet::new();
    for _ in 0..8 {
        let (s, d) = (s.clone(), d.clone());
        set.spawn(async move {
            s.use_account_recovery_token("tok", &d, Some(alice), Some(t0() + secs(5)))
                .await
                .unwrap()
        });
    }
    let wins: Vec<_> = set.join_all().await.into_iter().flatten().collect();
    assert_eq!(wins.len(), 1);
    assert_eq!((wins[0].used, wins[0].account_id), (true, Some(alice)));
    // Unknown numbers spend tokens too, linked to nobody.
    let spent = s
        .use_account_recovery_token("old", &d, None, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((spent.used, spent.account_id), (true, None));
}

fn fcm(prid: &str) -> PushTarget {
    PushTarget {
        provider: PushProvider::Fcm,
        param: PushParam::unchecked("param"),
        prid: PushPrid::unchecked(prid),
    }
}

pub async fn the_newest_recovery_token_pushed_to_a_device_answers_the_throttle(
    s: Arc<dyn Storage>,
) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let ex = domain("example.org");
    s.create_account_recovery_token(token("example.org", "a"), t0()).await.unwrap();
    s.create_account_recovery_token(token("example.org", "b"), t0() + secs(20)).await.unwrap();
    s.use_account_recovery_token("b", &ex, None, None).await.unwrap().unwrap();
    assert_eq!(
        s.latest_pushed_account_recovery_token(&ex, &fcm("prid"), t0()).await.unwrap().map(ms),
        Some(ms(t0() + secs(20)))
    );
    assert_eq!(
        s.latest_pushed_account_recovery_token(&ex, &fcm("prid"), t0() + secs(21)).await.unwrap(),
        None
    );
    assert_eq!(
        s.latest_pushed_account_recovery_token(&ex, &fcm("other"), t0()).await.unwrap(),
        None
    );
    assert_eq!(
        s.latest_pushed_account_recovery_token(&domain("other.org"), &fcm("prid"), t0())
            .await
            .unwrap(),
        None
    );
    // A failed push deletes its token, never a used one.
    assert!(!s.delete_unused_account_recovery_token("a", &domain("other.org")).await.unwrap());
    assert!(s.delete_unused_account_recovery_token("a", &ex).await.unwrap());
    assert!(s.account_recovery_token("a", &ex).await.unwrap().is_none());
    assert!(!s.delete_unused_account_recovery_token("b", &ex).await.unwrap());
    assert!(s.account_recovery_token("b", &ex).await.unwrap().is_some());
}

crate::register_cases! {
    the_newest_recovery_token_pushed_to_a_device_answers_the_throttle,
    an_account_recovery_token_is_kept_in_its_space,
    an_account_recovery_token_is_used_once,
}
