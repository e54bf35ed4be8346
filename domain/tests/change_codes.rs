//! The e-mail and phone change flows, the blocking rule, the provisioning e-mail and the cleanup
//! of unconfirmed accounts, through `Services` over the in-memory storage, with a notifier that
//! records what it is asked to send.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use flexiapi_adapters_memory::MemoryStorage;
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::{
    Account, AccountChanges, Domain, Email, NewAccount, PhoneNumber, Space, SpaceSettings, Username,
};
use flexiapi_domain::ports::{
    AccountRepository, ChangeCodeRepository, Clock, Notice, PhoneCountryRepository,
    ProvisioningTokenRepository,
};
use flexiapi_domain::registration::Origin;
use flexiapi_domain::service::change_codes::CodeRequest;
use flexiapi_domain::service::{
    BlockingSettings, Channel, CreateSpace, Entity, ServiceError, ServiceSettings, Services,
};
use flexiapi_domain::testing::{FixedClock, RecordingNotifier, SequenceTokens};
use flexiapi_domain::validation::Rule;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

struct World {
    services: Services,
    storage: Arc<MemoryStorage>,
    notifier: Arc<RecordingNotifier>,
    clock: Arc<FixedClock>,
    space: Space,
    /// Registered with a creation token: validated.
    alice: Account,
    origin: Origin,
}

impl World {
    async fn new() -> Self {
        Self::with(ServiceSettings::default()).await
    }

    async fn with(settings: ServiceSettings) -> Self {
        let storage = Arc::new(MemoryStorage::default());
        let clock = Arc::new(FixedClock::new(t0()));
        let notifier = Arc::new(RecordingNotifier::default());
        let services = Services::new(
            storage.clone(),
            clock.clone(),
            Arc::new(SequenceTokens::default()),
        )
        .with_notifier(notifier.clone())
        .with_settings(settings);
        let space = services
            .create_space(CreateSpace {
                domain: "example.org".into(),
                host: "example.org".into(),
                name: Some("Example".into()),
                settings: SpaceSettings {
                    unique_email: true,
                    ..SpaceSettings::default()
                },
                ..CreateSpace::default()
            })
            .await
            .unwrap();
        storage
            .set_phone_countries_activated("33", true)
            .await
            .unwrap();
        let token = services
            .create_creation_token(&space, Origin::default())
            .await
            .unwrap();
        let mut alice = NewAccount::new(
            Username::parse("alice").unwrap(),
            Domain::parse("example.org").unwrap(),
        );
        alice.email = Some(Email::parse("alice@old.example").unwrap());
        alice.creation_token = Some(token.token);
        let alice = storage.create_account(alice, 0, t0()).await.unwrap();
        Self {
            services,
            storage,
            notifier,
            clock,
            space,
            alice,
            origin: Origin {
                ip: Some("192.0.2.7".into()),
                user_agent: Some("Linphone".into()),
            },
        }
    }

    fn request<'a>(&'a self, account: &'a Account) -> CodeRequest<'a> {
        CodeRequest {
            account,
            space: &self.space,
            language: "fr",
            origin: &self.origin,
        }
    }

    async fn ask_email(&self, email: &str) -> Result<(), ServiceError> {
        self.services
            .request_email_change(self.request(&self.alice), Some(email.into()))
            .await
    }

    async fn ask_phone(&self, phone: &str) -> Result<(), ServiceError> {
        self.services
            .request_phone_change(self.request(&self.alice), Some(phone.into()))
            .await
    }

    async fn confirm_email(&self, code: &str) -> Result<Account, ServiceError> {
        self.services
            .confirm_email_change(&self.alice, &self.space, Some(code.into()))
            .await
    }

    fn last_code(&self) -> String {
        self.notifier.last().unwrap().code().unwrap().to_owned()
    }

    async fn account(&self, account: &Account) -> Account {
        self.storage
            .account_by_id(account.id)
            .await
            .unwrap()
            .unwrap()
    }

    /// Another account of the space, not validated.
    async fn other(&self, name: &str, phone: Option<&str>, email: Option<&str>) -> Account {
        let mut new = NewAccount::new(Username::parse(name).unwrap(), self.space.domain.clone());
        new.phone = phone.map(|p| PhoneNumber::parse(p).unwrap());
        new.email = email.map(|e| Email::parse(e).unwrap());
        self.storage
            .create_account(new, 0, self.clock.now())
            .await
            .unwrap()
    }
}

