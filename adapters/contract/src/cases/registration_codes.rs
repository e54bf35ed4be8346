//! Pending sign-ups: kept per space, counted wrong tries, single use, deletion and purge.

use std::sync::Arc;

use flexiapi_domain::error::StoreError;
use flexiapi_domain::model::{NewRegistrationCode, PasswordAlgorithm, Recipient};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn sign_up(d: &str, user: &str) -> NewRegistrationCode {
    NewRegistrationCode {
        domain: domain(d),
        username: username(user),
        password: passwords(user, d, "secret-pass")
            .into_iter()
            .find(|p| p.algorithm == PasswordAlgorithm::Sha256)
            .unwrap(),
        recipient: Recipient::Phone(phone("+33612345678")),
        code: "1234".into(),
        ip: Some("203.0.113.11".into()),
        user_agent: None,
    }
}

pub async fn a_sign_up_is_kept_in_its_space(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let new = sign_up("example.org", "alice");
    let made = s.create_registration_code(new.clone(), t0()).await.unwrap();
    let read = s
        .registration_code(made.id, &domain("example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.username, new.username);
    assert_eq!(read.password, new.password);
    assert_eq!(read.recipient, new.recipient);
    assert_eq!((read.code.as_deref(), read.attempts), (Some("1234"), 0));
    assert_eq!(ms(read.created_at), ms(t0()));
    assert!(
        s.registration_code(made.id, &domain("other.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        s.create_registration_code(sign_up("nowhere.org", "bob"), t0()).await,
        Err(StoreError::NotFound)
    ));
    // A space's sign-ups go with it.
    s.delete_space(&domain("example.org")).await.unwrap();
    assert!(
        s.registration_code(made.id, &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn a_sign_up_code_counts_wrong_tries_and_is_spent_once(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let made = s
        .create_registration_code(sign_up("example.org", "alice"), t0())
        .await
        .unwrap();
    let after = s.fail_registration_code(made.id, 3).await.unwrap().unwrap();
    assert_eq!((after.attempts, after.code.as_deref()), (1, Some("1234")));
    assert!(!s.spend_registration_code(made.id, "9999", 3).await.unwrap());
    let mut set = JoinSet::new();
    for _ in 0..8 {
        let s = s.clone();
        set.spawn(async move { s.spend_registration_code(made.id, "1234", 3).await.unwrap() });
    }
    assert_eq!(set.join_all().await.into_iter().filter(|w| *w).count(), 1);
    assert!(s.fail_registration_code(made.id, 3).await.unwrap().is_none());

    let other = s
        .create_registration_code(sign_up("example.org", "bob"), t0())
        .await
        .unwrap();
    s.fail_registration_code(other.id, 2).await.unwrap();
    let last = s.fail_registration_code(other.id, 2).await.unwrap().unwrap();
    assert_eq!((last.attempts, last.code), (2, None));
    assert!(!s.spend_registration_code(other.id, "1234", 5).await.unwrap());
}

pub async fn sign_ups_are_deleted_and_purged(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let old = s
        .create_registration_code(sign_up("example.org", "alice"), t0())
        .await
        .unwrap();
    let young = s
        .create_registration_code(sign_up("example.org", "bob"), t0() + secs(60))
        .await
        .unwrap();
    let gone = s
        .create_registration_code(sign_up("example.org", "carol"), t0() + secs(60))
        .await
        .unwrap();
    assert!(s.delete_registration_code(gone.id).await.unwrap());
    assert!(!s.delete_registration_code(gone.id).await.unwrap());
    assert_eq!(s.purge_registration_codes(t0() + secs(30)).await.unwrap(), 1);
    let d = domain("example.org");
    assert!(s.registration_code(old.id, &d).await.unwrap().is_none());
    assert!(s.registration_code(young.id, &d).await.unwrap().is_some());
}

crate::register_cases! {
    a_sign_up_is_kept_in_its_space,
    a_sign_up_code_counts_wrong_tries_and_is_spent_once,
    sign_ups_are_deleted_and_purged,
}
