//! Spaces: creation, reads by domain and host, updates, deletion, and the last super space.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{PasswordAlgorithm, Space};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

fn norm_space(mut s: Space) -> Space {
    s.created_at = ms(s.created_at);
    s.updated_at = ms(s.updated_at);
    s.expire_at = s.expire_at.map(ms);
    s
}

pub async fn ping_answers(s: Arc<dyn Storage>) {
    s.ping().await.expect("ping");
}

pub async fn a_space_is_read_back_by_domain_and_by_host(s: Arc<dyn Storage>) {
    let mut new = new_space("example.org");
    new.super_space = true;
    new.max_accounts = 42;
    new.expire_at = Some(t0() + secs(3600));
    new.digest.realm = Some("realm.example.org".into());
    new.digest.default_password_algorithm = PasswordAlgorithm::Md5;
    new.jwt = Some(jwt_config());

    let created = s.create_space(new.clone(), t0()).await.unwrap();

    assert_eq!(created.domain, new.domain);
    assert_eq!(created.jwt, new.jwt);
    assert_eq!(created.settings, new.settings);
    assert_eq!(ms(created.created_at), ms(t0()));
    let by_domain = s
        .space_by_domain(&new.domain)
        .await
        .unwrap()
        .expect("by domain");
    assert_eq!(norm_space(by_domain.clone()), norm_space(created.clone()));
    let by_host = s
        .space_by_host("web.example.org")
        .await
        .unwrap()
        .expect("by host");
    assert_eq!(norm_space(by_host), norm_space(created));
    assert!(
        s.space_by_domain(&domain("other.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.space_by_host("other.org").await.unwrap().is_none());
}

pub async fn spaces_are_listed_by_domain(s: Arc<dyn Storage>) {
    for d in ["c.org", "a.org", "b.org"] {
        space(&s, d).await;
    }
    let domains: Vec<String> = s
        .list_spaces()
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.domain.to_string())
        .collect();
    assert_eq!(domains, ["a.org", "b.org", "c.org"]);
}

pub async fn a_space_update_replaces_fields_but_keeps_domain_and_created_at(s: Arc<dyn Storage>) {
    let created = space(&s, "example.org").await;
    let later = t0() + secs(60);
    let mut changed = created.clone();
    changed.domain = domain("ignored.org");
    changed.created_at = later;
    changed.host = "new.example.org".into();
    changed.name = "Renamed".into();
    changed.max_accounts = 7;
    changed.super_space = true;
    changed.expire_at = Some(later);
    changed.digest.realm = Some("new realm".into());
    changed.jwt = Some(jwt_config());
    changed.settings.web_panel = false;
    changed.settings.logo = Some("logo.png".into());

    let updated = s.update_space(changed.clone(), later).await.unwrap();

    let mut want = changed;
    want.domain = created.domain.clone();
    want.created_at = created.created_at;
    want.updated_at = later;
    assert_eq!(norm_space(updated), norm_space(want.clone()));
    let stored = s.space_by_domain(&created.domain).await.unwrap().unwrap();
    assert_eq!(norm_space(stored), norm_space(want));
    assert!(s.space_by_host("web.example.org").await.unwrap().is_none());
}

pub async fn updating_an_unknown_space_is_not_found(s: Arc<dyn Storage>) {
    let mut created = space(&s, "example.org").await;
    created.id.0 += 1000;
    assert!(matches!(
        s.update_space(created, t0()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn deleting_a_space_deletes_its_accounts(s: Arc<dyn Storage>) {
    space(&s, "gone.org").await;
    space(&s, "kept.org").await;
    let gone = account(&s, "alice", "gone.org").await;
    let kept = account(&s, "alice", "kept.org").await;
    s.create_api_key(user_key(gone, "k1", t0())).await.unwrap();

    assert!(s.delete_space(&domain("gone.org")).await.unwrap());

    assert!(
        s.space_by_domain(&domain("gone.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.account_by_id(gone).await.unwrap().is_none());
    assert!(s.api_key_by_hash("k1").await.unwrap().is_none());
    assert_eq!(s.count_accounts(&domain("gone.org")).await.unwrap(), 0);
    assert!(s.account_by_id(kept).await.unwrap().is_some());
    assert!(!s.delete_space(&domain("gone.org")).await.unwrap());
}

pub async fn duplicate_space_domain_host_or_name_are_conflicts(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let other = space(&s, "other.org").await;

    let mut dup = new_space("example.org");
    dup.host = "fresh-host.org".into();
    dup.name = "fresh name".into();
    assert_conflict(s.create_space(dup, t0()).await, Conflict::SpaceDomain);

    let mut dup = new_space("third.org");
    dup.host = "web.example.org".into();
    assert_conflict(s.create_space(dup, t0()).await, Conflict::SpaceHost);

    let mut dup = new_space("third.org");
    dup.name = "Space example.org".into();
    assert_conflict(s.create_space(dup, t0()).await, Conflict::SpaceName);

    let mut upd = other.clone();
    upd.host = "web.example.org".into();
    assert_conflict(s.update_space(upd, t0()).await, Conflict::SpaceHost);
    let mut upd = other;
    upd.name = "Space example.org".into();
    assert_conflict(s.update_space(upd, t0()).await, Conflict::SpaceName);

    assert_eq!(s.list_spaces().await.unwrap().len(), 2);
}

async fn super_space(s: &Arc<dyn Storage>, d: &str) -> Space {
    let mut new = new_space(d);
    new.super_space = true;
    s.create_space(new, t0()).await.expect("create super space")
}

pub async fn the_last_super_space_is_neither_deleted_nor_demoted(s: Arc<dyn Storage>) {
    let first = super_space(&s, "first.org").await;
    space(&s, "plain.org").await;
    assert!(matches!(
        s.delete_space(&first.domain).await,
        Err(StoreError::LastSuperSpace)
    ));
    let mut demoted = first.clone();
    demoted.super_space = false;
    assert!(matches!(
        s.update_space(demoted.clone(), t0()).await,
        Err(StoreError::LastSuperSpace)
    ));
    // Other changes of the last super space, and ordinary spaces, are fine.
    let mut renamed = first.clone();
    renamed.name = "Renamed".into();
    assert!(s.update_space(renamed, t0()).await.unwrap().super_space);
    assert!(s.delete_space(&domain("plain.org")).await.unwrap());
    assert!(!s.delete_space(&domain("nowhere.org")).await.unwrap());

    // With a second super space, either can go.
    let second = super_space(&s, "second.org").await;
    assert!(!s.update_space(demoted, t0()).await.unwrap().super_space);
    let mut promoted = s.space_by_domain(&first.domain).await.unwrap().unwrap();
    promoted.super_space = true;
    s.update_space(promoted, t0()).await.unwrap();
    assert!(s.delete_space(&first.domain).await.unwrap());
    assert!(matches!(
        s.delete_space(&second.domain).await,
        Err(StoreError::LastSuperSpace)
    ));
    assert!(s.space_by_domain(&second.domain).await.unwrap().is_some());
}

pub async fn concurrent_removals_of_the_last_two_super_spaces_let_one_win(s: Arc<dyn Storage>) {
    let mut survivor: Option<Space> = None;
    for round in 0..6 {
        let one = super_space(&s, &format!("one{round}.org")).await;
        let two = super_space(&s, &format!("two{round}.org")).await;
        // The previous round's survivor goes: `one` and `two` are the last two super spaces.
        if let Some(previous) = survivor.take() {
            assert!(s.delete_space(&previous.domain).await.unwrap());
        }
        let mut tasks = JoinSet::new();
        for (i, space) in [one, two].into_iter().enumerate() {
            let s = s.clone();
            // Deletions race each other, or a deletion races a demotion.
            if i == 1 && round % 2 == 1 {
                let mut demoted = space;
                demoted.super_space = false;
                tasks.spawn(async move { s.update_space(demoted, t0()).await.map(|_| ()) });
            } else {
                tasks.spawn(async move { s.delete_space(&space.domain).await.map(|_| ()) });
            }
        }
        let mut wins = 0;
        while let Some(outcome) = tasks.join_next().await {
            match outcome.expect("task") {
                Ok(()) => wins += 1,
                Err(StoreError::LastSuperSpace) => {}
                Err(e) => panic!("round {round}: {e:?}"),
            }
        }
        assert_eq!(wins, 1, "round {round}");
        let supers: Vec<Space> = s
            .list_spaces()
            .await
            .unwrap()
            .into_iter()
            .filter(|s| s.super_space)
            .collect();
        assert_eq!(supers.len(), 1, "round {round}");
        survivor = supers.into_iter().next();
    }
}

crate::register_cases! {
    ping_answers,
    a_space_is_read_back_by_domain_and_by_host,
    spaces_are_listed_by_domain,
    a_space_update_replaces_fields_but_keeps_domain_and_created_at,
    updating_an_unknown_space_is_not_found,
    deleting_a_space_deletes_its_accounts,
    duplicate_space_domain_host_or_name_are_conflicts,
    the_last_super_space_is_neither_deleted_nor_demoted,
    concurrent_removals_of_the_last_two_super_spaces_let_one_win,
}
