//! Account creation tokens: spending, consumption by an account and space isolation.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    AccountCreationToken, AccountId, NewAccount, NewAccountCreationToken, PushParam, PushPrid,
    PushProvider, PushTarget,
};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn creation_token(
    token: &str,
    expire_at: Option<chrono::DateTime<chrono::Utc>>,
) -> NewAccountCreationToken {
    NewAccountCreationToken {
        token: token.into(),
        domain: domain("example.org"),
        ip: Some("203.0.113.12".into()),
        user_agent: Some("creation agent".into()),
        expire_at,
        push: None,
    }
}

fn norm_creation(mut t: AccountCreationToken) -> AccountCreationToken {
    t.created_at = ms(t.created_at);
    t.expire_at = t.expire_at.map(ms);
    t
}

pub async fn creation_tokens_are_read_back_and_spent_once_before_expiry(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let created = s
        .create_creation_token(creation_token("tok", Some(t0() + secs(60))), t0())
        .await
        .unwrap();
    assert!(!created.used);
    assert_eq!(created.account_id, None);
    assert_conflict(
        s.create_creation_token(creation_token("tok", None), t0())
            .await,
        Conflict::AccountCreationToken,
    );
    assert_eq!(
        s.creation_token("tok", &domain("example.org"))
            .await
            .unwrap()
            .map(norm_creation),
        Some(norm_creation(created.clone()))
    );
    assert!(
        s.creation_token("missing", &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );

    // Expired at `now` exactly, and later: not spendable.
    assert!(
        s.spend_creation_token("tok", &domain("example.org"), t0() + secs(60))
            .await
            .unwrap()
            .is_none()
    );
    let spent = s
        .spend_creation_token("tok", &domain("example.org"), t0() + secs(59))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        norm_creation(spent),
        norm_creation(AccountCreationToken {
            used: true,
            ..created
        })
    );
    assert!(
        s.spend_creation_token("tok", &domain("example.org"), t0())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.creation_token("tok", &domain("example.org"))
            .await
            .unwrap()
            .unwrap()
            .used
    );

    s.create_creation_token(creation_token("forever", None), t0())
        .await
        .unwrap();
    assert!(
        s.spend_creation_token(
            "forever",
            &domain("example.org"),
            t0() + secs(86_400 * 3650)
        )
        .await
        .unwrap()
        .is_some()
    );
    assert!(
        s.spend_creation_token("missing", &domain("example.org"), t0())
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn concurrent_spends_of_a_creation_token_let_one_win(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    s.create_creation_token(creation_token("tok", None), t0())
        .await
        .unwrap();
    let mut tasks = JoinSet::new();
    for _ in 0..20 {
        let s = s.clone();
        tasks.spawn(async move {
            s.spend_creation_token("tok", &domain("example.org"), t0())
                .await
        });
    }
    let mut wins = 0;
    while let Some(outcome) = tasks.join_next().await {
        if let Some(t) = outcome.expect("task").expect("spend_creation_token") {
            assert!(t.used);
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
}

pub async fn an_account_created_with_a_creation_token_spends_it_in_its_transaction(
    s: Arc<dyn Storage>,
) {
    space(&s, "example.org").await;
    s.create_creation_token(creation_token("tok", Some(t0() + secs(60))), t0())
        .await
        .unwrap();
    let mut late = full_account("late", "example.org");
    late.creation_token = Some("tok".into());
    assert!(matches!(
        s.create_account(late, 0, t0() + secs(60)).await,
        Err(StoreError::TokenSpent)
    ));
    // Refused as a whole: no account, the token untouched.
    assert!(
        s.account_by_identity(&username("late"), &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !s.creation_token("tok", &domain("example.org"))
            .await
            .unwrap()
            .unwrap()
            .used
    );

    let mut first = full_account("first", "example.org");
    first.creation_token = Some("tok".into());
    let first = s.create_account(first, 0, t0()).await.unwrap();
    let spent = s
        .creation_token("tok", &domain("example.org"))
        .await
        .unwrap()
        .unwrap();
    assert!(spent.used);
    assert_eq!(spent.account_id, Some(first.id));

    let mut second = full_account("second", "example.org");
    second.creation_token = Some("tok".into());
    assert!(matches!(
        s.create_account(second, 0, t0()).await,
        Err(StoreError::TokenSpent)
    ));
    let mut unknown = full_account("third", "example.org");
    unknown.creation_token = Some("missing".into());
    assert!(matches!(
        s.create_account(unknown, 0, t0()).await,
        Err(StoreError::TokenSpent)
    ));
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 1);
}

pub async fn concurrent_creations_with_one_creation_token_make_one_account(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    s.create_creation_token(creation_token("tok", None), t0())
        .await
        .unwrap();
    let mut tasks = JoinSet::new();
    for i in 0..20 {
        let s = s.clone();
        tasks.spawn(async move {
            let mut new = full_account(&format!("racer{i}"), "example.org");
            new.creation_token = Some("tok".into());
            s.create_account(new, 0, t0()).await
        });
    }
    let mut created = 0;
    while let Some(outcome) = tasks.join_next().await {
        match outcome.expect("task") {
            Ok(_) => created += 1,
            Err(StoreError::TokenSpent) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 1);
}

pub async fn a_creation_token_is_consumed_once_by_an_account(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    s.create_creation_token(creation_token("tok", None), t0())
        .await
        .unwrap();
    s.create_creation_token(creation_token("spent", None), t0())
        .await
        .unwrap();
    s.spend_creation_token("spent", &domain("example.org"), t0())
        .await
        .unwrap()
        .unwrap();

    assert!(matches!(
        s.consume_creation_token("tok", &domain("example.org"), AccountId(bob.0 + 1000))
            .await,
        Err(StoreError::NotFound)
    ));
    let consumed = s
        .consume_creation_token("tok", &domain("example.org"), alice)
        .await
        .unwrap()
        .unwrap();
    assert!(consumed.used);
    assert_eq!(consumed.account_id, Some(alice));
    assert!(
        s.consume_creation_token("tok", &domain("example.org"), bob)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.consume_creation_token("spent", &domain("example.org"), bob)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.consume_creation_token("missing", &domain("example.org"), bob)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        s.creation_token("tok", &domain("example.org"))
            .await
            .unwrap()
            .unwrap()
            .account_id,
        Some(alice)
    );

    // Consumed tokens go with their account.
    assert!(s.delete_account(alice, t0()).await.unwrap());
    assert!(
        s.creation_token("tok", &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.creation_token("spent", &domain("example.org"))
            .await
            .unwrap()
            .is_some()
    );
}

pub async fn concurrent_consumes_of_a_creation_token_let_one_win(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let mut accounts = Vec::new();
    for i in 0..10 {
        accounts.push(account(&s, &format!("user{i}"), "example.org").await);
    }
    s.create_creation_token(creation_token("tok", None), t0())
        .await
        .unwrap();
    let mut tasks = JoinSet::new();
    for id in accounts {
        let s = s.clone();
        tasks.spawn(async move {
            s.consume_creation_token("tok", &domain("example.org"), id)
                .await
        });
    }
    let mut winners = Vec::new();
    while let Some(outcome) = tasks.join_next().await {
        if let Some(t) = outcome.expect("task").expect("consume_creation_token") {
            winners.push(t.account_id);
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(
        s.creation_token("tok", &domain("example.org"))
            .await
            .unwrap()
            .unwrap()
            .account_id,
        winners[0]
    );
}

pub async fn creation_tokens_belong_to_their_space(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let (ex, other) = (domain("example.org"), domain("other.org"));
    let bob = account(&s, "bob", "other.org").await;
    let created = s
        .create_creation_token(creation_token("tok", None), t0())
        .await
        .unwrap();
    assert_eq!(created.domain, ex);
    assert_eq!(
        s.creation_token("tok", &ex).await.unwrap().unwrap().domain,
        ex
    );
    // Another space sees nothing, and nothing it tries spends the token.
    assert!(s.creation_token("tok", &other).await.unwrap().is_none());
    assert!(
        s.spend_creation_token("tok", &other, t0())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        s.consume_creation_token("tok", &other, bob)
            .await
            .unwrap()
            .is_none()
    );
    let mut foreign = full_account("stranger", "other.org");
    foreign.creation_token = Some("tok".into());
    assert!(matches!(
        s.create_account(foreign, 0, t0()).await,
        Err(StoreError::TokenSpent)
    ));
    assert_eq!(s.count_accounts(&other).await.unwrap(), 1);
    let untouched = s.creation_token("tok", &ex).await.unwrap().unwrap();
    assert!(!untouched.used);
    assert_eq!(untouched.account_id, None);
    // Its own space spends it.
    let mut own = full_account("invited", "example.org");
    own.creation_token = Some("tok".into());
    let invited = s.create_account(own, 0, t0()).await.unwrap();
    assert_eq!(
        s.creation_token("tok", &ex)
            .await
            .unwrap()
            .unwrap()
            .account_id,
        Some(invited.id)
    );

    // No token for a space that does not exist.
    let mut nowhere = creation_token("nowhere", None);
    nowhere.domain = domain("nowhere.org");
    assert!(matches!(
        s.create_creation_token(nowhere, t0()).await,
        Err(StoreError::NotFound)
    ));

    // A space's tokens go with it: the same string can be minted again elsewhere.
    s.create_creation_token(creation_token("left", None), t0())
        .await
        .unwrap();
    assert!(s.delete_space(&ex).await.unwrap());
    let mut again = creation_token("left", None);
    again.domain = other.clone();
    s.create_creation_token(again, t0()).await.unwrap();
    assert!(s.creation_token("left", &ex).await.unwrap().is_none());
    assert!(s.creation_token("left", &other).await.unwrap().is_some());
}

pub async fn a_used_creation_token_validates_its_account(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    s.create_creation_token(creation_token("tok", None), t0())
        .await
        .unwrap();
    s.create_creation_token(creation_token("spent", None), t0())
        .await
        .unwrap();
    s.create_creation_token(creation_token("signup", None), t0())
        .await
        .unwrap();
    // Spent without an account: validates nobody.
    s.spend_creation_token("spent", &domain("example.org"), t0())
        .await
        .unwrap()
        .unwrap();
    assert!(!s.has_used_creation_token(alice).await.unwrap());
    assert!(!s.has_used_creation_token(bob).await.unwrap());

    s.consume_creation_token("tok", &domain("example.org"), alice)
        .await
        .unwrap()
        .unwrap();
    assert!(s.has_used_creation_token(alice).await.unwrap());
    assert!(!s.has_used_creation_token(bob).await.unwrap());

    // A registration spends its token for the new account.
    let mut carol = NewAccount::new(username("carol"), domain("example.org"));
    carol.creation_token = Some("signup".into());
    let carol = s.create_account(carol, 0, t0()).await.unwrap();
    assert!(s.has_used_creation_token(carol.id).await.unwrap());
    assert!(!s.has_used_creation_token(AccountId(carol.id.0 + 1000)).await.unwrap());
}

fn target(prid: &str) -> PushTarget {
    PushTarget {
        provider: PushProvider::Fcm,
        param: PushParam::unchecked("org.linphone"),
        prid: PushPrid::unchecked(prid),
    }
}

pub async fn a_pushed_creation_token_keeps_its_device_and_answers_the_throttle(
    s: Arc<dyn Storage>,
) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let ex = domain("example.org");
    let pushed = |token: &str, prid: &str| NewAccountCreationToken {
        push: Some(target(prid)),
        ..creation_token(token, None)
    };
    let first = s.create_creation_token(pushed("one", "dev"), t0()).await.unwrap();
    assert_eq!(
        (first.pn_provider.as_deref(), first.pn_param.as_deref(), first.pn_prid.as_deref()),
        (Some("fcm"), Some("org.linphone"), Some("dev"))
    );
    let read = s.creation_token("one", &ex).await.unwrap().unwrap();
    assert_eq!(norm_creation(read), norm_creation(first));
    // A minted token has no device.
    let minted = s.create_creation_token(creation_token("minted", None), t0()).await.unwrap();
    assert_eq!((minted.pn_provider, minted.pn_param, minted.pn_prid), (None, None, None));

    s.create_creation_token(pushed("two", "dev"), t0() + secs(30)).await.unwrap();
    s.create_creation_token(pushed("else", "other-dev"), t0() + secs(50)).await.unwrap();
    // The newest of the device's tokens since the time, used or not.
    assert!(s.spend_creation_token("two", &ex, t0() + secs(31)).await.unwrap().is_some());
    let latest = |since| {
        let s = s.clone();
        async move { s.latest_pushed_creation_token(&domain("example.org"), &target("dev"), since).await.unwrap().map(ms) }
    };
    assert_eq!(latest(t0()).await, Some(ms(t0() + secs(30))));
    assert_eq!(latest(t0() + secs(30)).await, Some(ms(t0() + secs(30))));
    assert_eq!(latest(t0() + secs(31)).await, None);
    // Another space, another provider: none.
    assert_eq!(
        s.latest_pushed_creation_token(&domain("other.org"), &target("dev"), t0()).await.unwrap(),
        None
    );
    let apns = PushTarget { provider: PushProvider::Apns, ..target("dev") };
    assert_eq!(s.latest_pushed_creation_token(&ex, &apns, t0()).await.unwrap(), None);
}

pub async fn a_creation_token_whose_push_failed_is_deleted_unless_spent(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let ex = domain("example.org");
    s.create_creation_token(creation_token("gone", None), t0()).await.unwrap();
    s.create_creation_token(creation_token("spent", None), t0()).await.unwrap();
    assert!(!s.delete_unused_creation_token("gone", &domain("other.org")).await.unwrap());
    assert!(s.delete_unused_creation_token("gone", &ex).await.unwrap());
    assert!(s.creation_token("gone", &ex).await.unwrap().is_none());
    assert!(!s.delete_unused_creation_token("gone", &ex).await.unwrap());
    s.spend_creation_token("spent", &ex, t0()).await.unwrap().unwrap();
    assert!(!s.delete_unused_creation_token("spent", &ex).await.unwrap());
    assert!(s.creation_token("spent", &ex).await.unwrap().is_some());
}

crate::register_cases! {
    a_pushed_creation_token_keeps_its_device_and_answers_the_throttle,
    a_creation_token_whose_push_failed_is_deleted_unless_spent,
    a_used_creation_token_validates_its_account,
    creation_tokens_are_read_back_and_spent_once_before_expiry,
    concurrent_spends_of_a_creation_token_let_one_win,
    an_account_created_with_a_creation_token_spends_it_in_its_transaction,
    concurrent_creations_with_one_creation_token_make_one_account,
    a_creation_token_is_consumed_once_by_an_account,
    concurrent_consumes_of_a_creation_token_let_one_win,
    creation_tokens_belong_to_their_space,
}