fn rule_of(e: ServiceError) -> (String, Rule) {
    match e {
        ServiceError::Validation(errors) => {
            let first = errors.0.into_iter().next().unwrap();
            (first.field, first.rule)
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_email_code_sent_in_the_request_language_changes_the_email_once() {
    let w = World::new().await;
    w.ask_email("alice@new.example").await.unwrap();

    let sent = w.notifier.last().unwrap();
    assert_eq!(
        (sent.channel, sent.to.as_str(), sent.language.as_str()),
        (Channel::Email, "alice@new.example", "fr")
    );
    assert_eq!(sent.space_name, "Example");
    let Notice::EmailChangeCode {
        code,
        expires_in_minutes,
    } = &sent.notice
    else {
        panic!("{:?}", sent.notice)
    };
    assert_eq!(*expires_in_minutes, Some(10));
    let n: u32 = code.parse().unwrap();
    assert!((1000..=9999).contains(&n), "{code}");

    // Pending: shown in account objects, not applied yet.
    let pending = w
        .services
        .pending_change_codes(&[w.alice.id], true)
        .await
        .unwrap();
    let shown = &pending.email[&w.alice.id];
    assert_eq!(shown.target.as_str(), "alice@new.example");
    assert_eq!(shown.ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(shown.user_agent.as_deref(), Some("Linphone"));
    assert!(pending.phone.is_empty());
    assert_eq!(
        w.account(&w.alice).await.email.unwrap().as_str(),
        "alice@old.example"
    );

    let changed = w.confirm_email(code).await.unwrap();
    assert_eq!(changed.email.unwrap().as_str(), "alice@new.example");
    assert!(changed.activated);
    assert_eq!(
        w.account(&w.alice).await.email.unwrap().as_str(),
        "alice@new.example"
    );
    assert!(
        w.services
            .pending_change_codes(&[w.alice.id], true)
            .await
            .unwrap()
            .email
            .is_empty()
    );
    // Used: nothing left to confirm.
    assert!(matches!(
        w.confirm_email(code).await,
        Err(ServiceError::NotFound(Entity::ChangeCode))
    ));
}

#[tokio::test]
async fn nothing_to_confirm_is_not_found_and_a_malformed_code_is_refused_first() {
    let w = World::new().await;
    assert!(matches!(
        w.confirm_email("1234").await,
        Err(ServiceError::NotFound(Entity::ChangeCode))
    ));
    w.ask_email("alice@new.example").await.unwrap();
    for (bad, rule) in [
        ("", Rule::Required),
        ("  ", Rule::Required),
        ("123", Rule::Digits(4)),
        ("12345", Rule::Digits(4)),
        ("12a4", Rule::Digits(4)),
    ] {
        let e = w.confirm_email(bad).await.unwrap_err();
        assert_eq!(rule_of(e), ("code".into(), rule), "{bad:?}");
    }
    // Malformed codes are not tries: the right code still works.
    let code = w.last_code();
    w.confirm_email(&code).await.unwrap();
}

#[tokio::test]
async fn the_fifth_wrong_code_wears_the_code_out_until_a_new_one_is_asked_for() {
    let w = World::new().await;
    w.ask_email("alice@new.example").await.unwrap();
    let code = w.last_code();
    let wrong = if code == "1000" { "1001" } else { "1000" };
    for _ in 0..5 {
        let e = w.confirm_email(wrong).await.unwrap_err();
        assert_eq!(rule_of(e), ("code".into(), Rule::ValidCode));
    }
    // Even the right code: the code is spent.
    assert!(matches!(
        w.confirm_email(&code).await,
        Err(ServiceError::CodeWornOut)
    ));
    assert_eq!(
        w.account(&w.alice).await.email.unwrap().as_str(),
        "alice@old.example"
    );
    w.ask_email("alice@new.example").await.unwrap();
    w.confirm_email(&w.last_code()).await.unwrap();
}

#[tokio::test]
async fn a_code_expires_after_its_lifetime_and_a_new_request_replaces_the_old_code() {
    let w = World::new().await;
    w.ask_email("alice@one.example").await.unwrap();
    let first = w.last_code();
    w.clock.advance(Duration::minutes(10));
    assert!(matches!(
        w.confirm_email(&first).await,
        Err(ServiceError::CodeExpired)
    ));
    w.ask_email("alice@two.example").await.unwrap();
    let second = w.last_code();
    assert_ne!(first, second);
    w.clock.advance(Duration::minutes(9));
    let e = w.confirm_email(&first).await.unwrap_err();
    assert_eq!(rule_of(e), ("code".into(), Rule::ValidCode));
    let changed = w.confirm_email(&second).await.unwrap();
    assert_eq!(changed.email.unwrap().as_str(), "alice@two.example");

    // Without a lifetime, codes never expire.
    let mut settings = ServiceSettings::default();
    settings.change_codes.email_ttl = None;
    let w = World::with(settings).await;
    w.ask_email("alice@new.example").await.unwrap();
    w.clock.advance(Duration::days(400));
    w.confirm_email(&w.last_code()).await.unwrap();
}

#[tokio::test]
async fn a_new_email_is_required_valid_new_and_free_and_nothing_is_sent_otherwise() {
    let w = World::new().await;
    w.other("bob", None, Some("taken@mail.example")).await;
    for (email, rule) in [
        (None, Rule::Required),
        (Some(" "), Rule::Required),
        (Some("not an address"), Rule::Email),
        (Some("alice@old.example"), Rule::NotCurrent),
        (Some("taken@mail.example"), Rule::Unique),
    ] {
        let e = w
            .services
            .request_email_change(w.request(&w.alice), email.map(Into::into))
            .await
            .unwrap_err();
        assert_eq!(rule_of(e), ("email".into(), rule), "{email:?}");
    }
    assert!(w.notifier.sent().is_empty());
    assert!(
        ChangeCodeRepository::<Email>::latest_change_code(&*w.storage, w.alice.id)
            .await
            .unwrap()
            .is_none()
    );

    // Without `unique_email`, another account's address is fine.
    let mut input = CreateSpace::from(&w.space);
    input.settings.unique_email = false;
    let space = w.services.update_space("example.org", input).await.unwrap();
    let request = CodeRequest {
        space: &space,
        ..w.request(&w.alice)
    };
    w.services
        .request_email_change(request, Some("taken@mail.example".into()))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_address_taken_meanwhile_is_refused_at_confirmation_and_the_code_kept() {
    let w = World::new().await;
    w.ask_email("alice@new.example").await.unwrap();
    let code = w.last_code();
    let bob = w.other("bob", None, Some("alice@new.example")).await;
    let e = w.confirm_email(&code).await.unwrap_err();
    assert_eq!(rule_of(e), ("email".into(), Rule::Unique));
    w.storage.delete_account(bob.id, t0()).await.unwrap();
    w.confirm_email(&code).await.unwrap();
}

#[tokio::test]
async fn an_unvalidated_account_gets_no_code() {
    let w = World::new().await;
    let bob = w.other("bob", None, None).await;
    assert!(matches!(
        w.services
            .request_email_change(w.request(&bob), Some("bob@new.example".into()))
            .await,
        Err(ServiceError::AccountUnvalidated)
    ));
    assert!(matches!(
        w.services
            .request_phone_change(w.request(&bob), Some("+33612345678".into()))
            .await,
        Err(ServiceError::AccountUnvalidated)
    ));
    assert!(w.notifier.sent().is_empty());
}

#[tokio::test]
async fn too_many_codes_in_the_window_block_the_account() {
    let w = World::with(ServiceSettings {
        blocking: BlockingSettings {
            period: Duration::minutes(30),
            max_events: 3,
        },
        ..ServiceSettings::default()
    })
    .await;
    w.ask_email("alice@one.example").await.unwrap();
    w.ask_phone("+33612345678").await.unwrap();
    // Codes that left the window no longer count.
    w.clock.advance(Duration::minutes(31));
    w.ask_email("alice@two.example").await.unwrap();
    w.ask_phone("+33612345679").await.unwrap();
    w.ask_email("alice@three.example").await.unwrap();
    // E-mail and phone codes count together: three within the window.
    assert!(matches!(
        w.ask_email("alice@four.example").await,
        Err(ServiceError::AccountBlocked)
    ));
    assert_eq!(w.notifier.sent().len(), 5);
    let alice = w.account(&w.alice).await;
    assert!(alice.blocked);
    // Blocked, whatever the window says.
    w.clock.advance(Duration::days(1));
    assert!(matches!(
        w.services
            .request_phone_change(w.request(&alice), Some("+33612345670".into()))
            .await,
        Err(ServiceError::AccountBlocked)
    ));
}

#[tokio::test]
async fn zero_authorized_events_never_blocks() {
    let w = World::with(ServiceSettings {
        blocking: BlockingSettings {
            period: Duration::minutes(30),
            max_events: 0,
        },
        ..ServiceSettings::default()
    })
    .await;
    for n in 0..8 {
        w.ask_email(&format!("alice{n}@new.example")).await.unwrap();
    }
    assert!(!w.account(&w.alice).await.blocked);
}

#[tokio::test]
async fn without_a_transport_or_when_it_fails_nothing_changes() {
    let w = World::new().await;
    w.ask_email("alice@first.example").await.unwrap();
    let first = w.last_code();

    w.notifier.set_can_email(false);
    assert!(matches!(
        w.ask_email("alice@new.example").await,
        Err(ServiceError::NoTransport(Channel::Email))
    ));
    w.notifier.set_can_email(true);
    for failure in [
        TransportError::Refused("550 no such user".into()),
        TransportError::Unavailable("connection refused".into()),
    ] {
        w.notifier.fail_with(Some(failure.clone()));
        match w.ask_email("alice@new.example").await {
            Err(ServiceError::NotSent(e)) => assert_eq!(e, failure),
            other => panic!("{other:?}"),
        }
    }
    w.notifier.fail_with(Some(TransportError::NotConfigured));
    assert!(matches!(
        w.ask_phone("+33612345678").await,
        Err(ServiceError::NoTransport(Channel::Sms))
    ));
    w.notifier.fail_with(None);
    w.notifier.set_can_sms(false);
    assert!(matches!(
        w.ask_phone("+33612345678").await,
        Err(ServiceError::NoTransport(Channel::Sms))
    ));

    // No code was made by the failures: they did not count, and the first code still works.
    let since = t0() - Duration::minutes(1);
    let emails =
        ChangeCodeRepository::<Email>::count_change_codes_since(&*w.storage, w.alice.id, since)
            .await
            .unwrap();
    let phones = ChangeCodeRepository::<PhoneNumber>::count_change_codes_since(
        &*w.storage,
        w.alice.id,
        since,
    )
    .await
    .unwrap();
    assert_eq!((emails, phones), (1, 0));
    let changed = w.confirm_email(&first).await.unwrap();
    assert_eq!(changed.email.unwrap().as_str(), "alice@first.example");
}

#[tokio::test]
async fn a_phone_code_by_sms_sets_the_phone_with_the_rules_of_account_creation() {
    let w = World::new().await;
    w.other("bob", Some("+33611111111"), None).await;
    w.other("+33622222222", None, None).await;
    for (phone, rule) in [
        (None, Rule::Required),
        (Some("0612345678"), Rule::Phone),
        (Some("+4915123456789"), Rule::PhoneCountry),
        (Some("+33611111111"), Rule::Unique),
        (Some("+33622222222"), Rule::Unique),
    ] {
        let e = w
            .services
            .request_phone_change(w.request(&w.alice), phone.map(Into::into))
            .await
            .unwrap_err();
        assert_eq!(rule_of(e), ("phone".into(), rule), "{phone:?}");
    }
    assert!(w.notifier.sent().is_empty());

    w.ask_phone("+33612345678").await.unwrap();
    let sent = w.notifier.last().unwrap();
    assert_eq!(
        (sent.channel, sent.to.as_str(), sent.language.as_str()),
        (Channel::Sms, "+33612345678", "fr")
    );
    assert!(matches!(
        sent.notice,
        Notice::PhoneChangeCode {
            expires_in_minutes: Some(10),
            ..
        }
    ));
    let pending = w
        .services
        .pending_change_codes(&[w.alice.id], true)
        .await
        .unwrap();
    assert_eq!(pending.phone[&w.alice.id].target.as_str(), "+33612345678");

    let wrong = if sent.code() == Some("1000") {
        "1001"
    } else {
        "1000"
    };
    let e = w
        .services
        .confirm_phone_change(&w.alice, &w.space, Some(wrong.into()))
        .await
        .unwrap_err();
    assert_eq!(rule_of(e), ("code".into(), Rule::ValidCode));
    let changed = w
        .services
        .confirm_phone_change(&w.alice, &w.space, sent.code().map(Into::into))
        .await
        .unwrap();
    assert_eq!(changed.phone.unwrap().as_str(), "+33612345678");
    assert!(changed.activated);
}

#[tokio::test]
async fn confirming_does_not_activate_an_account_an_admin_deactivated() {
    let w = World::new().await;
    let changes = AccountChanges {
        activated: false,
        deactivated_at: Some(t0()),
        ..AccountChanges::unchanged(&w.alice)
    };
    let alice = w
        .storage
        .update_account(w.alice.id, changes, t0())
        .await
        .unwrap();
    w.services
        .request_email_change(w.request(&alice), Some("alice@new.example".into()))
        .await
        .unwrap();
    let changed = w
        .services
        .confirm_email_change(&alice, &w.space, Some(w.last_code()))
        .await
        .unwrap();
    assert_eq!(changed.email.unwrap().as_str(), "alice@new.example");
    assert!(!changed.activated);
}

#[tokio::test]
async fn the_provisioning_email_carries_a_new_link_stored_only_once_sent() {
    let w = World::new().await;
    let link = |token: &str| format!("https://example.org/provisioning/{token}");
    let before = w
        .services
        .new_provisioning_token(&w.alice, None, None)
        .await
        .unwrap();
    let send = || {
        w.services
            .send_provisioning_email(w.alice.id, &w.space, "en", w.origin.clone(), link)
    };

    w.notifier
        .fail_with(Some(TransportError::Unavailable("down".into())));
    assert!(matches!(send().await, Err(ServiceError::NotSent(_))));
    w.notifier.fail_with(None);
    w.notifier.set_can_email(false);
    assert!(matches!(
        send().await,
        Err(ServiceError::NoTransport(Channel::Email))
    ));
    w.notifier.set_can_email(true);
    let current = w
        .storage
        .current_provisioning_token(w.alice.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.token, before.token);

    send().await.unwrap();
    let sent = w.notifier.last().unwrap();
    let current = w
        .storage
        .current_provisioning_token(w.alice.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(current.token, before.token);
    assert_eq!(current.ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(
        (sent.to.as_str(), sent.language.as_str()),
        ("alice@old.example", "en")
    );
    assert_eq!(
        sent.notice,
        Notice::Provisioning {
            link: link(&current.token)
        }
    );

    // No address, another space's account, a blocked account.
    let bob = w.other("bob", None, None).await;
    assert!(matches!(
        w.services
            .send_provisioning_email(bob.id, &w.space, "en", Origin::default(), link)
            .await,
        Err(ServiceError::NoEmailAddress)
    ));
    let elsewhere = w
        .services
        .create_space(CreateSpace {
            domain: "other.org".into(),
            host: "other.org".into(),
            ..CreateSpace::default()
        })
        .await
        .unwrap();
    assert!(matches!(
        w.services
            .send_provisioning_email(w.alice.id, &elsewhere, "en", Origin::default(), link)
            .await,
        Err(ServiceError::NotFound(Entity::Account))
    ));
    w.services.set_blocked(&w.alice, true).await.unwrap();
    assert!(matches!(send().await, Err(ServiceError::AccountBlocked)));
}

#[tokio::test]
async fn unconfirmed_accounts_older_than_the_age_are_cleared() {
    let w = World::new().await;
    let bob = w.other("bob", None, None).await;
    w.clock.advance(Duration::days(2));
    let carol = w.other("carol", None, None).await;
    let cleared = w
        .services
        .clear_unconfirmed_accounts(Some("example.org"), Duration::days(1))
        .await
        .unwrap();
    // Alice registered with a token but never activated her account either.
    assert_eq!(cleared, 2);
    assert!(w.storage.account_by_id(bob.id).await.unwrap().is_none());
    assert!(w.storage.account_by_id(w.alice.id).await.unwrap().is_none());
    assert!(w.storage.account_by_id(carol.id).await.unwrap().is_some());
    assert!(matches!(
        w.services
            .clear_unconfirmed_accounts(Some("nowhere.org"), Duration::days(1))
            .await,
        Err(ServiceError::UnknownSpace(_))
    ));
    w.clock.advance(Duration::hours(2));
    assert_eq!(
        w.services
            .clear_unconfirmed_accounts(None, Duration::hours(1))
            .await
            .unwrap(),
        1
    );
    assert!(w.storage.account_by_id(carol.id).await.unwrap().is_none());
}
