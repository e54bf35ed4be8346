//! [`Budgets`] over a real (in-memory) storage: which keys a failure or a request spends, when
//! a budget is exhausted, for how long, and that 0 means no limit.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use flexiapi_adapters_memory::MemoryStorage;
use flexiapi_domain::auth::{
    BudgetError, Budgets, Exhausted, FailureBudget, RequestBudget, budget::budget_address,
};
use flexiapi_domain::model::SipIdentity;
use flexiapi_domain::ports::{AuthFailureStore, Clock};

struct Manual(Mutex<DateTime<Utc>>);

impl Manual {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for Manual {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()
}

fn budgets(failures: FailureBudget, requests: RequestBudget) -> (Budgets, Arc<Manual>) {
    let clock = Arc::new(Manual(Mutex::new(t0())));
    let storage = Arc::new(MemoryStorage::default());
    (
        Budgets::new(storage, clock.clone(), failures, requests),
        clock,
    )
}

fn alice() -> SipIdentity {
    SipIdentity::parse("sip:alice@example.org").unwrap()
}

fn exhausted(r: Result<(), BudgetError>) -> Option<u64> {
    match r {
        Ok(()) => None,
        Err(BudgetError::Exhausted(Exhausted {
            retry_after_seconds,
        })) => Some(retry_after_seconds),
        Err(e) => panic!("{e}"),
    }
}

const SMALL: FailureBudget = FailureBudget {
    per_account: 2,
    per_account_total: 5,
    per_ip: 4,
    window: Duration::minutes(5),
};

#[tokio::test]
async fn an_account_is_locked_per_address_then_in_all() {
    let (b, clock) = budgets(SMALL, RequestBudget::default());
    let a = alice();
    for _ in 0..2 {
        assert_eq!(
            exhausted(b.check_failures(Some(&a), "192.0.2.1").await),
            None
        );
        b.record_failure(Some(&a), "192.0.2.1").await.unwrap();
    }
    assert_eq!(
        exhausted(b.check_failures(Some(&a), "192.0.2.1").await),
        Some(300)
    );
    // Another address is not locked out of the account.
    assert_eq!(
        exhausted(b.check_failures(Some(&a), "192.0.2.2").await),
        None
    );
    // Five failures from several addresses reach the account's ceiling: everyone waits.
    clock.advance(Duration::seconds(10));
    for ip in ["192.0.2.2", "192.0.2.2", "192.0.2.3"] {
        b.record_failure(Some(&a), ip).await.unwrap();
    }
    assert_eq!(
        exhausted(b.check_failures(Some(&a), "192.0.2.9").await),
        Some(290),
        "free when the oldest failure leaves the window"
    );
    // Other accounts from a fresh address are not.
    let bob = SipIdentity::parse("sip:bob@example.org").unwrap();
    assert_eq!(
        exhausted(b.check_failures(Some(&bob), "192.0.2.9").await),
        None
    );
    clock.advance(Duration::seconds(291));
    assert_eq!(
        exhausted(b.check_failures(Some(&a), "192.0.2.1").await),
        None
    );
}

#[tokio::test]
async fn an_address_is_locked_whatever_the_account() {
    let (b, _) = budgets(SMALL, RequestBudget::default());
    for n in 0..4 {
        let who = SipIdentity::parse(&format!("sip:u{n}@example.org")).unwrap();
        b.record_failure(Some(&who), "192.0.2.1").await.unwrap();
    }
    assert!(exhausted(b.check_failures(Some(&alice()), "192.0.2.1").await).is_some());
    assert!(exhausted(b.check_failures(None, "192.0.2.1").await).is_some());
    assert_eq!(exhausted(b.check_failures(None, "192.0.2.2").await), None);
}

#[tokio::test]
async fn ipv6_addresses_of_one_64_share_a_budget() {
    assert_eq!(budget_address("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert_eq!(budget_address("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
    assert_eq!(budget_address("::ffff:192.0.2.1"), "192.0.2.1");
    assert_eq!(budget_address("192.0.2.1"), "192.0.2.1");
    assert_eq!(budget_address("unknown"), "unknown");

    let (b, _) = budgets(SMALL, RequestBudget::default());
    for n in 0..4 {
        b.record_failure(None, &format!("2001:db8:1:2::{n:x}"))
            .await
            .unwrap();
    }
    assert!(exhausted(b.check_failures(None, "2001:db8:1:2:ffff::1").await).is_some());
    assert_eq!(
        exhausted(b.check_failures(None, "2001:db8:1:3::1").await),
        None
    );
}

#[tokio::test]
async fn challenges_and_auth_tokens_are_spent_per_address_on_their_own_budgets() {
    let requests = RequestBudget {
        digest_challenges_per_ip: 3,
        auth_tokens_per_ip: 2,
        window: Duration::seconds(60),
        ..RequestBudget::default()
    };
    let (b, clock) = budgets(SMALL, requests);
    for _ in 0..3 {
        b.spend_challenge("192.0.2.1").await.unwrap();
    }
    assert_eq!(exhausted(b.spend_challenge("192.0.2.1").await), Some(60));
    // A refused spending is not recorded: the budget frees after the window, not later.
    clock.advance(Duration::seconds(30));
    assert_eq!(exhausted(b.spend_challenge("192.0.2.1").await), Some(30));
    // Auth tokens have their own budget; failures are untouched.
    b.spend_auth_token("192.0.2.1").await.unwrap();
    b.spend_auth_token("192.0.2.1").await.unwrap();
    assert!(exhausted(b.spend_auth_token("192.0.2.1").await).is_some());
    assert_eq!(exhausted(b.check_failures(None, "192.0.2.1").await), None);
    b.spend_challenge("192.0.2.2").await.unwrap();
    clock.advance(Duration::seconds(31));
    b.spend_challenge("192.0.2.1").await.unwrap();
}

#[tokio::test]
async fn zero_means_no_limit_and_nothing_is_stored() {
    let storage = Arc::new(MemoryStorage::default());
    let clock = Arc::new(Manual(Mutex::new(t0())));
    let b = Budgets::new(
        storage.clone(),
        clock,
        FailureBudget {
            per_account: 0,
            per_account_total: 0,
            per_ip: 0,
            window: Duration::minutes(5),
        },
        RequestBudget {
            digest_challenges_per_ip: 0,
            auth_tokens_per_ip: 0,
            window: Duration::minutes(5),
            codes_sent_per_ip: 0,
            codes_sent_per_recipient: 0,
        },
    );
    for _ in 0..50 {
        b.record_failure(Some(&alice()), "192.0.2.1").await.unwrap();
        b.spend_challenge("192.0.2.1").await.unwrap();
        b.spend_auth_token("192.0.2.1").await.unwrap();
        b.spend_code("alice@example.org", "192.0.2.1")
            .await
            .unwrap();
    }
    assert_eq!(
        exhausted(b.check_failures(Some(&alice()), "192.0.2.1").await),
        None
    );
    assert_eq!(
        storage
            .purge_auth_failures(t0() + Duration::days(1))
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn the_purge_keeps_what_the_longest_window_still_counts() {
    let failures = FailureBudget {
        window: Duration::minutes(5),
        ..SMALL
    };
    let requests = RequestBudget {
        digest_challenges_per_ip: 2,
        auth_tokens_per_ip: 2,
        window: Duration::minutes(10),
        ..RequestBudget::default()
    };
    let (b, clock) = budgets(failures, requests);
    b.spend_challenge("192.0.2.1").await.unwrap();
    b.spend_challenge("192.0.2.1").await.unwrap();
    b.record_failure(None, "192.0.2.1").await.unwrap();
    clock.advance(Duration::minutes(6));
    // Past the failure window, inside the challenge window: nothing may go yet.
    assert_eq!(b.purge().await.unwrap(), 0);
    assert!(exhausted(b.spend_challenge("192.0.2.1").await).is_some());
    clock.advance(Duration::minutes(5));
    assert_eq!(b.purge().await.unwrap(), 3);
    b.spend_challenge("192.0.2.1").await.unwrap();
}

#[tokio::test]
async fn codes_are_spent_per_address_and_per_recipient_both_or_neither() {
    let requests = RequestBudget {
        codes_sent_per_ip: 3,
        codes_sent_per_recipient: 2,
        window: Duration::seconds(60),
        ..RequestBudget::default()
    };
    let (b, clock) = budgets(SMALL, requests);
    b.spend_code("Alice@Example.org", "192.0.2.1")
        .await
        .unwrap();
    b.spend_code("alice@example.org", "192.0.2.2")
        .await
        .unwrap();
    // The recipient's budget is spent whatever the address and the case.
    assert!(exhausted(b.spend_code("ALICE@example.org", "192.0.2.3").await).is_some());
    b.spend_code("bob@example.org", "192.0.2.1").await.unwrap();
    b.spend_code("carol@example.org", "192.0.2.1")
        .await
        .unwrap();
    // The address has spent 3; the refusal spent nothing of dave's.
    assert!(exhausted(b.spend_code("dave@example.org", "192.0.2.1").await).is_some());
    b.spend_code("dave@example.org", "192.0.2.9").await.unwrap();
    b.spend_code("dave@example.org", "192.0.2.9").await.unwrap();
    clock.advance(Duration::seconds(61));
    b.spend_code("alice@example.org", "192.0.2.1")
        .await
        .unwrap();
}
