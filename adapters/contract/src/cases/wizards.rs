//! Wizards: kept per space, spent once, gone with their space and accounts.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{AccountId, LinphoneAction, NewWizard, SipIdentity};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn wizard(d: &str, token: &str, admin: AccountId, provisioned: Option<AccountId>) -> NewWizard {
    NewWizard {
        token: token.into(),
        domain: domain(d),
        account_id: admin,
        provisioning_account_id: provisioned,
        sip: Some(SipIdentity::parse("sip:bob@example.org").unwrap()),
        linphone_action: Some(LinphoneAction::Call),
        linphone_use_sips: Some(true),
    }
}

pub async fn a_wizard_is_spent_once_in_its_space(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let (ex, other) = (domain("example.org"), domain("other.org"));
    let admin = account(&s, "admin", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let made = s
        .create_wizard(wizard("example.org", "AbCd1234", admin, Some(bob)), t0())
        .await
        .unwrap();
    assert_eq!(made.used_at, None);
    assert_conflict(
        s.create_wizard(wizard("example.org", "AbCd1234", admin, None), t0())
            .await,
        Conflict::Wizard,
    );
    // Another space, or a token differing only by case, finds nothing and spends nothing.
    assert!(s.use_wizard("AbCd1234", &other, t0()).await.unwrap().is_none());
    assert!(s.use_wizard("abcd1234", &ex, t0()).await.unwrap().is_none());
    let used = s
        .use_wizard("AbCd1234", &ex, t0() + secs(3))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(used.used_at.map(ms), Some(ms(t0() + secs(3))));
    assert_eq!(
        (
            used.token.as_str(),
            used.account_id,
            used.provisioning_account_id,
            used.sip.clone(),
            used.linphone_action,
            used.linphone_use_sips
        ),
        (
            "AbCd1234",
            admin,
            Some(bob),
            made.sip.clone(),
            Some(LinphoneAction::Call),
            Some(true)
        )
    );
    assert!(s.use_wizard("AbCd1234", &ex, t0()).await.unwrap().is_none());
}

pub async fn a_wizard_of_unknown_rows_is_refused(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let admin = account(&s, "admin", "example.org").await;
    assert!(matches!(
        s.create_wizard(wizard("example.org", "w1", admin, Some(AccountId(9_999_999))), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.create_wizard(wizard("nowhere.org", "w2", admin, None), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    // Nothing was half-written.
    assert!(
        s.use_wizard("w1", &domain("example.org"), t0())
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn a_wizard_goes_with_its_accounts_and_space(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let ex = domain("example.org");
    let admin = account(&s, "admin", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let carol = account(&s, "carol", "example.org").await;
    s.create_wizard(wizard("example.org", "of-bob", admin, Some(bob)), t0())
        .await
        .unwrap();
    s.create_wizard(wizard("example.org", "by-carol", carol, None), t0())
        .await
        .unwrap();
    s.create_wizard(wizard("example.org", "kept", admin, None), t0())
        .await
        .unwrap();
    s.delete_account(bob, t0()).await.unwrap();
    s.delete_account(carol, t0()).await.unwrap();
    assert!(s.use_wizard("of-bob", &ex, t0()).await.unwrap().is_none());
    assert!(s.use_wizard("by-carol", &ex, t0()).await.unwrap().is_none());
    s.create_wizard(wizard("example.org", "later", admin, None), t0())
        .await
        .unwrap();
    assert!(s.use_wizard("kept", &ex, t0()).await.unwrap().is_some());
    s.delete_space(&ex).await.unwrap();
    space(&s, "example.org").await;
    assert!(s.use_wizard("later", &ex, t0()).await.unwrap().is_none());
}

pub async fn concurrent_opens_of_a_wizard_let_one_win(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let admin = account(&s, "admin", "example.org").await;
    s.create_wizard(wizard("example.org", "once", admin, None), t0())
        .await
        .unwrap();
    let mut tasks = JoinSet::new();
    for _ in 0..20 {
        let s = s.clone();
        tasks.spawn(async move { s.use_wizard("once", &domain("example.org"), t0()).await });
    }
    let mut winners = 0;
    while let Some(outcome) = tasks.join_next().await {
        if outcome.expect("task").expect("use").is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

crate::register_cases! {
    a_wizard_is_spent_once_in_its_space,
    a_wizard_of_unknown_rows_is_refused,
    a_wizard_goes_with_its_accounts_and_space,
    concurrent_opens_of_a_wizard_let_one_win,
}
