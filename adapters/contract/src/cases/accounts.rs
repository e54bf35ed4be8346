//! Accounts and their passwords: creation, lookups, listing, updates, deactivation, deletion and the space quota.

use std::sync::Arc;

use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    AccountChanges, AccountId, AccountQuery, CardDavCredentials, Email, NewAccount,
    NewCardDavServer, NewChangeCode, Password, PasswordAlgorithm, PhoneNumber,
};
use flexiapi_domain::ports::{ChangeCodeRepository, Storage};
use tokio::task::JoinSet;

use crate::support::*;

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
    first.email = Some(email("shared@mail.example"));
    let mut second = full_account("second", "example.org");
    second.email = Some(email("shared@mail.example"));
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
        .account_by_email(&domain("example.org"), &email("shared@mail.example"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_email.id, first.id);
    assert!(
        s.account_by_email(&domain("other.org"), &email("shared@mail.example"))
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
        new.email = Some(email(&format!("person{i}@Mail.Example")));
        new.phone = Some(phone(&format!("+3361234000{i}")));
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
    let example = space(&s, "example.org").await;
    let alice = account(&s, "alice", "example.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let carol = account(&s, "carol", "example.org").await;
    let d = domain("example.org");
    let kinds = [
        s.create_account_type(&d, &type_key("phone"), t0()).await.unwrap(),
        s.create_account_type(&d, &type_key("door"), t0()).await.unwrap(),
    ];
    for kind in &kinds {
        s.attach_account_type(&d, alice, kind.id, t0())
            .await
            .unwrap();
    }
    s.attach_account_type(&d, bob, kinds[1].id, t0())
        .await
        .unwrap();
    s.create_account_action(alice, &action_key("1"), &action_code("open"), t0())
        .await
        .unwrap();
    s.create_account_action(alice, &action_key("2"), &action_code("close"), t0())
        .await
        .unwrap();
    s.create_account_action(bob, &action_key("9"), &action_code("ring"), t0())
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
    // Markers: alice has a pending e-mail change and CardDAV credentials, bob a pending phone
    // change, carol an e-mail change code already confirmed (not pending any more).
    fn change<T>(account_id: AccountId, code: &str, target: T) -> NewChangeCode<T> {
        NewChangeCode {
            account_id,
            code: code.into(),
            target,
            ip: None,
            user_agent: None,
        }
    }
    ChangeCodeRepository::<Email>::create_change_code(
        &*s,
        change(alice, "1234", email("new@example.org")),
        t0(),
    )
    .await
    .unwrap();
    ChangeCodeRepository::<PhoneNumber>::create_change_code(
        &*s,
        change(bob, "5678", phone("+33612345678")),
        t0(),
    )
    .await
    .unwrap();
    let spent = ChangeCodeRepository::<Email>::create_change_code(
        &*s,
        change(carol, "9012", email("carol.new@example.org")),
        t0(),
    )
    .await
    .unwrap();
    ChangeCodeRepository::<Email>::apply_change_code(&*s, spent.id, false, t0())
        .await
        .unwrap()
        .expect("the code applies");
    let dav = s
        .create_carddav_server(
            &NewCardDavServer {
                space_id: example.id,
                enabled: true,
                uri: "https://dav.example.org".into(),
                min_characters: 2,
                results_limit: 25,
                timeout: 7,
                delay: 300,
                fields_for_user_input: None,
                fields_for_domain: None,
                use_exact_match_policy: false,
            },
            t0(),
        )
        .await
        .unwrap();
    s.put_carddav_credentials(&CardDavCredentials {
        account_id: alice,
        server_id: dav.id,
        username: "alice".into(),
        realm: "dav.example.org".into(),
        algorithm: PasswordAlgorithm::Md5,
        password: "ha1".into(),
        created_at: t0(),
        updated_at: t0(),
    })
    .await
    .unwrap();
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
    let markers = |id: AccountId| {
        let d = &details[&id];
        (
            d.has_pending_email_change,
            d.has_pending_phone_change,
            d.has_carddav_credentials,
        )
    };
    assert_eq!(markers(alice), (true, false, true));
    assert_eq!(markers(bob), (false, true, false));
    assert_eq!(markers(carol), (false, false, false));
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
        phone: Some(phone("+33700000000")),
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
    want.phone = Some(phone("+33700000000"));
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

pub async fn an_imported_tombstone_keeps_its_date_and_an_older_one_wins(s: Arc<dyn Storage>) {
    let (u, d) = (username("gone"), domain("example.org"));
    assert!(s.add_tombstone(&u, &d, t0()).await.unwrap());
    assert!(s.is_tombstoned(&u, &d).await.unwrap());
    assert!(!s.add_tombstone(&u, &d, t0() + secs(500)).await.unwrap());
    // Its date is the given one, not now: a purge after it removes it.
    assert_eq!(s.purge_tombstones(t0() + secs(50)).await.unwrap(), 1);
    assert!(!s.is_tombstoned(&u, &d).await.unwrap());
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
        .account_by_email(&domain("example.org"), &email("alice@mail.example"))
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

pub async fn accounts_are_found_by_phone_or_by_username(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let mut by_phone = full_account("alice", "example.org");
    by_phone.phone = Some(phone("+33611111111"));
    let alice = s.create_account(by_phone, 0, t0()).await.unwrap();
    let mut named = full_account("+33622222222", "example.org");
    named.phone = None;
    let named = s.create_account(named, 0, t0()).await.unwrap();
    let found = |number: &'static str, d: &'static str| {
        let s = s.clone();
        async move {
            s.account_by_phone(&domain(d), &phone(number))
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

pub async fn unconfirmed_accounts_of_a_domain_are_deleted_with_tombstones(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let new = |user: &str, d: &str| {
        let mut a = NewAccount::new(username(user), domain(d));
        a.activated = false;
        a
    };
    let old = s.create_account(new("old", "example.org"), 0, t0()).await.unwrap();
    let recent = s
        .create_account(new("recent", "example.org"), 0, t0() + secs(100))
        .await
        .unwrap();
    let mut active = new("active", "example.org");
    active.activated = true;
    let active = s.create_account(active, 0, t0()).await.unwrap();
    // Deactivated by an admin: an admin's decision, kept.
    let turned_off = s.create_account(new("off", "example.org"), 0, t0()).await.unwrap();
    let changes = AccountChanges {
        deactivated_at: Some(t0()),
        ..AccountChanges::unchanged(&turned_off)
    };
    s.update_account(turned_off.id, changes, t0()).await.unwrap();
    let elsewhere = s.create_account(new("old", "other.org"), 0, t0()).await.unwrap();
    // An older tombstone of the same identity keeps its date.
    let gone = s.create_account(new("again", "example.org"), 0, t0()).await.unwrap();
    assert!(s.delete_account(gone.id, t0()).await.unwrap());
    let again = s.create_account(new("again", "example.org"), 0, t0()).await.unwrap();
    s.create_api_key(admin_key(old.id, "k-old", t0())).await.unwrap();

    let deleted = s
        .delete_unconfirmed_accounts(&domain("example.org"), t0() + secs(50), t0() + secs(500))
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    assert!(s.account_by_id(old.id).await.unwrap().is_none());
    assert!(s.account_by_id(again.id).await.unwrap().is_none());
    assert!(s.api_key_by_hash("k-old").await.unwrap().is_none());
    for kept in [recent.id, active.id, turned_off.id, elsewhere.id] {
        assert!(s.account_by_id(kept).await.unwrap().is_some());
    }
    assert!(s.is_tombstoned(&username("old"), &domain("example.org")).await.unwrap());
    assert!(!s.is_tombstoned(&username("old"), &domain("other.org")).await.unwrap());
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 3);
    // New tombstones are dated `now`; the older one kept its date.
    assert_eq!(s.purge_tombstones(t0() + secs(1)).await.unwrap(), 1);
    assert!(!s.is_tombstoned(&username("again"), &domain("example.org")).await.unwrap());
    assert_eq!(s.purge_tombstones(t0() + secs(499)).await.unwrap(), 0);
    assert_eq!(s.purge_tombstones(t0() + secs(501)).await.unwrap(), 1);
    assert_eq!(
        s.delete_unconfirmed_accounts(&domain("example.org"), t0() + secs(50), t0())
            .await
            .unwrap(),
        0
    );
}

pub async fn an_account_moves_to_another_space_leaving_its_types_behind(s: Arc<dyn Storage>) {
    space(&s, "example.org").await;
    space(&s, "other.org").await;
    let alice = account(&s, "alice", "example.org").await;
    account(&s, "alice", "other.org").await;
    let bob = account(&s, "bob", "example.org").await;
    let kind = s
        .create_account_type(&domain("example.org"), &type_key("desk"), t0())
        .await
        .unwrap();
    assert!(
        s.attach_account_type(&domain("example.org"), alice, kind.id, t0())
            .await
            .unwrap()
    );

    // Its name is taken there; then the space is full.
    assert_conflict(
        s.move_account(alice, &username("alice"), &domain("other.org"), 0, t0())
            .await,
        Conflict::AccountIdentity,
    );
    assert!(matches!(
        s.move_account(alice, &username("alicia"), &domain("other.org"), 1, t0())
            .await,
        Err(StoreError::SpaceFull)
    ));
    assert!(matches!(
        s.move_account(AccountId(i64::MAX), &username("x"), &domain("other.org"), 0, t0())
            .await,
        Err(StoreError::NotFound)
    ));

    let later = t0() + secs(5);
    s.move_account(alice, &username("alicia"), &domain("other.org"), 2, later)
        .await
        .unwrap();
    let moved = s.account_by_id(alice).await.unwrap().unwrap();
    assert_eq!(
        (moved.username.as_str(), moved.domain.as_str()),
        ("alicia", "other.org")
    );
    assert_eq!(ms(moved.updated_at), ms(later));
    assert_eq!(moved.passwords.len(), 2, "its passwords go with it");
    assert!(
        s.account_by_identity(&username("alice"), &domain("example.org"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 1);
    assert_eq!(s.count_accounts(&domain("other.org")).await.unwrap(), 2);
    assert!(s.types_of(alice).await.unwrap().is_empty());
    // Moving within its space renames it and counts nothing twice.
    s.move_account(bob, &username("robert"), &domain("example.org"), 1, later)
        .await
        .unwrap();
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 1);
    // A space that never held an account gets its first through a move.
    space(&s, "empty.org").await;
    s.move_account(bob, &username("robert"), &domain("empty.org"), 0, later)
        .await
        .unwrap();
    assert_eq!(s.count_accounts(&domain("empty.org")).await.unwrap(), 1);
    assert_eq!(s.count_accounts(&domain("example.org")).await.unwrap(), 0);
}

crate::register_cases! {
    unconfirmed_accounts_of_a_domain_are_deleted_with_tombstones,
    an_account_is_read_back_identically_with_both_passwords,
    accounts_are_found_by_identity_and_by_first_email,
    a_duplicate_account_identity_is_a_conflict,
    accounts_are_listed_by_page_and_searched_case_insensitively,
    many_accounts_are_inserted_at_once_all_or_nothing,
    count_accounts_counts_one_domain,
    account_details_are_read_for_many_accounts_at_once,
    an_update_replaces_fields_and_passwords_in_one_go,
    updating_to_a_taken_username_is_a_conflict_and_unknown_is_not_found,
    a_deleted_account_leaves_a_tombstone_until_purged,
    an_imported_tombstone_keeps_its_date_and_an_older_one_wins,
    deleting_an_account_deletes_its_keys_and_tokens,
    a_full_space_refuses_new_accounts,
    concurrent_creations_never_exceed_max_accounts,
    a_deactivation_is_stored_read_back_and_cleared,
    accounts_are_found_by_phone_or_by_username,
    an_account_moves_to_another_space_leaving_its_types_behind,
}
