//! Changing one's phone number by a code sent by SMS, through the OVH stand-in (which checks the
//! signature of every request): the code read from the text confirms the change; the number
//! follows the rules of account creation; a gateway that refuses, or none, changes nothing.

use flexiapi::config::Config;
use reqwest::Method;
use serde_json::{Value, json};

use crate::email_change::{answer, me, other_than, post, validated_alice};
use crate::helpers::{Store, TestApp, json};
use crate::support_ovh::OvhStandIn;
use crate::support_smtp::SmtpServer;

/// The first word of 4 digits of a text.
fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 4)
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .to_owned()
}

async fn activate_france(app: &TestApp) {
    let resp = app
        .admin_call(
            Method::POST,
            "/api/phone_countries/FR/activate".into(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

async fn a_texted_code_changes_the_number_once(store: Store) {
    let ovh = OvhStandIn::start().await;
    let app = TestApp::spawn_with(store, |c| ovh.configure(c)).await;
    activate_france(&app).await;
    let (id, key) = validated_alice(&app).await;

    let resp = post(
        &app,
        &key,
        "/api/accounts/me/phone/request",
        "fr",
        json!({"phone": "+33612345678"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let sms = ovh.wait_for_sms("+33612345678").await;
    let code = code_in(&sms.text);
    assert!(sms.text.contains("localhost"), "{}", sms.text);
    assert!(ovh.bad_requests().is_empty());

    // Only admins see pending phone changes; one account shows the code.
    assert!(me(&app, &key).await.get("phone_change_code").is_none());
    let shown = json(
        app.admin_call(Method::GET, format!("/api/accounts/{id}"), None)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(shown["phone_change_code"]["phone"], "+33612345678");
    assert_eq!(shown["phone_change_code"]["code"], code.as_str());
    assert_eq!(shown["email_change_code"], Value::Null);

    let resp = post(
        &app,
        &key,
        "/api/accounts/me/phone",
        "en",
        json!({"code": other_than(&code)}),
    )
    .await;
    let (status, body) = answer(resp).await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"]["code"], json!(["The code should be valid"]));
    let resp = post(
        &app,
        &key,
        "/api/accounts/me/phone",
        "en",
        json!({ "code": code }),
    )
    .await;
    let (status, account) = answer(resp).await;
    assert_eq!(status, 200, "{account}");
    assert_eq!(account["phone"], "+33612345678");
    assert_eq!(account["activated"], true);
    let resp = post(
        &app,
        &key,
        "/api/accounts/me/phone",
        "en",
        json!({ "code": code }),
    )
    .await;
    assert_eq!(resp.status(), 404);
    app.stop().await;
}

async fn a_number_follows_the_rules_of_account_creation(store: Store) {
    let ovh = OvhStandIn::start().await;
    let app = TestApp::spawn_with(store, |c| ovh.configure(c)).await;
    activate_france(&app).await;
    let (_, key) = validated_alice(&app).await;
    let taken = app
        .account(
            "bob",
            "localhost",
            "secret123",
            &[flexiapi_domain::model::PasswordAlgorithm::Sha256],
            false,
        )
        .await;
    app.edit_account(&taken, |c| {
        c.phone = Some(flexiapi_domain::model::PhoneNumber::parse("+33611111111").unwrap());
    })
    .await;
    for (phone, message) in [
        (json!(null), "The phone field is required."),
        (
            json!("0612345678"),
            "The phone field contains an invalid number.",
        ),
        (
            json!("+4915123456789"),
            "The phone must belong to an authorized country.",
        ),
        (json!("+33611111111"), "The phone has already been taken."),
    ] {
        let resp = post(
            &app,
            &key,
            "/api/accounts/me/phone/request",
            "en",
            json!({ "phone": phone }),
        )
        .await;
        let (status, body) = answer(resp).await;
        assert_eq!(status, 422, "{phone}: {body}");
        assert_eq!(body["errors"]["phone"], json!([message]), "{phone}");
    }
    assert!(ovh.messages().is_empty());
    app.stop().await;
}

async fn a_refusing_or_missing_gateway_changes_nothing(store: Store) {
    let ovh = OvhStandIn::start().await;
    let app = TestApp::spawn_with(store, |c| ovh.configure(c)).await;
    activate_france(&app).await;
    let (_, key) = validated_alice(&app).await;
    ovh.refuse(true);
    let resp = post(
        &app,
        &key,
        "/api/accounts/me/phone/request",
        "en",
        json!({"phone": "+33612345678"}),
    )
    .await;
    let (status, body) = answer(resp).await;
    assert_eq!(status, 503);
    assert_eq!(
        body["message"],
        "The mail or SMS server refused the message. Nothing was changed."
    );
    let shown = json(
        app.admin_call(Method::GET, "/api/accounts?search=alice".into(), None)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(shown["data"][0]["phone_change_code"], Value::Null);
    app.stop().await;

    let none = TestApp::spawn_on(store).await;
    activate_france(&none).await;
    let (_, key) = validated_alice(&none).await;
    let resp = post(
        &none,
        &key,
        "/api/accounts/me/phone/request",
        "fr",
        json!({"phone": "+33612345678"}),
    )
    .await;
    let (status, body) = answer(resp).await;
    assert_eq!(status, 503);
    assert_eq!(
        body["message"],
        "Ce serveur ne peut pas envoyer de SMS : aucune passerelle SMS n'est configurée. Rien n'a été modifié."
    );
    none.stop().await;
}

/// The original's AccountBlockingTest: with one event allowed, a phone code then an e-mail code
/// blocks the account.
async fn a_phone_code_then_an_email_code_block_when_one_event_is_allowed(store: Store) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let ovh = OvhStandIn::start().await;
    let app = TestApp::spawn_with(store, |c: &mut Config| {
        smtp.configure(c);
        ovh.configure(c);
        c.blocking_amount_events_authorized_during_period = 1;
    })
    .await;
    activate_france(&app).await;
    let (id, key) = validated_alice(&app).await;
    let resp = post(
        &app,
        &key,
        "/api/accounts/me/phone/request",
        "en",
        json!({"phone": "+33612312312"}),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let resp = post(
        &app,
        &key,
        "/api/accounts/me/email/request",
        "en",
        json!({"email": "foo@bar.com"}),
    )
    .await;
    assert_eq!(resp.status(), 403);
    assert!(smtp.messages().is_empty());
    let shown = json(
        app.admin_call(Method::GET, format!("/api/accounts/{id}"), None)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(shown["blocked"], true);
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    a_texted_code_changes_the_number_once,
    a_number_follows_the_rules_of_account_creation,
    a_refusing_or_missing_gateway_changes_nothing,
    a_phone_code_then_an_email_code_block_when_one_event_is_allowed,
);
