//! E-mail and phone change codes: one pending code per account, wrong tries that wear a code
//! out, a confirmation that applies once, counts for blocking, the cascade of an account. Each
//! behaviour is checked on both tables.

use std::sync::Arc;

use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{
    AccountId, ChangeCode, ChangeTarget, Email, NewChangeCode, NewAccount, PhoneNumber,
};
use flexiapi_domain::ports::{ChangeCodeRepository, Storage};
use tokio::task::JoinSet;

use crate::support::*;

fn new_code<T>(account_id: AccountId, code: &str, target: T) -> NewChangeCode<T> {
    NewChangeCode {
        account_id,
        code: code.into(),
        target,
        ip: Some("203.0.113.12".into()),
        user_agent: Some("change agent".into()),
    }
}

fn norm_code<T>(mut c: ChangeCode<T>) -> ChangeCode<T> {
    c.created_at = ms(c.created_at);
    c.updated_at = ms(c.updated_at);
    c
}

async fn one_pending_code_per_account<T: ChangeTarget>(s: Arc<dyn Storage>, target: fn(&str) -> T)
where
    dyn Storage: ChangeCodeRepository<T>,
{
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let r: &dyn Storage = &*s;
    assert!(r.latest_change_code(alice).await.unwrap().is_none());

    let first = r
        .create_change_code(new_code(alice, "1111", target("first")), t0())
        .await
        .unwrap();
    assert_eq!(first.code.as_deref(), Some("1111"));
    assert_eq!(first.target, target("first"));
    assert_eq!(first.attempts, 0);
    assert_eq!(first.ip.as_deref(), Some("203.0.113.12"));
    assert_eq!(first.user_agent.as_deref(), Some("change agent"));
    assert_eq!(
        r.latest_change_code(alice).await.unwrap().map(norm_code),
        Some(norm_code(first.clone()))
    );
    let bobs = r
        .create_change_code(new_code(bob, "2222", target("bobs")), t0())
        .await
        .unwrap();
    let second = r
        .create_change_code(new_code(alice, "3333", target("second")), t0() + secs(1))
        .await
        .unwrap();
    assert_ne!(first.id, second.id);

    let latest = r.latest_change_code(alice).await.unwrap().unwrap();
    assert_eq!((latest.id, latest.code.as_deref()), (second.id, Some("3333")));
    // The first was spent by the second: it neither fails nor applies.
    assert_eq!(r.fail_change_code(first.id, 5, t0()).await.unwrap(), None);
    assert!(r.apply_change_code(first.id, true, t0()).await.unwrap().is_none());
    // Bob's is untouched.
    assert_eq!(
        r.latest_change_code(bob).await.unwrap().unwrap().code.as_deref(),
        Some("2222")
    );

    let pending = r
        .pending_change_codes(&[alice, bob, AccountId(bob.0 + 1000)])
        .await
        .unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(pending[&alice].id, second.id);
    assert_eq!(pending[&bob].id, bobs.id);
    assert!(r.pending_change_codes(&[]).await.unwrap().is_empty());

    assert!(matches!(
        r.create_change_code(new_code(AccountId(bob.0 + 1000), "4444", target("x")), t0())
            .await,
        Err(StoreError::NotFound)
    ));
}

async fn wrong_tries_wear_a_code_out<T: ChangeTarget>(s: Arc<dyn Storage>, target: fn(&str) -> T)
where
    dyn Storage: ChangeCodeRepository<T>,
{
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let r: &dyn Storage = &*s;
    let code = r
        .create_change_code(new_code(alice, "1234", target("new")), t0())
        .await
        .unwrap();
    for n in 1..5 {
        assert_eq!(
            r.fail_change_code(code.id, 5, t0() + secs(n.into())).await.unwrap(),
            Some(n)
        );
        let now = r.latest_change_code(alice).await.unwrap().unwrap();
        assert_eq!((now.attempts, now.code.as_deref()), (n, Some("1234")));
        assert_eq!(ms(now.updated_at), ms(t0() + secs(n.into())));
    }
    assert_eq!(r.fail_change_code(code.id, 5, t0()).await.unwrap(), Some(5));
    let worn = r.latest_change_code(alice).await.unwrap().unwrap();
    assert_eq!((worn.attempts, worn.code), (5, None));
    // Spent: no more counting, no confirmation.
    assert_eq!(r.fail_change_code(code.id, 5, t0()).await.unwrap(), None);
    assert_eq!(r.latest_change_code(alice).await.unwrap().unwrap().attempts, 5);
    assert!(r.apply_change_code(code.id, true, t0()).await.unwrap().is_none());
    assert!(r.pending_change_codes(&[alice]).await.unwrap().is_empty());
}

async fn a_confirmation_applies_once<T: ChangeTarget>(
    s: Arc<dyn Storage>,
    target: fn(&str) -> T,
    read: fn(&flexiapi_domain::model::Account) -> Option<T>,
) where
    dyn Storage: ChangeCodeRepository<T>,
{
    space(&s, "example.org").await;
    let mut inactive = NewAccount::new(username("carol"), domain("example.org"));
    inactive.activated = false;
    let carol = s.create_account(inactive.clone(), 0, t0()).await.unwrap();
    inactive.username = username("dave");
    let dave = s.create_account(inactive, 0, t0()).await.unwrap();
    let r: &dyn Storage = &*s;

    let code = r
        .create_change_code(new_code(carol.id, "1234", target("carols")), t0())
        .await
        .unwrap();
    let applied = r
        .apply_change_code(code.id, true, t0() + secs(5))
        .await
        .unwrap()
        .expect("a pending code applies");
    assert_eq!(read(&applied), Some(target("carols")));
    assert!(applied.activated);
    assert_eq!(ms(applied.updated_at), ms(t0() + secs(5)));
    assert_eq!(
        s.account_by_id(carol.id).await.unwrap().map(norm),
        Some(norm(applied))
    );
    assert!(r.apply_change_code(code.id, true, t0()).await.unwrap().is_none());
    assert_eq!(r.latest_change_code(carol.id).await.unwrap().unwrap().code, None);

    // Without `activate`, the account keeps its state.
    let code = r
        .create_change_code(new_code(dave.id, "5678", target("daves")), t0())
        .await
        .unwrap();
    let applied = r.apply_change_code(code.id, false, t0()).await.unwrap().unwrap();
    assert_eq!(read(&applied), Some(target("daves")));
    assert!(!applied.activated);
}

