//! TURN credentials through `Services`: the clock gives the expiry, the token source the random
//! part, `[turn]` the rest.

use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use flexiapi_adapters_memory::MemoryStorage;
use flexiapi_domain::model::{Account, AccountId, Domain, TurnSettings, Username};
use flexiapi_domain::ports::TokenSource;
use flexiapi_domain::service::{Entity, ServiceError, ServiceSettings, Services};
use flexiapi_domain::testing::FixedClock;

/// Letters of the alphabet, and the lengths asked for.
#[derive(Default)]
struct Letters(Mutex<Vec<usize>>);

impl TokenSource for Letters {
    fn alphanumeric(&self, len: usize) -> String {
        self.0.lock().unwrap().push(len);
        ('a'..='z').cycle().take(len).collect()
    }

    fn hex(&self, bytes: usize) -> String {
        "0".repeat(bytes * 2)
    }
}

fn account() -> Account {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    Account {
        id: AccountId(1),
        username: Username::parse("alice").unwrap(),
        domain: Domain::parse("example.org").unwrap(),
        email: None,
        display_name: None,
        activated: true,
        blocked: false,
        admin: false,
        dtmf_protocol: None,
        phone: None,
        ip_address: None,
        user_agent: None,
        passwords: vec![],
        created_at: at,
        updated_at: at,
        deactivated_at: None,
    }
}

fn services(turn: Option<TurnSettings>) -> (Services, Arc<FixedClock>, Arc<Letters>) {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 11, 0, 0).unwrap(),
    ));
    let tokens = Arc::new(Letters::default());
    let services = Services::new(
        Arc::new(MemoryStorage::default()),
        clock.clone(),
        tokens.clone(),
    )
    .with_settings(ServiceSettings {
        turn,
        ..ServiceSettings::default()
    });
    (services, clock, tokens)
}

#[test]
fn credentials_expire_after_the_ttl_and_carry_sixteen_random_characters() {
    let turn = TurnSettings::new(
        &["turn.example.org".into(), "turn2.example.org:3478".into()],
        "north-wind",
        60,
    )
    .unwrap();
    let (services, clock, tokens) = services(Some(turn));
    let c = services.turn_credentials(&account()).unwrap();
    // 2026-03-01T12:00:00Z: an hour after the clock.
    assert_eq!(c.username, "1772366400:abcdefghijklmnop");
    assert_eq!(*tokens.0.lock().unwrap(), [16]);
    // base64(HMAC-SHA1("north-wind", username)), computed with Python's hmac module.
    assert_eq!(c.password, "+jL8/8F7oetUvijnRquwwGXTEHw=");
    assert_eq!(c.ttl_seconds, 3600);
    assert_eq!(
        c.uris,
        [
            "turn:turn.example.org",
            "turns:turn.example.org",
            "turn:turn2.example.org:3478",
            "turns:turn2.example.org:3478",
        ]
    );
    clock.advance(Duration::seconds(10));
    let later = services.turn_credentials(&account()).unwrap();
    assert_eq!(later.username, "1772366410:abcdefghijklmnop");
    assert_ne!(later.password, c.password);
}

#[test]
fn without_turn_settings_there_is_no_turn_service() {
    let (services, _, tokens) = services(None);
    assert!(matches!(
        services.turn_credentials(&account()),
        Err(ServiceError::NotFound(Entity::TurnService))
    ));
    assert!(tokens.0.lock().unwrap().is_empty());
}

#[test]
fn blocked_and_deactivated_accounts_get_no_credentials() {
    let turn = TurnSettings::new(&["turn.example.org".into()], "s", 1).unwrap();
    let (services, _, _) = services(Some(turn));
    let blocked = Account {
        blocked: true,
        ..account()
    };
    assert!(matches!(
        services.turn_credentials(&blocked),
        Err(ServiceError::AccountBlocked)
    ));
    let deactivated = Account {
        deactivated_at: Some(Utc::now()),
        ..account()
    };
    assert!(matches!(
        services.turn_credentials(&deactivated),
        Err(ServiceError::AccountDeactivated)
    ));
}
