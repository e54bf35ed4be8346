//! FCM and APNs adapters against their stand-ins, and the router between them and
//! `flexisip_pusher`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use flexiapi_adapters_push::stand_in::{Answer, ApnsStandIn, FcmStandIn};
use flexiapi_adapters_push::{
    ApnsKey, ApnsPusher, ApnsSettings, FcmPusher, FcmSettings, PushRouter, Pusher, ServiceAccount,
};
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::{
    PushCallId, PushKind, PushNotification, PushParam, PushPrid, PushProvider, PushTarget,
};
use serde_json::json;

const DEVICE: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
const FIVE_SECONDS: Duration = Duration::from_secs(5);

fn fcm_pusher(fcm: &FcmStandIn, timeout: Duration) -> FcmPusher {
    let text = std::fs::read_to_string(fcm.service_account_file()).unwrap();
    let mut settings = FcmSettings::new(ServiceAccount::from_json(&text).unwrap(), timeout);
    settings.base_url = fcm.base_url();
    FcmPusher::new(settings).unwrap()
}

fn apns_settings(apns: &ApnsStandIn, timeout: Duration) -> ApnsSettings {
    let pem = std::fs::read_to_string(apns.key_file()).unwrap();
    let key = ApnsKey::from_p8(&pem, apns.key_id(), apns.team_id()).unwrap();
    let mut settings = ApnsSettings::new(key, timeout);
    settings.production_url = apns.production_url();
    settings.sandbox_url = apns.sandbox_url();
    settings.ca_pem = apns.ca_file().map(|path| std::fs::read(path).unwrap());
    settings
}

fn apns_pusher(apns: &ApnsStandIn, timeout: Duration) -> ApnsPusher {
    ApnsPusher::new(apns_settings(apns, timeout)).unwrap()
}

fn push(provider: PushProvider, param: &str, prid: &str, kind: PushKind) -> PushNotification {
    PushNotification {
        target: PushTarget {
            provider,
            param: PushParam::parse(param).unwrap(),
            prid: PushPrid::parse(prid).unwrap(),
        },
        kind,
        payload: vec![("token".into(), "TOKEN13CHARSX".into())],
        call_id: None,
    }
}

fn fcm_push(kind: PushKind) -> PushNotification {
    push(
        PushProvider::Fcm,
        "929724111839",
        "fcm-device-token_1",
        kind,
    )
}

fn apns_push(apns: &ApnsStandIn, provider: PushProvider, kind: PushKind) -> PushNotification {
    push(
        provider,
        &apns.pn_param(),
        &format!("{DEVICE}:remote"),
        kind,
    )
}

/// Says "unavailable" and that the wait was bounded by `timeout`.
fn assert_unavailable_within(
    result: Result<(), TransportError>,
    started: Instant,
    timeout: Duration,
) {
    assert!(
        matches!(result, Err(TransportError::Unavailable(_))),
        "{result:?}"
    );
    let waited = started.elapsed();
    assert!(waited >= timeout, "gave up early: {waited:?}");
    assert!(
        waited < timeout + Duration::from_secs(3),
        "waited {waited:?}"
    );
}

// ---- FCM ----

#[tokio::test]
async fn an_fcm_access_token_is_fetched_once_and_shared_by_later_and_concurrent_pushes() {
    let fcm = FcmStandIn::start().await;
    let pusher = fcm_pusher(&fcm, FIVE_SECONDS);
    pusher.push(&fcm_push(PushKind::Background)).await.unwrap();
    pusher.push(&fcm_push(PushKind::Message)).await.unwrap();
    let background = fcm_push(PushKind::Background);
    let (a, b, c) = tokio::join!(
        pusher.push(&background),
        pusher.push(&background),
        pusher.push(&background)
    );
    a.unwrap();
    b.unwrap();
    c.unwrap();
    assert_eq!(fcm.token_requests(), 1);
    let arrivals = fcm.arrivals();
    assert_eq!(arrivals.len(), 5);
    assert!(
        arrivals
            .iter()
            .all(|a| a.access_token == arrivals[0].access_token)
    );
}

#[tokio::test]
async fn concurrent_first_pushes_wait_for_one_token_exchange() {
    let fcm = FcmStandIn::start().await;
    let pusher = fcm_pusher(&fcm, FIVE_SECONDS);
    let background = fcm_push(PushKind::Background);
    let (a, b) = tokio::join!(pusher.push(&background), pusher.push(&background));
    a.unwrap();
    b.unwrap();
    assert_eq!(fcm.token_requests(), 1);
}