async fn codes_are_counted_and_go_with_their_account<T: ChangeTarget>(
    s: Arc<dyn Storage>,
    target: fn(&str) -> T,
) where
    dyn Storage: ChangeCodeRepository<T>,
{
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let r: &dyn Storage = &*s;
    for n in 0..3 {
        r.create_change_code(new_code(alice, "1234", target("a")), t0() + secs(n * 60))
            .await
            .unwrap();
    }
    r.create_change_code(new_code(bob, "1234", target("b")), t0())
        .await
        .unwrap();
    // Spent codes count too; strictly after `since`.
    assert_eq!(r.count_change_codes_since(alice, t0() - secs(1)).await.unwrap(), 3);
    assert_eq!(r.count_change_codes_since(alice, t0()).await.unwrap(), 2);
    assert_eq!(r.count_change_codes_since(alice, t0() + secs(120)).await.unwrap(), 0);
    assert_eq!(r.count_change_codes_since(bob, t0() - secs(1)).await.unwrap(), 1);

    assert!(s.delete_account(alice, t0()).await.unwrap());
    assert_eq!(r.count_change_codes_since(alice, t0() - secs(1)).await.unwrap(), 0);
    assert!(r.latest_change_code(alice).await.unwrap().is_none());
}

async fn races_apply_once_and_count_every_wrong_try<T: ChangeTarget>(
    s: Arc<dyn Storage>,
    target: fn(&str) -> T,
) where
    dyn Storage: ChangeCodeRepository<T>,
{
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let code = s
        .create_change_code(new_code(alice, "1234", target("a")), t0())
        .await
        .unwrap();
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let s = s.clone();
        tasks.spawn(async move { s.fail_change_code(code.id, 5, t0()).await });
    }
    let mut counted: Vec<u32> = tasks
        .join_all()
        .await
        .into_iter()
        .filter_map(|r| r.unwrap())
        .collect();
    counted.sort_unstable();
    assert_eq!(counted, [1, 2, 3, 4, 5]);

    let code = s
        .create_change_code(new_code(alice, "5678", target("b")), t0())
        .await
        .unwrap();
    let mut tasks = JoinSet::new();
    for _ in 0..8 {
        let s = s.clone();
        tasks.spawn(async move { s.apply_change_code(code.id, true, t0()).await });
    }
    let applied = tasks
        .join_all()
        .await
        .into_iter()
        .filter(|r| r.as_ref().unwrap().is_some())
        .count();
    assert_eq!(applied, 1);
}

fn an_email(s: &str) -> Email {
    email(&format!("{s}@mail.example"))
}

fn a_phone(s: &str) -> PhoneNumber {
    // Distinct per label, same shape.
    let n: u32 = s.bytes().map(u32::from).sum();
    phone(&format!("+3361234{n:04}"))
}

pub async fn an_account_has_one_pending_email_change_code(s: Arc<dyn Storage>) {
    one_pending_code_per_account(s, an_email).await;
}

pub async fn an_account_has_one_pending_phone_change_code(s: Arc<dyn Storage>) {
    one_pending_code_per_account(s, a_phone).await;
}

pub async fn wrong_tries_wear_an_email_change_code_out(s: Arc<dyn Storage>) {
    wrong_tries_wear_a_code_out(s, an_email).await;
}

pub async fn wrong_tries_wear_a_phone_change_code_out(s: Arc<dyn Storage>) {
    wrong_tries_wear_a_code_out(s, a_phone).await;
}

pub async fn an_email_change_code_sets_the_email_once(s: Arc<dyn Storage>) {
    a_confirmation_applies_once(s, an_email, |a| a.email.clone()).await;
}

pub async fn a_phone_change_code_sets_the_phone_once(s: Arc<dyn Storage>) {
    a_confirmation_applies_once(s, a_phone, |a| a.phone.clone()).await;
}

pub async fn email_change_codes_are_counted_and_go_with_their_account(s: Arc<dyn Storage>) {
    codes_are_counted_and_go_with_their_account(s, an_email).await;
}

pub async fn phone_change_codes_are_counted_and_go_with_their_account(s: Arc<dyn Storage>) {
    codes_are_counted_and_go_with_their_account(s, a_phone).await;
}

pub async fn email_change_code_races_apply_once(s: Arc<dyn Storage>) {
    races_apply_once_and_count_every_wrong_try(s, an_email).await;
}

pub async fn phone_change_code_races_apply_once(s: Arc<dyn Storage>) {
    races_apply_once_and_count_every_wrong_try(s, a_phone).await;
}

crate::register_cases! {
    an_account_has_one_pending_email_change_code,
    an_account_has_one_pending_phone_change_code,
    wrong_tries_wear_an_email_change_code_out,
    wrong_tries_wear_a_phone_change_code_out,
    an_email_change_code_sets_the_email_once,
    a_phone_change_code_sets_the_phone_once,
    email_change_codes_are_counted_and_go_with_their_account,
    phone_change_codes_are_counted_and_go_with_their_account,
    email_change_code_races_apply_once,
    phone_change_code_races_apply_once,
}
