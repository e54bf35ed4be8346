//! Phone countries and their activation.

use std::sync::Arc;

use flexiapi_domain::model::PHONE_COUNTRIES;
use flexiapi_domain::ports::Storage;

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

crate::register_cases! {
    phone_countries_are_seeded_deactivated,
    activating_a_dialling_code_activates_every_country_sharing_it,
}
