//! The contract cases: one `pub async fn` per sentence of `flexiapi_domain::ports`.
//!
//! Every case gets an empty storage and creates what it needs, so cases never depend on each
//! other or on an order.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    AccountActionId, AccountChanges, AccountCreationToken, AccountId, AccountQuery, AccountTypeId,
    ApiKeyKind, ApiKeyUsage, AuthToken, ContactsList, ContactsListId, DigestNonce, NewAccount,
    NewAccountCreationToken, PHONE_COUNTRIES, Password, PasswordAlgorithm, ProvisioningToken,
    Space, SpaceId,
};
use flexiapi_domain::ports::Storage;
use tokio::task::JoinSet;

use crate::support::*;

async fn space(s: &Arc<dyn Storage>, d: &str) -> Space {
    s.create_space(new_space(d), t0())
        .await
        .expect("create space")
}

async fn account(s: &Arc<dyn Storage>, user: &str, d: &str) -> AccountId {
    s.create_account(full_account(user, d), 0, t0())
        .await
        .expect("create account")
        .id
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, which: Conflict) {
    match result {
        Err(StoreError::Conflict(c)) => assert_eq!(c, which),
        other => panic!("expected Conflict({which:?}), got {other:?}"),
    }
}

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

pub async fn an_account_is_read_back_identically_with_both_passwords(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let new = full_account("alice", "example.org");
    let mut bare = NewAccount::new(username("bob"), domain("example.org"));
    bare.passwords = vec![Password::from_clear(
        PasswordAlgorithm::Md5,
        "bob",
        "example.org",
        "x",
    )];

    let created = s.create_account(new.clone(), 0, t0()).await.unwrap();
    let created_bare = s.create_account(bare.clone(), 0, t0()).await.unwrap();

    let want = norm(expected(&new, created.id, t0()));
    assert_eq!(norm(created.clone()), want);
    assert_eq!(
        norm(s.account_by_id(created.id).await.unwrap().unwrap()),
        want
    );
    let want_bare = norm(expected(&bare, created_bare.id, t0()));
    assert_eq!(
        norm(s.account_by_id(created_bare.id).await.unwrap().unwrap()),
        want_bare
    );
    assert_ne!(created.id, created_bare.id);
    assert!(
        s.account_by_id(AccountId(created.id.0 + 1000))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn accounts_are_found_by_identity_and_by_first_email(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let mut first = full_account("first", "example.org");
    first.email = Some("shared@mail.example".into());
    let mut second = full_account("second", "example.org");
    second.email = Some("shared@mail.example".into());
    let elsewhere = account(&s, "first", "other.org").await;
    let first = s.create_account(first, 0, t0()).await.unwrap();
    s.create_account(second, 0, t0()).await.unwrap();

    let found = s
        .account_by_identity(&username("first"), &domain("example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(norm(found), norm(first.clone()));
    let found = s
        .account_by_identity(&username("first"), &domain("other.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, elsewhere);
    assert!(
        s.account_by_identity(&username("nobody"), &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );

    let by_email = s
        .account_by_email(&domain("example.org"), "shared@mail.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_email.id, first.id);
    assert!(
        s.account_by_email(&domain("other.org"), "shared@mail.example")
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn a_duplicate_account_identity_is_a_conflict(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    account(&s, "alice", "example.org").await;
    let again = NewAccount::new(username("alice"), domain("example.org"));
    assert_conflict(
        s.create_account(again.clone(), 0, t0()).await,
        Conflict::AccountIdentity,
    );
    assert_conflict(
        s.create_account(again, 10, t0()).await,
        Conflict::AccountIdentity,
    );
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 1);
}

pub async fn accounts_are_listed_by_page_and_searched_case_insensitively(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut new = NewAccount::new(username(&format!("user{i}")), domain("example.org"));
        new.email = Some(format!("person{i}@Mail.Example"));
        new.phone = Some(format!("+3361234000{i}"));
        ids.push(s.create_account(new, 0, t0()).await.unwrap().id);
    }
    let mut special = NewAccount::new(username("Zed_100%"), domain("example.org"));
    special.passwords = passwords("Zed_100%", "example.org", "pw");
    ids.push(s.create_account(special, 0, t0()).await.unwrap().id);
    account(&s, "user9", "other.org").await;
    let query = |search: Option<&str>, page, per_page| AccountQuery {
        domain: domain("example.org"),
        search: search.map(str::to_owned),
        page,
        per_page,
    };

    let p1 = s.list_accounts(&query(None, 1, 4)).await.unwrap();
    let p2 = s.list_accounts(&query(None, 2, 4)).await.unwrap();
    let p3 = s.list_accounts(&query(None, 3, 4)).await.unwrap();

    assert_eq!((p1.total, p1.page, p1.per_page), (6, 1, 4));
    let got: Vec<_> = p1.items.iter().chain(&p2.items).map(|a| a.id).collect();
    assert_eq!(got, ids);
    assert!(p3.items.is_empty());
    assert_eq!(p2.items.len(), 2);
    assert_eq!(p2.total, 6);
    assert_eq!(
        p2.items[1].passwords.len(),
        2,
        "listed accounts carry their passwords"
    );

    let search = |q: &'static str| {
        let s = s.clone();
        async move {
            let page = s.list_accounts(&query(Some(q), 1, 50)).await.unwrap();
            assert_eq!(page.total as usize, page.items.len());
            page.items
                .into_iter()
                .map(|a| a.username.to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("USER3").await, ["user3"]);
    assert_eq!(search("person4@mail").await, ["user4"]);
    assert_eq!(search("mail.EXAMPLE").await.len(), 5);
    assert_eq!(search("40002").await, ["user2"]);
    assert_eq!(search("user9").await, Vec::<String>::new());
    // LIKE wildcards in the search are literal characters.
    assert_eq!(search("_1").await, ["Zed_100%"]);
    assert_eq!(search("0%").await, ["Zed_100%"]);
    assert_eq!(search("%").await, ["Zed_100%"]);
}

pub async fn many_accounts_are_inserted_at_once_all_or_nothing(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    account(&s, "taken", "example.org").await;
    // More than one multi-row statement's worth, over two domains, one with everything set.
    let mut batch: Vec<NewAccount> = (0..1200)
        .map(|i| {
            let mut new = NewAccount::new(username(&format!("bulk{i:04}")), domain("example.org"));
            new.passwords = vec![Password::from_clear(
                PasswordAlgorithm::Sha256,
                &format!("bulk{i:04}"),
                "example.org",
                "pw",
            )];
            new
        })
        .collect();
    let full = full_account("full", "other.org");
    batch.push(full.clone());

    assert_eq!(s.insert_accounts(batch, t0()).await.unwrap(), 1201);

    assert_eq!(
        s.count_accounts(&domain("example.org")).await.unwrap(),
        1201
    );
    let found = s
        .account_by_identity(&username("full"), &domain("other.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(norm(found.clone()), norm(expected(&full, found.id, t0())));
    assert_eq!(
        s.dictionary_of(found.id).await.unwrap(),
        full.dictionary,
        "the dictionary is written with the account"
    );
    let last = s
        .account_by_identity(&username("bulk1199"), &domain("example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.passwords.len(), 1);

    // One taken identity, or one repeated in the batch, refuses the whole batch.
    let fresh = |name: &str| NewAccount::new(username(name), domain("example.org"));
    assert_conflict(
        s.insert_accounts(vec![fresh("new1"), fresh("taken")], t0())
            .await,
        Conflict::AccountIdentity,
    );
    assert_conflict(
        s.insert_accounts(vec![fresh("new2"), fresh("new2")], t0())
            .await,
        Conflict::AccountIdentity,
    );
    let unknown = NewAccount::new(username("x"), domain("nowhere.org"));
    assert!(matches!(
        s.insert_accounts(vec![fresh("new3"), unknown], t0()).await,
        Err(StoreError::NotFound)
    ));
    for name in ["new1", "new2", "new3"] {
        assert!(
            s.account_by_identity(&username(name), &domain("example.org"))
                .await
                .unwrap()
                .is_none(),
            "{name} was rolled back"
        );
    }
    assert_eq!(
        s.count_accounts(&domain("example.org")).await.unwrap(),
        1201
    );
    assert_eq!(s.insert_accounts(Vec::new(), t0()).await.unwrap(), 0);
}

pub async fn count_accounts_counts_one_domain(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 0);
    account(&s, "a", "example.org").await;
    account(&s, "b", "example.org").await;
    account(&s, "a", "other.org").await;
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 2);
    assert_eq!(s.count_accounts(&domain("nowhere.org")).await.unwrap(), 0);

    // The count follows every way accounts come and go, and the listing's total is the count.
    let c = account(&s, "c", "example.org").await;
    let batch = vec![
        NewAccount::new(username("d"), domain("example.org")),
        NewAccount::new(username("e"), domain("example.org")),
    ];
    s.insert_accounts(batch, t0()).await.unwrap();
    assert!(s.delete_account(c, t0()).await.unwrap());
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 4);
    let all = AccountQuery {
        domain: domain("example.org"),
        search: None,
        page: 1,
        per_page: 2,
    };
    assert_eq!(s.list_accounts(&all).await.unwrap().total, 4);
    assert!(s.delete_space(&domain("example.org")).await.unwrap());
    space(&s, "example.org").await;
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 0);
    assert_eq!(s.list_accounts(&all).await.unwrap().total, 0);
    assert_eq!(s.count_accounts(&domain("other.org")).await.unwrap(), 1);
}

pub async fn account_details_are_read_for_many_accounts_at_once(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let carol = account(&s, "carol", "example.org").await;
    let d = domain("example.org");
    let kinds = [
        s.create_account_type(&d, "phone", t0()).await.unwrap(),
        s.create_account_type(&d, "door", t0()).await.unwrap(),
    ];
    for kind in &kinds {
        s.attach_account_type(&d, alice, kind.id, t0())
            .await
            .unwrap();
    }
    s.attach_account_type(&d, bob, kinds[1].id, t0())
        .await
        .unwrap();
    s.create_account_action(alice, "1", "open", t0())
        .await
        .unwrap();
    s.create_account_action(alice, "2", "close", t0())
        .await
        .unwrap();
    s.create_account_action(bob, "9", "ring", t0())
        .await
        .unwrap();
    for token in ["old", "current"] {
        s.create_provisioning_token(provisioning_token(alice, token), t0())
            .await
            .unwrap();
    }
    s.create_provisioning_token(provisioning_token(bob, "used"), t0())
        .await
        .unwrap();
    s.use_provisioning_token("used", None).await.unwrap();
    let unknown = AccountId(carol.0 + 1000);

    let details = s
        .account_details(&[alice, bob, carol, unknown])
        .await
        .unwrap();

    assert_eq!(details.len(), 4);
    for id in [alice, bob, carol] {
        let d = &details[&id];
        assert_eq!(d.dictionary, s.dictionary_of(id).await.unwrap());
        assert_eq!(d.types, s.types_of(id).await.unwrap());
        assert_eq!(d.actions, s.account_actions(id).await.unwrap());
        assert_eq!(
            d.provisioning_token,
            s.current_provisioning_token(id).await.unwrap()
        );
    }
    let a = &details[&alice];
    assert_eq!(a.dictionary.len(), 2);
    assert_eq!(a.types.len(), 2);
    assert_eq!(a.actions.len(), 2);
    assert_eq!(
        a.provisioning_token.as_ref().map(|t| t.token.as_str()),
        Some("current")
    );
    assert_eq!(details[&bob].provisioning_token, None);
    assert_eq!(details[&unknown], Default::default());
    assert!(s.account_details(&[]).await.unwrap().is_empty());
}

pub async fn an_update_replaces_fields_and_passwords_in_one_go(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let created = s
        .create_account(full_account("alice", "example.org"), 0, t0())
        .await
        .unwrap();
    let later = t0() + secs(30);
    let new_passwords = vec![Password::from_clear(
        PasswordAlgorithm::Sha256,
        "alicia",
        "example.org",
        "new",
    )];
    let changes = AccountChanges {
        username: username("alicia"),
        email: None,
        display_name: Some("Alicia".into()),
        activated: false,
        blocked: true,
        admin: false,
        dtmf_protocol: None,
        phone: Some("+33700000000".into()),
        user_agent: Some("agent 2".into()),
        passwords: Some(new_passwords.clone()),
        dictionary: None,
        deactivated_at: None,
    };

    let updated = s.update_account(created.id, changes, later).await.unwrap();

    let mut want = created.clone();
    want.username = username("alicia");
    want.email = None;
    want.display_name = Some("Alicia".into());
    want.activated = false;
    want.blocked = true;
    want.admin = false;
    want.dtmf_protocol = None;
    want.phone = Some("+33700000000".into());
    want.user_agent = Some("agent 2".into());
    want.passwords = new_passwords;
    want.updated_at = later;
    let want = norm(want);
    assert_eq!(norm(updated), want);
    assert_eq!(
        norm(s.account_by_id(created.id).await.unwrap().unwrap()),
        want
    );
    assert!(
        s.account_by_identity(&username("alice"), &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );

    // `passwords: None` keeps the stored ones.
    let stored = s.account_by_id(created.id).await.unwrap().unwrap();
    let kept = s
        .update_account(
            created.id,
            AccountChanges::unchanged(&stored),
            later + secs(1),
        )
        .await
        .unwrap();
    assert_eq!(kept.passwords, want.passwords);
    assert_eq!(ms(kept.updated_at), ms(later + secs(1)));

    // An empty list removes every password.
    let mut none = AccountChanges::unchanged(&stored);
    none.passwords = Some(Vec::new());
    s.update_account(created.id, none, later).await.unwrap();
    assert!(
        s.account_by_id(created.id)
            .await
            .unwrap()
            .unwrap()
            .passwords
            .is_empty()
    );
}

pub async fn updating_to_a_taken_username_is_a_conflict_and_unknown_is_not_found(
    s: Arc<dyn Storage>,
) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    account(&s, "alice", "example.org").await;
    account(&s, "bob", "other.org").await;
    let bob = s
        .create_account(full_account("bob", "example.org"), 0, t0())
        .await
        .unwrap();

    let mut changes = AccountChanges::unchanged(&bob);
    changes.username = username("alice");
    changes.passwords = Some(Vec::new());
    assert_conflict(
        s.update_account(bob.id, changes.clone(), t0()).await,
        Conflict::AccountIdentity,
    );
    // The failed update changed nothing, passwords included.
    assert_eq!(
        norm(s.account_by_id(bob.id).await.unwrap().unwrap()),
        norm(bob.clone())
    );
    assert!(matches!(
        s.update_account(AccountId(bob.id.0 + 1000), changes, t0())
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn a_deleted_account_leaves_a_tombstone_until_purged(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let (u_alice, u_bob, d) = (username("alice"), username("bob"), domain("example.org"));
    assert!(!s.is_tombstoned(&u_alice, &d).await.unwrap());

    assert!(s.delete_account(alice, t0()).await.unwrap());
    assert!(s.delete_account(bob, t0() + secs(100)).await.unwrap());

    assert!(!s.delete_account(alice, t0()).await.unwrap());
    assert!(s.account_by_id(alice).await.unwrap().is_none());
    assert!(s.is_tombstoned(&u_alice, &d).await.unwrap());
    assert!(
        !s.is_tombstoned(&u_alice, &domain("other.org"))
            .await
            .unwrap()
    );
    // The username can be taken again; the tombstone stays.
    s.create_account(NewAccount::new(u_alice.clone(), d.clone()), 0, t0())
        .await
        .unwrap();
    assert_eq!(s.purge_tombstones(t0() + secs(50)).await.unwrap(), 1);
    assert!(!s.is_tombstoned(&u_alice, &d).await.unwrap());
    assert!(s.is_tombstoned(&u_bob, &d).await.unwrap());
    assert_eq!(s.purge_tombstones(t0() + secs(50)).await.unwrap(), 0);
}

pub async fn deleting_an_account_deletes_its_keys_and_tokens(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    s.create_api_key(admin_key(alice, "ka", t0()))
        .await
        .unwrap();
    s.create_api_key(admin_key(bob, "kb", t0())).await.unwrap();
    s.create_auth_token(auth_token("tok-a", t0()))
        .await
        .unwrap();
    assert!(
        s.attach_auth_token("tok-a", &domain("example.org"), alice)
            .await
            .unwrap()
    );

    assert!(s.delete_account(alice, t0()).await.unwrap());

    assert!(s.api_key_by_hash("ka").await.unwrap().is_none());
    assert!(s.api_keys_of(alice).await.unwrap().is_empty());
    assert!(
        s.auth_token("tok-a", &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(s.api_key_by_hash("kb").await.unwrap().is_some());
}

pub async fn a_full_space_refuses_new_accounts(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    for user in ["a", "b"] {
        s.create_account(
            NewAccount::new(username(user), domain("example.org")),
            2,
            t0(),
        )
        .await
        .unwrap();
    }
    let third = NewAccount::new(username("c"), domain("example.org"));
    assert!(matches!(
        s.create_account(third.clone(), 2, t0()).await,
        Err(StoreError::SpaceFull)
    ));
    // The limit is per domain, and 0 means unlimited.
    s.create_account(NewAccount::new(username("c"), domain("other.org")), 2, t0())
        .await
        .unwrap();
    s.create_account(third, 0, t0()).await.unwrap();
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 3);
}

pub async fn concurrent_creations_never_exceed_max_accounts(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let mut tasks = JoinSet::new();
    for i in 0..20 {
        let s = s.clone();
        tasks.spawn(async move {
            let mut new = NewAccount::new(username(&format!("racer{i}")), domain("example.org"));
            new.passwords = passwords(&format!("racer{i}"), "example.org", "pw");
            s.create_account(new, 5, t0()).await
        });
    }
    let (mut created, mut full) = (0, 0);
    while let Some(outcome) = tasks.join_next().await {
        match outcome.expect("task") {
            Ok(_) => created += 1,
            Err(StoreError::SpaceFull) => full += 1,
            Err(e) => panic!("unexpected error under concurrency: {e:?}"),
        }
    }
    assert_eq!((created, full), (5, 15));
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 5);
}

pub async fn api_keys_are_found_by_hash_and_duplicates_conflict(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let user = s
        .create_api_key(user_key(alice, "hash-u", t0()))
        .await
        .unwrap();
    let admin = s
        .create_api_key(admin_key(alice, "hash-a", t0()))
        .await
        .unwrap();

    assert_eq!(user.account_id, alice);
    assert_eq!(user.requests, 0);
    assert_eq!(ms(user.last_used_at), ms(t0()));
    assert_eq!(
        user.kind,
        ApiKeyKind::User {
            ip: "198.51.100.7".into()
        }
    );
    assert_eq!(user.name.as_deref(), Some("name of hash-u"));
    let found = s.api_key_by_hash("hash-u").await.unwrap().unwrap();
    assert_eq!(found.id, user.id);
    assert_eq!(found.kind, user.kind);
    assert_eq!(found.name, user.name);
    assert_eq!(ms(found.created_at), ms(t0()));
    assert_eq!(
        s.api_key_by_hash("hash-a").await.unwrap().unwrap().kind,
        ApiKeyKind::Admin
    );
    assert!(s.api_key_by_hash("nope").await.unwrap().is_none());
    let ids: Vec<_> = s
        .api_keys_of(alice)
        .await
        .unwrap()
        .iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(ids, [user.id, admin.id]);

    assert_conflict(
        s.create_api_key(admin_key(alice, "hash-u", t0())).await,
        Conflict::ApiKey,
    );
    assert!(s.delete_api_key(user.id).await.unwrap());
    assert!(!s.delete_api_key(user.id).await.unwrap());
    assert!(s.api_key_by_hash("hash-u").await.unwrap().is_none());
}

pub async fn replacing_the_user_key_keeps_admin_keys(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    s.create_api_key(user_key(alice, "old-1", t0()))
        .await
        .unwrap();
    s.create_api_key(user_key(alice, "old-2", t0()))
        .await
        .unwrap();
    s.create_api_key(admin_key(alice, "admin", t0()))
        .await
        .unwrap();
    s.create_api_key(user_key(bob, "bobs", t0())).await.unwrap();

    let new = s
        .replace_user_api_key(user_key(alice, "new", t0()))
        .await
        .unwrap();

    let mut hashes: Vec<_> = s
        .api_keys_of(alice)
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.key_hash)
        .collect();
    hashes.sort();
    assert_eq!(hashes, ["admin", "new"]);
    assert_eq!(s.api_key_by_hash("new").await.unwrap().unwrap().id, new.id);
    assert!(s.api_key_by_hash("bobs").await.unwrap().is_some());
}

pub async fn usage_adds_requests_and_keeps_the_latest_use(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let key = s.create_api_key(user_key(alice, "k", t0())).await.unwrap();
    let gone = s
        .create_api_key(user_key(alice, "gone", t0()))
        .await
        .unwrap();
    s.delete_api_key(gone.id).await.unwrap();
    let late = t0() + secs(600);

    s.record_api_key_usage(&[
        ApiKeyUsage {
            id: key.id,
            last_used_at: late,
            requests: 3,
        },
        ApiKeyUsage {
            id: gone.id,
            last_used_at: late,
            requests: 1,
        },
    ])
    .await
    .unwrap();
    s.record_api_key_usage(&[ApiKeyUsage {
        id: key.id,
        last_used_at: t0() + secs(10),
        requests: 4,
    }])
    .await
    .unwrap();
    s.record_api_key_usage(&[]).await.unwrap();

    let stored = s.api_key_by_hash("k").await.unwrap().unwrap();
    assert_eq!(stored.requests, 7);
    assert_eq!(ms(stored.last_used_at), ms(late));
}

pub async fn purging_idle_user_keys_keeps_admin_keys(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    s.create_api_key(user_key(alice, "idle", t0()))
        .await
        .unwrap();
    let busy = s
        .create_api_key(user_key(alice, "busy", t0()))
        .await
        .unwrap();
    s.create_api_key(admin_key(alice, "admin", t0()))
        .await
        .unwrap();
    s.record_api_key_usage(&[ApiKeyUsage {
        id: busy.id,
        last_used_at: t0() + secs(120),
        requests: 1,
    }])
    .await
    .unwrap();

    assert_eq!(
        s.purge_idle_user_api_keys(t0() + secs(60)).await.unwrap(),
        1
    );

    assert!(s.api_key_by_hash("idle").await.unwrap().is_none());
    assert!(s.api_key_by_hash("busy").await.unwrap().is_some());
    assert!(s.api_key_by_hash("admin").await.unwrap().is_some());
}

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

pub async fn audit_events_are_listed_newest_first_and_outlive_their_actor(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let admin = account(&s, "admin", "example.org").await;
    for (i, path) in ["/api/accounts", "/api/accounts/7", "/api/spaces/x.org"]
        .iter()
        .enumerate()
    {
        s.record_audit_event(flexiapi_domain::model::NewAuditEvent {
            actor_id: admin,
            actor: "sip:admin@example.org".into(),
            method: "POST".into(),
            path: (*path).into(),
            status: 200,
            ip: "192.0.2.9".into(),
            created_at: t0() + secs(i as i64),
        })
        .await
        .unwrap();
    }
    let first = s.list_audit_events(1, 2).await.unwrap();
    assert_eq!(first.total, 3);
    let paths: Vec<&str> = first.items.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["/api/spaces/x.org", "/api/accounts/7"]);
    assert_eq!(first.items[0].actor_id, Some(admin));
    assert_eq!(first.items[0].status, 200);
    assert_eq!(first.items[0].ip, "192.0.2.9");
    assert_eq!(ms(first.items[0].created_at), ms(t0() + secs(2)));
    let second = s.list_audit_events(2, 2).await.unwrap();
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.items[0].path, "/api/accounts");

    s.delete_account(admin, t0()).await.unwrap();
    let after = s.list_audit_events(1, 10).await.unwrap();
    assert_eq!(after.total, 3, "the trail is kept");
    assert!(after.items.iter().all(|e| e.actor_id.is_none()));
    assert_eq!(after.items[0].actor, "sip:admin@example.org");
}

pub async fn auth_failures_are_counted_per_key_over_a_window_and_purged(s: Arc<dyn Storage>) {
    for offset in [0, 10, 20] {
        s.record_auth_failure("ip:192.0.2.1", t0() + secs(offset))
            .await
            .unwrap();
    }
    s.record_auth_failure("account:alice@example.org", t0() + secs(5))
        .await
        .unwrap();
    let counts = s
        .auth_failures_since(
            &["ip:192.0.2.1", "account:alice@example.org", "ip:unknown"],
            t0(),
        )
        .await
        .unwrap();
    // Strictly after `since`: the failure at t0 is out.
    assert_eq!(counts[0].0, 2);
    assert_eq!(counts[0].1.map(ms), Some(ms(t0() + secs(10))));
    assert_eq!(counts[1].0, 1);
    assert_eq!(counts[2], (0, None));
    let all = s
        .auth_failures_since(&["ip:192.0.2.1"], t0() - secs(1))
        .await
        .unwrap();
    assert_eq!(all[0].0, 3);
    assert_eq!(s.purge_auth_failures(t0() + secs(10)).await.unwrap(), 2);
    let left = s
        .auth_failures_since(
            &["ip:192.0.2.1", "account:alice@example.org"],
            t0() - secs(1),
        )
        .await
        .unwrap();
    assert_eq!((left[0].0, left[1].0), (2, 0));
}

pub async fn concurrent_auth_failures_are_all_counted(s: Arc<dyn Storage>) {
    let mut tasks = JoinSet::new();
    for i in 0..20 {
        let s = s.clone();
        tasks.spawn(async move {
            s.record_auth_failure("ip:198.51.100.7", t0() + secs(i))
                .await
        });
    }
    while let Some(outcome) = tasks.join_next().await {
        outcome.expect("task").expect("record_auth_failure");
    }
    let counts = s
        .auth_failures_since(&["ip:198.51.100.7"], t0() - secs(1))
        .await
        .unwrap();
    assert_eq!(counts[0].0, 20);
}

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

pub async fn dictionary_entries_are_upserted_deleted_and_cleared(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    s.clear_dictionary(bob).await.unwrap();
    assert_eq!(
        s.dictionary_of(alice).await.unwrap(),
        dictionary(&[("color", "blue"), ("lang", "fr")])
    );

    s.set_dictionary_entry(alice, "color", "red", t0())
        .await
        .unwrap();
    s.set_dictionary_entry(alice, "a key/with spaces", "é", t0())
        .await
        .unwrap();
    assert_eq!(
        s.dictionary_of(alice).await.unwrap(),
        dictionary(&[("a key/with spaces", "é"), ("color", "red"), ("lang", "fr")])
    );
    assert!(s.dictionary_of(bob).await.unwrap().is_empty());

    assert!(s.delete_dictionary_entry(alice, "color").await.unwrap());
    assert!(!s.delete_dictionary_entry(alice, "color").await.unwrap());
    assert!(!s.delete_dictionary_entry(bob, "lang").await.unwrap());
    assert_eq!(s.clear_dictionary(alice).await.unwrap(), 2);
    assert_eq!(s.clear_dictionary(alice).await.unwrap(), 0);
    assert!(s.dictionary_of(alice).await.unwrap().is_empty());

    assert!(matches!(
        s.set_dictionary_entry(AccountId(alice.0 + 1000), "k", "v", t0())
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn create_and_update_write_the_dictionary_with_the_account(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let mut new = full_account("alice", "example.org");
    new.dictionary = dictionary(&[("x", "1"), ("y", "2")]);
    let created = s.create_account(new, 0, t0()).await.unwrap();
    assert_eq!(
        s.dictionary_of(created.id).await.unwrap(),
        dictionary(&[("x", "1"), ("y", "2")])
    );

    // `None` keeps the entries.
    let unchanged = AccountChanges::unchanged(&created);
    s.update_account(created.id, unchanged.clone(), t0())
        .await
        .unwrap();
    assert_eq!(s.dictionary_of(created.id).await.unwrap().len(), 2);

    let replaced = AccountChanges {
        dictionary: Some(dictionary(&[("y", "3"), ("z", "4")])),
        ..unchanged.clone()
    };
    s.update_account(created.id, replaced, t0()).await.unwrap();
    assert_eq!(
        s.dictionary_of(created.id).await.unwrap(),
        dictionary(&[("y", "3"), ("z", "4")])
    );

    // A refused update leaves the entries as they were.
    s.create_account(full_account("bob", "example.org"), 0, t0())
        .await
        .unwrap();
    let refused = AccountChanges {
        username: username("bob"),
        dictionary: Some(dictionary(&[("lost", "!")])),
        ..unchanged.clone()
    };
    assert_conflict(
        s.update_account(created.id, refused, t0()).await,
        Conflict::AccountIdentity,
    );
    assert_eq!(s.dictionary_of(created.id).await.unwrap().len(), 2);

    let cleared = AccountChanges {
        dictionary: Some(dictionary(&[])),
        ..unchanged
    };
    s.update_account(created.id, cleared, t0()).await.unwrap();
    assert!(s.dictionary_of(created.id).await.unwrap().is_empty());

    s.set_dictionary_entry(created.id, "k", "v", t0())
        .await
        .unwrap();
    assert!(s.delete_account(created.id, t0()).await.unwrap());
    assert!(s.dictionary_of(created.id).await.unwrap().is_empty());
}

/// An admin's deactivation (`deactivated_at`) is stored with the flags, read back by every
/// account read, and cleared by an update that sends `None`; a new account has none.
pub async fn a_deactivation_is_stored_read_back_and_cleared(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let created = s
        .create_account(full_account("alice", "example.org"), 0, t0())
        .await
        .unwrap();
    assert_eq!(created.deactivated_at, None);
    assert_eq!(
        s.account_by_id(created.id)
            .await
            .unwrap()
            .unwrap()
            .deactivated_at,
        None
    );
    let at = t0() + secs(5) + chrono::Duration::microseconds(123_456);
    let deactivated = AccountChanges {
        activated: false,
        deactivated_at: Some(at),
        ..AccountChanges::unchanged(&created)
    };
    let updated = s
        .update_account(created.id, deactivated, t0() + secs(6))
        .await
        .unwrap();
    assert_eq!(updated.deactivated_at.map(ms), Some(ms(at)));
    assert!(!updated.activated);
    let by_id = s.account_by_id(created.id).await.unwrap().unwrap();
    let by_identity = s
        .account_by_identity(&username("alice"), &domain("example.org"))
        .await
        .unwrap()
        .unwrap();
    let by_email = s
        .account_by_email(&domain("example.org"), "alice@mail.example")
        .await
        .unwrap()
        .unwrap();
    let listed = s
        .list_accounts(&AccountQuery {
            domain: domain("example.org"),
            search: None,
            page: 1,
            per_page: 10,
        })
        .await
        .unwrap()
        .items;
    for read in [&by_id, &by_identity, &by_email, &listed[0]] {
        assert_eq!(read.deactivated_at.map(ms), Some(ms(at)), "{read:?}");
    }
    // Unchanged keeps it; `None` clears it.
    let kept = s
        .update_account(
            created.id,
            AccountChanges::unchanged(&by_id),
            t0() + secs(7),
        )
        .await
        .unwrap();
    assert_eq!(kept.deactivated_at.map(ms), Some(ms(at)));
    let activated = AccountChanges {
        activated: true,
        deactivated_at: None,
        ..AccountChanges::unchanged(&by_id)
    };
    s.update_account(created.id, activated, t0() + secs(8))
        .await
        .unwrap();
    let read = s.account_by_id(created.id).await.unwrap().unwrap();
    assert!(read.activated);
    assert_eq!(read.deactivated_at, None);
}

pub async fn concurrent_sets_of_one_key_leave_one_entry(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let mut tasks = JoinSet::new();
    for i in 0..20 {
        let s = s.clone();
        tasks.spawn(async move {
            s.set_dictionary_entry(alice, "race", &format!("v{i}"), t0())
                .await
        });
    }
    while let Some(outcome) = tasks.join_next().await {
        outcome.expect("task").expect("set_dictionary_entry");
    }
    let entries = s.dictionary_of(alice).await.unwrap();
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert!(entries["race"].starts_with('v'));
}

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

pub async fn accounts_are_found_by_phone_or_by_username(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let mut by_phone = full_account("alice", "example.org");
    by_phone.phone = Some("+33611111111".into());
    let alice = s.create_account(by_phone, 0, t0()).await.unwrap();
    let mut named = full_account("+33622222222", "example.org");
    named.phone = None;
    let named = s.create_account(named, 0, t0()).await.unwrap();
    let found = |phone: &'static str, d: &'static str| {
        let s = s.clone();
        async move {
            s.account_by_phone(&domain(d), phone)
                .await
                .unwrap()
                .map(|a| a.id)
        }
    };
    assert_eq!(found("+33611111111", "example.org").await, Some(alice.id));
    assert_eq!(found("+33622222222", "example.org").await, Some(named.id));
    assert_eq!(found("+33611111111", "other.org").await, None);
    assert_eq!(found("+33633333333", "example.org").await, None);
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

pub async fn account_types_are_created_listed_updated_and_deleted(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let d = domain("example.org");
    let phone = s.create_account_type(&d, "phone", t0()).await.unwrap();
    let door = s.create_account_type(&d, "door", t0()).await.unwrap();
    assert_eq!(phone.key, "phone");
    assert_conflict(
        s.create_account_type(&d, "phone", t0()).await,
        Conflict::AccountTypeKey,
    );
    assert!(matches!(
        s.create_account_type(&domain("nowhere.org"), "phone", t0())
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        s.list_account_types(&d).await.unwrap(),
        [phone.clone(), door.clone()]
    );
    assert_eq!(
        s.account_type(&d, door.id).await.unwrap(),
        Some(door.clone())
    );
    assert!(
        s.account_type(&d, AccountTypeId(door.id.0 + 1000))
            .await
            .unwrap()
            .is_none()
    );

    let renamed = s
        .update_account_type(&d, door.id, "gate", t0())
        .await
        .unwrap();
    assert_eq!(renamed.key, "gate");
    assert_eq!(renamed.id, door.id);
    // Same key again: no change, no conflict with itself.
    s.update_account_type(&d, door.id, "gate", t0())
        .await
        .unwrap();
    assert_conflict(
        s.update_account_type(&d, door.id, "phone", t0()).await,
        Conflict::AccountTypeKey,
    );
    assert!(matches!(
        s.update_account_type(&d, AccountTypeId(door.id.0 + 1000), "x", t0())
            .await,
        Err(StoreError::NotFound)
    ));

    assert!(s.delete_account_type(&d, phone.id).await.unwrap());
    assert!(!s.delete_account_type(&d, phone.id).await.unwrap());
    assert_eq!(s.list_account_types(&d).await.unwrap(), [renamed]);
}

pub async fn account_types_are_attached_once_and_detached(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let d = domain("example.org");
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let phone = s.create_account_type(&d, "phone", t0()).await.unwrap();
    let door = s.create_account_type(&d, "door", t0()).await.unwrap();

    assert!(
        s.attach_account_type(&d, alice, door.id, t0())
            .await
            .unwrap()
    );
    assert!(
        s.attach_account_type(&d, alice, phone.id, t0())
            .await
            .unwrap()
    );
    assert!(
        !s.attach_account_type(&d, alice, door.id, t0())
            .await
            .unwrap()
    );
    assert!(s.attach_account_type(&d, bob, door.id, t0()).await.unwrap());
    assert_eq!(
        s.types_of(alice).await.unwrap(),
        [phone.clone(), door.clone()]
    );
    assert!(matches!(
        s.attach_account_type(&d, alice, AccountTypeId(door.id.0 + 1000), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.attach_account_type(&d, AccountId(bob.0 + 1000), door.id, t0())
            .await,
        Err(StoreError::NotFound)
    ));

    assert!(s.detach_account_type(&d, alice, phone.id).await.unwrap());
    assert!(!s.detach_account_type(&d, alice, phone.id).await.unwrap());
    assert_eq!(
        s.types_of(alice).await.unwrap(),
        std::slice::from_ref(&door)
    );

    // Deleting a type detaches it; deleting an account removes its attachments.
    assert!(s.delete_account_type(&d, door.id).await.unwrap());
    assert!(s.types_of(alice).await.unwrap().is_empty());
    assert!(
        s.attach_account_type(&d, bob, phone.id, t0())
            .await
            .unwrap()
    );
    assert!(s.delete_account(bob, t0()).await.unwrap());
    assert!(s.types_of(bob).await.unwrap().is_empty());
    assert!(
        s.attach_account_type(&d, alice, phone.id, t0())
            .await
            .unwrap()
    );
}

pub async fn concurrent_attachments_of_a_type_let_one_win(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let d = domain("example.org");
    let alice = account(&s, "alice", "example.org").await;
    let phone = s.create_account_type(&d, "phone", t0()).await.unwrap();
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let s = s.clone();
        let d = d.clone();
        tasks.spawn(async move { s.attach_account_type(&d, alice, phone.id, t0()).await });
    }
    let mut wins = 0;
    while let Some(outcome) = tasks.join_next().await {
        if outcome.expect("task").expect("attach_account_type") {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(s.types_of(alice).await.unwrap().len(), 1);
}

pub async fn account_types_belong_to_their_space(s: Arc<dyn Storage>) {
    space(&s, "a.org").await;
    space(&s, "b.org").await;
    let (a, b) = (domain("a.org"), domain("b.org"));
    let alice = account(&s, "alice", "a.org").await;
    let bob = account(&s, "bob", "b.org").await;
    // The same key in two spaces: two types.
    let ours = s.create_account_type(&a, "phone", t0()).await.unwrap();
    let theirs = s.create_account_type(&b, "phone", t0()).await.unwrap();
    assert_ne!(ours.id, theirs.id);
    assert_eq!(
        s.list_account_types(&a).await.unwrap(),
        std::slice::from_ref(&ours)
    );
    assert_eq!(
        s.list_account_types(&b).await.unwrap(),
        std::slice::from_ref(&theirs)
    );

    // Another space's type is an unknown id.
    assert!(s.account_type(&a, theirs.id).await.unwrap().is_none());
    assert!(matches!(
        s.update_account_type(&a, theirs.id, "door", t0()).await,
        Err(StoreError::NotFound)
    ));
    assert!(!s.delete_account_type(&a, theirs.id).await.unwrap());
    assert_eq!(
        s.account_type(&b, theirs.id).await.unwrap(),
        Some(theirs.clone()),
        "untouched"
    );
    // Neither a type nor an account of another space can be attached.
    for (d, account, kind) in [
        (&a, alice, theirs.id),
        (&a, bob, ours.id),
        (&b, alice, ours.id),
        (&b, alice, theirs.id),
    ] {
        assert!(
            matches!(
                s.attach_account_type(d, account, kind, t0()).await,
                Err(StoreError::NotFound)
            ),
            "{d} {account:?} {kind:?}"
        );
    }
    assert!(s.types_of(alice).await.unwrap().is_empty());
    assert!(
        s.attach_account_type(&b, bob, theirs.id, t0())
            .await
            .unwrap()
    );
    assert!(!s.detach_account_type(&a, bob, theirs.id).await.unwrap());
    assert_eq!(
        s.types_of(bob).await.unwrap(),
        std::slice::from_ref(&theirs)
    );

    // A space's types go with it.
    assert!(s.delete_space(&b).await.unwrap());
    space(&s, "b.org").await;
    assert!(s.list_account_types(&b).await.unwrap().is_empty());
    assert_eq!(
        s.list_account_types(&a).await.unwrap(),
        std::slice::from_ref(&ours)
    );
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

pub async fn account_actions_are_scoped_to_their_account(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let open = s
        .create_account_action(alice, "open", "1234", t0())
        .await
        .unwrap();
    let close = s
        .create_account_action(alice, "close", "0", t0())
        .await
        .unwrap();
    let bobs = s
        .create_account_action(bob, "open", "9", t0())
        .await
        .unwrap();
    assert_eq!(
        (open.account_id, open.key.as_str(), open.code.as_str()),
        (alice, "open", "1234")
    );
    assert!(matches!(
        s.create_account_action(AccountId(bob.0 + 1000), "k", "c", t0())
            .await,
        Err(StoreError::NotFound)
    ));

    assert_eq!(
        s.account_actions(alice).await.unwrap(),
        [open.clone(), close.clone()]
    );
    assert_eq!(
        s.account_action(alice, open.id).await.unwrap(),
        Some(open.clone())
    );
    assert!(s.account_action(bob, open.id).await.unwrap().is_none());

    let changed = s
        .update_account_action(alice, open.id, "unlock", "42", t0())
        .await
        .unwrap();
    assert_eq!(
        (changed.id, changed.key.as_str(), changed.code.as_str()),
        (open.id, "unlock", "42")
    );
    s.update_account_action(alice, open.id, "unlock", "42", t0())
        .await
        .unwrap();
    assert!(matches!(
        s.update_account_action(bob, open.id, "x", "1", t0()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.update_account_action(alice, AccountActionId(open.id.0 + 1000), "x", "1", t0())
            .await,
        Err(StoreError::NotFound)
    ));

    assert!(!s.delete_account_action(bob, close.id).await.unwrap());
    assert!(s.delete_account_action(alice, close.id).await.unwrap());
    assert!(!s.delete_account_action(alice, close.id).await.unwrap());
    assert_eq!(s.account_actions(alice).await.unwrap(), [changed]);

    assert!(s.delete_account(bob, t0()).await.unwrap());
    assert!(s.account_action(bob, bobs.id).await.unwrap().is_none());
}

pub async fn phone_countries_are_seeded_deactivated(s: Arc<dyn Storage>) {
    let countries = s.list_phone_countries().await.unwrap();
    let listed: Vec<(&str, &str)> = countries
        .iter()
        .map(|c| (c.code.as_str(), c.country_code.as_str()))
        .collect();
    assert_eq!(listed, PHONE_COUNTRIES);
    assert!(countries.len() >= 240);
    assert!(countries.iter().all(|c| !c.activated));
    let fr = s.phone_country("FR").await.unwrap().unwrap();
    assert_eq!((fr.country_code.as_str(), fr.activated), ("33", false));
    assert!(s.phone_country("ZZ").await.unwrap().is_none());
}

pub async fn activating_a_dialling_code_activates_every_country_sharing_it(s: Arc<dyn Storage>) {
    let sharing_1 = PHONE_COUNTRIES.iter().filter(|(_, cc)| *cc == "1").count() as u64;
    assert!(sharing_1 > 2);

    assert_eq!(
        s.set_phone_countries_activated("1", true).await.unwrap(),
        sharing_1
    );
    // Already active: still counted.
    assert_eq!(
        s.set_phone_countries_activated("1", true).await.unwrap(),
        sharing_1
    );
    assert_eq!(
        s.set_phone_countries_activated("33", true).await.unwrap(),
        1
    );
    assert_eq!(
        s.set_phone_countries_activated("999", true).await.unwrap(),
        0
    );

    let active: Vec<String> = s
        .list_phone_countries()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.activated)
        .map(|c| c.code)
        .collect();
    assert_eq!(active.len() as u64, sharing_1 + 1);
    assert!(active.iter().any(|c| c == "US") && active.iter().any(|c| c == "CA"));
    assert!(active.iter().any(|c| c == "FR"));

    assert_eq!(
        s.set_phone_countries_activated("1", false).await.unwrap(),
        sharing_1
    );
    assert!(!s.phone_country("US").await.unwrap().unwrap().activated);
    assert!(s.phone_country("FR").await.unwrap().unwrap().activated);
}

pub async fn contacts_are_added_once_listed_and_removed(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let carol = account(&s, "carol", "example.org").await;
    let unknown = AccountId(carol.0 + 1000);

    assert!(s.add_contact(alice, carol, t0()).await.unwrap());
    assert!(s.add_contact(alice, bob, t0()).await.unwrap());
    assert!(!s.add_contact(alice, bob, t0()).await.unwrap());
    assert!(s.add_contact(bob, alice, t0()).await.unwrap());
    assert!(matches!(
        s.add_contact(alice, unknown, t0()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.add_contact(unknown, alice, t0()).await,
        Err(StoreError::NotFound)
    ));

    let contacts = s.contacts_of(alice).await.unwrap();
    let ids: Vec<AccountId> = contacts.iter().map(|a| a.id).collect();
    assert_eq!(ids, [bob, carol]);
    let stored_bob = s.account_by_id(bob).await.unwrap().unwrap();
    assert_eq!(norm(contacts[0].clone()), norm(stored_bob));

    assert!(s.remove_contact(alice, bob).await.unwrap());
    assert!(!s.remove_contact(alice, bob).await.unwrap());
    assert_eq!(s.contacts_of(alice).await.unwrap().len(), 1);

    // A deleted account leaves every contact list it was in.
    assert!(s.delete_account(carol, t0()).await.unwrap());
    assert!(s.contacts_of(alice).await.unwrap().is_empty());
    assert_eq!(s.contacts_of(bob).await.unwrap().len(), 1);
}

async fn contacts_list(s: &Arc<dyn Storage>, space: &Space, title: &str) -> ContactsList {
    s.create_contacts_list(space.id, title, Some("description"), t0())
        .await
        .expect("create contacts list")
}

fn norm_list(mut l: ContactsList) -> ContactsList {
    l.created_at = ms(l.created_at);
    l.updated_at = ms(l.updated_at);
    l
}

fn count(lists: &[ContactsList], id: ContactsListId) -> u64 {
    lists
        .iter()
        .find(|l| l.id == id)
        .map(|l| l.contacts_count)
        .expect("list in the listing")
}

pub async fn contacts_lists_are_created_listed_shown_updated_and_deleted(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let there = space(&s, "other.org").await;
    let friends = s
        .create_contacts_list(here.id, "Friends", Some("close ones"), t0())
        .await
        .unwrap();
    assert_eq!(friends.space_id, here.id);
    assert_eq!(friends.title, "Friends");
    assert_eq!(friends.description.as_deref(), Some("close ones"));
    assert_eq!(friends.contacts_count, 0);
    assert_eq!(ms(friends.created_at), ms(t0()));
    let family = s
        .create_contacts_list(here.id, "Family", None, t0())
        .await
        .unwrap();
    let elsewhere = contacts_list(&s, &there, "Elsewhere").await;
    assert!(matches!(
        s.create_contacts_list(SpaceId(there.id.0 + 1000), "Nowhere", None, t0())
            .await,
        Err(StoreError::NotFound)
    ));

    let listed: Vec<ContactsList> = s
        .contacts_lists_of(here.id)
        .await
        .unwrap()
        .into_iter()
        .map(norm_list)
        .collect();
    assert_eq!(
        listed,
        [norm_list(friends.clone()), norm_list(family.clone())]
    );
    assert_eq!(
        s.contacts_lists_of(there.id).await.unwrap()[0].id,
        elsewhere.id
    );
    assert_eq!(
        s.contacts_list(family.id).await.unwrap().map(norm_list),
        Some(norm_list(family.clone()))
    );
    assert!(
        s.contacts_list(ContactsListId(elsewhere.id.0 + 1000))
            .await
            .unwrap()
            .is_none()
    );

    let later = t0() + secs(60);
    let renamed = s
        .update_contacts_list(family.id, "Relatives", Some("by blood"), later)
        .await
        .unwrap();
    assert_eq!(renamed.id, family.id);
    assert_eq!(renamed.space_id, here.id);
    assert_eq!(renamed.title, "Relatives");
    assert_eq!(renamed.description.as_deref(), Some("by blood"));
    assert_eq!(ms(renamed.created_at), ms(t0()));
    assert_eq!(ms(renamed.updated_at), ms(later));
    // Same title again: no change, no conflict with itself.
    s.update_contacts_list(family.id, "Relatives", Some("by blood"), later)
        .await
        .unwrap();
    assert_eq!(
        s.contacts_list(family.id).await.unwrap().map(norm_list),
        Some(norm_list(renamed))
    );
    assert!(matches!(
        s.update_contacts_list(ContactsListId(elsewhere.id.0 + 1000), "X", None, later)
            .await,
        Err(StoreError::NotFound)
    ));

    assert!(s.delete_contacts_list(friends.id).await.unwrap());
    assert!(!s.delete_contacts_list(friends.id).await.unwrap());
    assert!(s.contacts_list(friends.id).await.unwrap().is_none());
    assert_eq!(s.contacts_lists_of(here.id).await.unwrap().len(), 1);
    assert_eq!(s.contacts_lists_of(there.id).await.unwrap().len(), 1);
}

pub async fn a_contacts_list_title_is_unique_across_spaces(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let there = space(&s, "other.org").await;
    contacts_list(&s, &here, "Friends").await;
    let family = contacts_list(&s, &here, "Family").await;
    assert_conflict(
        s.create_contacts_list(here.id, "Friends", None, t0()).await,
        Conflict::ContactsListTitle,
    );
    assert_conflict(
        s.create_contacts_list(there.id, "Friends", None, t0())
            .await,
        Conflict::ContactsListTitle,
    );
    assert_conflict(
        s.update_contacts_list(family.id, "Friends", None, t0())
            .await,
        Conflict::ContactsListTitle,
    );
    // Titles compare exactly: another case is another title.
    contacts_list(&s, &there, "friends").await;
    assert_eq!(
        s.contacts_list(family.id).await.unwrap().unwrap().title,
        "Family"
    );
}

pub async fn contacts_list_members_are_added_once_and_removed(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let friends = contacts_list(&s, &here, "Friends").await;
    let family = contacts_list(&s, &here, "Family").await;
    let unknown_list = ContactsListId(family.id.0 + 1000);
    let unknown_account = AccountId(bob.0 + 1000);

    assert!(
        s.add_to_contacts_list(friends.id, alice, t0())
            .await
            .unwrap()
    );
    assert!(s.add_to_contacts_list(friends.id, bob, t0()).await.unwrap());
    assert!(!s.add_to_contacts_list(friends.id, bob, t0()).await.unwrap());
    assert!(s.add_to_contacts_list(family.id, bob, t0()).await.unwrap());
    assert!(matches!(
        s.add_to_contacts_list(unknown_list, alice, t0()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.add_to_contacts_list(friends.id, unknown_account, t0())
            .await,
        Err(StoreError::NotFound)
    ));
    let lists = s.contacts_lists_of(here.id).await.unwrap();
    assert_eq!(count(&lists, friends.id), 2);
    assert_eq!(count(&lists, family.id), 1);
    assert_eq!(
        s.contacts_list(friends.id)
            .await
            .unwrap()
            .unwrap()
            .contacts_count,
        2
    );

    assert!(s.remove_from_contacts_list(friends.id, bob).await.unwrap());
    assert!(!s.remove_from_contacts_list(friends.id, bob).await.unwrap());
    assert!(
        !s.remove_from_contacts_list(unknown_list, bob)
            .await
            .unwrap()
    );
    let lists = s.contacts_lists_of(here.id).await.unwrap();
    assert_eq!(count(&lists, friends.id), 1);
    assert_eq!(count(&lists, family.id), 1);
    let updated = s
        .update_contacts_list(friends.id, "Friends", None, t0())
        .await
        .unwrap();
    assert_eq!(updated.contacts_count, 1, "an update answers the count too");
}

pub async fn contacts_lists_are_attached_once_and_detached(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let friends = contacts_list(&s, &here, "Friends").await;
    s.add_to_contacts_list(friends.id, bob, t0()).await.unwrap();

    assert!(
        s.attach_contacts_list(alice, friends.id, t0())
            .await
            .unwrap()
    );
    assert!(
        !s.attach_contacts_list(alice, friends.id, t0())
            .await
            .unwrap()
    );
    assert!(matches!(
        s.attach_contacts_list(alice, ContactsListId(friends.id.0 + 1000), t0())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        s.attach_contacts_list(AccountId(bob.0 + 1000), friends.id, t0())
            .await,
        Err(StoreError::NotFound)
    ));
    let seen: Vec<AccountId> = s
        .all_contacts_of(alice)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(seen, [bob]);

    assert!(s.detach_contacts_list(alice, friends.id).await.unwrap());
    assert!(!s.detach_contacts_list(alice, friends.id).await.unwrap());
    assert!(s.all_contacts_of(alice).await.unwrap().is_empty());
    // Detaching left the list and its members alone.
    assert_eq!(
        s.contacts_list(friends.id)
            .await
            .unwrap()
            .unwrap()
            .contacts_count,
        1
    );
}

pub async fn all_contacts_are_direct_ones_and_members_of_attached_lists_once(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let me = account(&s, "me", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let carol = account(&s, "carol", "example.org").await;
    let dave = account(&s, "dave", "example.org").await;
    let erin = account(&s, "erin", "example.org").await;
    let friends = contacts_list(&s, &here, "Friends").await;
    let work = contacts_list(&s, &here, "Work").await;
    let unattached = contacts_list(&s, &here, "Unattached").await;

    // dave is a direct contact and in two attached lists; erin is only in an unattached list.
    s.add_contact(me, dave, t0()).await.unwrap();
    s.add_contact(me, bob, t0()).await.unwrap();
    s.add_contact(bob, erin, t0()).await.unwrap();
    for (list, member) in [
        (friends.id, dave),
        (friends.id, carol),
        (work.id, dave),
        (unattached.id, erin),
    ] {
        s.add_to_contacts_list(list, member, t0()).await.unwrap();
    }
    s.attach_contacts_list(me, friends.id, t0()).await.unwrap();
    s.attach_contacts_list(me, work.id, t0()).await.unwrap();

    let all = s.all_contacts_of(me).await.unwrap();
    let ids: Vec<AccountId> = all.iter().map(|a| a.id).collect();
    assert_eq!(ids, [bob, carol, dave]);
    let stored_carol = s.account_by_id(carol).await.unwrap().unwrap();
    assert_eq!(norm(all[1].clone()), norm(stored_carol));
    assert!(
        s.all_contacts_of(AccountId(erin.0 + 1000))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(s.all_contacts_of(bob).await.unwrap().len(), 1);
}

pub async fn deleting_an_account_a_list_or_a_space_cascades_to_contacts_lists(s: Arc<dyn Storage>) {
    let gone = space(&s, "gone.org").await;
    let kept = space(&s, "kept.org").await;
    let alice = account(&s, "alice", "kept.org").await;
    let bob = account(&s, "bob", "kept.org").await;
    let carol = account(&s, "carol", "kept.org").await;
    let friends = contacts_list(&s, &kept, "Friends").await;
    let work = contacts_list(&s, &kept, "Work").await;
    let doomed = contacts_list(&s, &gone, "Doomed").await;
    for member in [bob, carol] {
        s.add_to_contacts_list(friends.id, member, t0())
            .await
            .unwrap();
    }
    s.add_to_contacts_list(work.id, carol, t0()).await.unwrap();
    s.attach_contacts_list(alice, friends.id, t0())
        .await
        .unwrap();
    s.attach_contacts_list(alice, work.id, t0()).await.unwrap();
    s.attach_contacts_list(bob, work.id, t0()).await.unwrap();

    // A deleted member leaves every list; a deleted account loses its attachments.
    assert!(s.delete_account(carol, t0()).await.unwrap());
    assert_eq!(
        s.contacts_list(friends.id)
            .await
            .unwrap()
            .unwrap()
            .contacts_count,
        1
    );
    assert_eq!(
        s.contacts_list(work.id)
            .await
            .unwrap()
            .unwrap()
            .contacts_count,
        0
    );
    assert!(s.delete_account(bob, t0()).await.unwrap());
    assert!(s.all_contacts_of(alice).await.unwrap().is_empty());

    // A deleted list leaves the accounts it was attached to.
    let dave = account(&s, "dave", "kept.org").await;
    s.add_to_contacts_list(work.id, dave, t0()).await.unwrap();
    assert!(s.delete_contacts_list(work.id).await.unwrap());
    assert!(s.all_contacts_of(alice).await.unwrap().is_empty());
    assert!(!s.detach_contacts_list(alice, work.id).await.unwrap());

    // A deleted space takes its lists along; a title is free again.
    assert!(s.delete_space(&gone.domain).await.unwrap());
    assert!(s.contacts_list(doomed.id).await.unwrap().is_none());
    assert!(s.contacts_list(friends.id).await.unwrap().is_some());
    contacts_list(&s, &kept, "Doomed").await;
}

pub async fn concurrent_additions_to_a_contacts_list_let_one_win(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let friends = contacts_list(&s, &here, "Friends").await;
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let s = s.clone();
        tasks.spawn(async move { s.add_to_contacts_list(friends.id, alice, t0()).await });
    }
    let mut wins = 0;
    while let Some(outcome) = tasks.join_next().await {
        if outcome.expect("task").expect("add_to_contacts_list") {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(
        s.contacts_list(friends.id)
            .await
            .unwrap()
            .unwrap()
            .contacts_count,
        1
    );
}

pub async fn concurrent_attachments_of_a_contacts_list_let_one_win(s: Arc<dyn Storage>) {
    let here = space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let friends = contacts_list(&s, &here, "Friends").await;
    let mut tasks = JoinSet::new();
    for _ in 0..10 {
        let s = s.clone();
        tasks.spawn(async move { s.attach_contacts_list(alice, friends.id, t0()).await });
    }
    let mut wins = 0;
    while let Some(outcome) = tasks.join_next().await {
        if outcome.expect("task").expect("attach_contacts_list") {
            wins += 1;
        }
    }
    assert_eq!(wins, 1);
    assert!(s.detach_contacts_list(alice, friends.id).await.unwrap());
    assert!(!s.detach_contacts_list(alice, friends.id).await.unwrap());
}