#[tokio::test]
async fn an_fcm_access_token_is_renewed_once_it_nears_its_expiry() {
    let fcm = FcmStandIn::start().await;
    // Renewed halfway through a short lifetime: after 1 s of these 2.
    fcm.set_token_lifetime(Duration::from_secs(2));
    let pusher = fcm_pusher(&fcm, FIVE_SECONDS);
    pusher.push(&fcm_push(PushKind::Background)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    pusher.push(&fcm_push(PushKind::Background)).await.unwrap();
    assert_eq!(fcm.token_requests(), 2);
    let arrivals = fcm.arrivals();
    assert_ne!(arrivals[0].access_token, arrivals[1].access_token);
}

#[tokio::test]
async fn an_absurd_token_lifetime_is_capped_not_a_crash() {
    let fcm = FcmStandIn::start().await;
    fcm.set_token_lifetime(Duration::from_secs(u64::MAX));
    let pusher = fcm_pusher(&fcm, FIVE_SECONDS);
    pusher.push(&fcm_push(PushKind::Background)).await.unwrap();
    pusher.push(&fcm_push(PushKind::Background)).await.unwrap();
    assert_eq!(fcm.token_requests(), 1);
}

#[tokio::test]
async fn an_fcm_message_carries_the_device_token_the_payload_the_call_id_and_high_priority() {
    let fcm = FcmStandIn::start().await;
    let pusher = fcm_pusher(&fcm, FIVE_SECONDS);
    let mut call = fcm_push(PushKind::Call);
    call.call_id = PushCallId::parse("abc-123@host");
    pusher.push(&call).await.unwrap();
    let arrival = &fcm.arrivals()[0];
    assert_eq!(arrival.project_id, fcm.project_id());
    assert_eq!(
        arrival.message,
        json!({
            "token": "fcm-device-token_1",
            "data": {"token": "TOKEN13CHARSX", "call_id": "abc-123@host", "type": "call"},
            "android": {"priority": "high"},
        })
    );
}

#[tokio::test]
async fn an_fcm_refusal_is_refused_with_its_reason_and_never_the_device_token() {
    let fcm = FcmStandIn::start().await;
    fcm.answer_sends(Answer::Status(404, "UNREGISTERED".into()));
    let result = fcm_pusher(&fcm, FIVE_SECONDS)
        .push(&fcm_push(PushKind::Background))
        .await;
    let Err(TransportError::Refused(reason)) = result else {
        panic!("{result:?}");
    };
    assert!(
        reason.contains("404") && reason.contains("UNREGISTERED"),
        "{reason}"
    );
    assert!(!reason.contains("fcm-device-token_1"), "{reason}");
}

#[tokio::test]
async fn an_fcm_server_error_or_throttling_is_unavailable() {
    let fcm = FcmStandIn::start().await;
    let pusher = fcm_pusher(&fcm, FIVE_SECONDS);
    fcm.answer_sends(Answer::Status(503, "UNAVAILABLE".into()));
    let result = pusher.push(&fcm_push(PushKind::Background)).await;
    assert!(
        matches!(result, Err(TransportError::Unavailable(_))),
        "{result:?}"
    );
    fcm.answer_sends(Answer::Status(429, "QUOTA_EXCEEDED".into()));
    let result = pusher.push(&fcm_push(PushKind::Background)).await;
    assert!(
        matches!(result, Err(TransportError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_service_account_the_token_endpoint_refuses_is_a_refusal_and_nothing_is_sent() {
    let fcm = FcmStandIn::start().await;
    fcm.answer_tokens(Answer::Status(400, "invalid_grant".into()));
    let result = fcm_pusher(&fcm, FIVE_SECONDS)
        .push(&fcm_push(PushKind::Background))
        .await;
    let Err(TransportError::Refused(reason)) = result else {
        panic!("{result:?}");
    };
    assert!(reason.contains("invalid_grant"), "{reason}");
    assert!(fcm.arrivals().is_empty());
}

#[tokio::test]
async fn an_fcm_that_hangs_is_unavailable_after_the_timeout() {
    let fcm = FcmStandIn::start().await;
    fcm.answer_sends(Answer::Hang);
    let timeout = Duration::from_secs(1);
    let started = Instant::now();
    let result = fcm_pusher(&fcm, timeout)
        .push(&fcm_push(PushKind::Background))
        .await;
    assert_unavailable_within(result, started, timeout);
}

#[tokio::test]
async fn an_fcm_token_endpoint_that_hangs_is_unavailable_after_the_timeout() {
    let fcm = FcmStandIn::start().await;
    fcm.answer_tokens(Answer::Hang);
    let timeout = Duration::from_secs(1);
    let started = Instant::now();
    let result = fcm_pusher(&fcm, timeout)
        .push(&fcm_push(PushKind::Background))
        .await;
    assert_unavailable_within(result, started, timeout);
}

#[tokio::test]
async fn an_fcm_nobody_listens_to_is_unavailable() {
    let fcm = FcmStandIn::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = std::fs::read_to_string(fcm.service_account_file()).unwrap();
    let mut settings = FcmSettings::new(ServiceAccount::from_json(&text).unwrap(), FIVE_SECONDS);
    settings.token_url = Some(format!("http://127.0.0.1:{port}/token"));
    let result = FcmPusher::new(settings)
        .unwrap()
        .push(&fcm_push(PushKind::Background))
        .await;
    assert!(
        matches!(result, Err(TransportError::Unavailable(_))),
        "{result:?}"
    );
}

// ---- APNs ----

#[tokio::test]
async fn a_background_push_reaches_apns_production_over_http2_as_apple_wants_it() {
    let apns = ApnsStandIn::start().await;
    let before = flexiapi_now();
    apns_pusher(&apns, FIVE_SECONDS)
        .push(&apns_push(&apns, PushProvider::Apns, PushKind::Background))
        .await
        .unwrap();
    let arrival = &apns.arrivals()[0];
    assert_eq!(arrival.environment, "production");
    assert!(arrival.http2);
    assert_eq!(arrival.device_token, DEVICE, "the :remote suffix is cut");
    assert_eq!(arrival.topic, "org.linphone.phone");
    assert_eq!(arrival.push_type, "background");
    assert_eq!(arrival.priority, 5);
    assert!(arrival.expiration >= before + 3600);
    assert_eq!(
        arrival.body,
        json!({"aps": {"content-available": 1}, "token": "TOKEN13CHARSX"})
    );
}

#[tokio::test]
async fn a_message_push_is_a_mutable_alert_at_high_priority() {
    let apns = ApnsStandIn::start().await;
    apns_pusher(&apns, FIVE_SECONDS)
        .push(&apns_push(&apns, PushProvider::Apns, PushKind::Message))
        .await
        .unwrap();
    let arrival = &apns.arrivals()[0];
    assert_eq!(arrival.push_type, "alert");
    assert_eq!(arrival.priority, 10);
    assert_eq!(arrival.topic, "org.linphone.phone");
    assert_eq!(arrival.body["aps"]["mutable-content"], 1);
    assert_eq!(arrival.body["aps"]["alert"]["loc-key"], "IC_MSG");
    assert_eq!(arrival.body["token"], "TOKEN13CHARSX");
}

#[tokio::test]
async fn a_call_push_is_voip_on_the_voip_topic_now_or_never() {
    let apns = ApnsStandIn::start().await;
    let mut call = push(
        PushProvider::Apns,
        &format!("{}.voip", apns.pn_param()),
        &format!("{DEVICE}:voip"),
        PushKind::Call,
    );
    call.call_id = PushCallId::parse("abc-123@host");
    apns_pusher(&apns, FIVE_SECONDS).push(&call).await.unwrap();
    let arrival = &apns.arrivals()[0];
    assert_eq!(arrival.push_type, "voip");
    assert_eq!(arrival.topic, "org.linphone.phone.voip");
    assert_eq!(arrival.priority, 10);
    assert_eq!(arrival.expiration, 0);
    assert_eq!(arrival.device_token, DEVICE);
    assert_eq!(arrival.body["call-id"], "abc-123@host");
    assert_eq!(arrival.body["aps"]["call-id"], "abc-123@host");
}

#[tokio::test]
async fn apns_dev_goes_to_the_sandbox_and_apns_to_production() {
    let apns = ApnsStandIn::start().await;
    let pusher = apns_pusher(&apns, FIVE_SECONDS);
    pusher
        .push(&apns_push(
            &apns,
            PushProvider::ApnsDev,
            PushKind::Background,
        ))
        .await
        .unwrap();
    pusher
        .push(&apns_push(&apns, PushProvider::Apns, PushKind::Background))
        .await
        .unwrap();
    let environments: Vec<String> = apns.arrivals().into_iter().map(|a| a.environment).collect();
    assert_eq!(environments, ["sandbox", "production"]);
}

#[tokio::test]
async fn one_provider_token_serves_every_push() {
    let apns = ApnsStandIn::start().await;
    let pusher = apns_pusher(&apns, FIVE_SECONDS);
    for kind in PushKind::ALL {
        let mut p = apns_push(&apns, PushProvider::Apns, kind);
        if kind == PushKind::Call {
            p.call_id = PushCallId::parse("c");
        }
        pusher.push(&p).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    pusher
        .push(&apns_push(
            &apns,
            PushProvider::ApnsDev,
            PushKind::Background,
        ))
        .await
        .unwrap();
    let arrivals = apns.arrivals();
    assert_eq!(arrivals.len(), 4);
    assert!(
        arrivals
            .iter()
            .all(|a| a.provider_token == arrivals[0].provider_token),
        "signed again within its hour"
    );
}

#[tokio::test]
async fn the_apns_stand_in_only_speaks_http2() {
    let apns = ApnsStandIn::start().await;
    let http1 = reqwest::Client::builder().http1_only().build().unwrap();
    let result = http1
        .post(format!("{}/3/device/{DEVICE}", apns.production_url()))
        .body("{}")
        .send()
        .await;
    assert!(
        result.is_err(),
        "an HTTP/1.1 request was answered: {result:?}"
    );
    assert!(apns.arrivals().is_empty());
}

#[tokio::test]
async fn apns_over_tls_negotiates_http2_and_trusts_the_configured_ca() {
    let apns = ApnsStandIn::start_tls().await;
    assert!(apns.production_url().starts_with("https://"));
    apns_pusher(&apns, FIVE_SECONDS)
        .push(&apns_push(&apns, PushProvider::Apns, PushKind::Background))
        .await
        .unwrap();
    assert!(apns.arrivals()[0].http2);

    // Without the CA, the stand-in's certificate is not trusted: nothing arrives.
    let mut untrusting = apns_settings(&apns, FIVE_SECONDS);
    untrusting.ca_pem = None;
    let result = ApnsPusher::new(untrusting)
        .unwrap()
        .push(&apns_push(&apns, PushProvider::Apns, PushKind::Background))
        .await;
    assert!(
        matches!(result, Err(TransportError::Unavailable(_))),
        "{result:?}"
    );
    assert_eq!(apns.arrivals().len(), 1);
}

#[tokio::test]
async fn the_configured_topic_wins_over_pn_param() {
    let apns = ApnsStandIn::start().await;
    let mut settings = apns_settings(&apns, FIVE_SECONDS);
    settings.topic = Some(apns.bundle_id().to_owned());
    let p = push(
        PushProvider::Apns,
        "LEGACY_PARAM",
        DEVICE,
        PushKind::Background,
    );
    ApnsPusher::new(settings).unwrap().push(&p).await.unwrap();
    assert_eq!(apns.arrivals()[0].topic, "org.linphone.phone");
}

#[tokio::test]
async fn a_push_apple_cannot_address_is_refused_before_anything_is_sent() {
    let apns = ApnsStandIn::start().await;
    let pusher = apns_pusher(&apns, FIVE_SECONDS);
    let no_bundle = push(
        PushProvider::Apns,
        "LEGACY_PARAM",
        DEVICE,
        PushKind::Background,
    );
    let result = pusher.push(&no_bundle).await;
    assert!(
        matches!(result, Err(TransportError::Refused(_))),
        "{result:?}"
    );
    let no_token = push(
        PushProvider::Apns,
        &apns.pn_param(),
        ":voip",
        PushKind::Background,
    );
    let result = pusher.push(&no_token).await;
    assert!(
        matches!(result, Err(TransportError::Refused(_))),
        "{result:?}"
    );
    assert!(apns.arrivals().is_empty());
}

#[tokio::test]
async fn an_apns_refusal_is_refused_with_its_reason_and_never_the_device_token() {
    let apns = ApnsStandIn::start().await;
    apns.answer(Answer::Status(410, format!("Unregistered {DEVICE}")));
    let result = apns_pusher(&apns, FIVE_SECONDS)
        .push(&apns_push(&apns, PushProvider::Apns, PushKind::Background))
        .await;
    let Err(TransportError::Refused(reason)) = result else {
        panic!("{result:?}");
    };
    assert!(
        reason.contains("410") && reason.contains("Unregistered"),
        "{reason}"
    );
    assert!(!reason.contains(DEVICE), "{reason}");
}

#[tokio::test]
async fn an_apns_server_error_is_unavailable() {
    let apns = ApnsStandIn::start().await;
    apns.answer(Answer::Status(503, "ServiceUnavailable".into()));
    let result = apns_pusher(&apns, FIVE_SECONDS)
        .push(&apns_push(&apns, PushProvider::Apns, PushKind::Background))
        .await;
    assert!(
        matches!(result, Err(TransportError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_apns_that_hangs_is_unavailable_after_the_timeout() {
    let apns = ApnsStandIn::start().await;
    apns.answer(Answer::Hang);
    let timeout = Duration::from_secs(1);
    let started = Instant::now();
    let result = apns_pusher(&apns, timeout)
        .push(&apns_push(&apns, PushProvider::Apns, PushKind::Background))
        .await;
    assert_unavailable_within(result, started, timeout);
}

// ---- the router ----

/// A pusher that records which providers it was asked for (the `flexisip_pusher` stand-in).
#[derive(Default)]
struct Recorder(Mutex<Vec<PushProvider>>);

#[async_trait]
impl Pusher for Recorder {
    fn can_push(&self, _: PushProvider) -> bool {
        true
    }

    async fn push(&self, push: &PushNotification) -> Result<(), TransportError> {
        self.0.lock().unwrap().push(push.target.provider);
        Ok(())
    }
}

#[tokio::test]
async fn a_router_with_nothing_configured_pushes_nowhere() {
    let router = PushRouter::new();
    for provider in PushProvider::ALL {
        assert!(!router.can_push(provider));
    }
    let result = router.push(&fcm_push(PushKind::Background)).await;
    assert_eq!(result, Err(TransportError::NotConfigured));
    assert!(router.describe().contains("fcm → nowhere (503)"));
}

#[tokio::test]
async fn a_direct_adapter_wins_and_flexisip_pusher_takes_the_other_providers() {
    let apns = ApnsStandIn::start().await;
    let flexisip = Arc::new(Recorder::default());
    let router = PushRouter::new()
        .with_apns(Arc::new(apns_pusher(&apns, FIVE_SECONDS)))
        .with_fallback(flexisip.clone(), "flexisip_pusher");
    for provider in PushProvider::ALL {
        assert!(router.can_push(provider));
    }
    router
        .push(&apns_push(
            &apns,
            PushProvider::ApnsDev,
            PushKind::Background,
        ))
        .await
        .unwrap();
    router
        .push(&apns_push(&apns, PushProvider::Apns, PushKind::Background))
        .await
        .unwrap();
    router.push(&fcm_push(PushKind::Background)).await.unwrap();
    assert_eq!(apns.arrivals().len(), 2);
    assert_eq!(*flexisip.0.lock().unwrap(), [PushProvider::Fcm]);
    assert_eq!(
        router.describe(),
        "pushes: fcm → flexisip_pusher, apns and apns.dev → APNs directly"
    );
}

#[tokio::test]
async fn a_router_with_only_fcm_says_apple_is_not_configured() {
    let fcm = FcmStandIn::start().await;
    let router = PushRouter::new().with_fcm(Arc::new(fcm_pusher(&fcm, FIVE_SECONDS)));
    assert!(router.can_push(PushProvider::Fcm));
    assert!(!router.can_push(PushProvider::Apns));
    assert!(!router.can_push(PushProvider::ApnsDev));
    router.push(&fcm_push(PushKind::Background)).await.unwrap();
    let apple = push(PushProvider::Apns, "T.b", DEVICE, PushKind::Background);
    assert_eq!(
        router.push(&apple).await,
        Err(TransportError::NotConfigured)
    );
    assert_eq!(fcm.arrivals().len(), 1);
}

fn flexiapi_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
