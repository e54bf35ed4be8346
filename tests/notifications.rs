//! The notifier as the server builds it from `[mail]` and `[sms.ovh]`: rendered notices reach a
//! real SMTP server (aiosmtpd) and the OVH stand-in, and `/metrics` counts what was sent and what
//! failed.

use flexiapi_domain::model::{Email, PhoneNumber};
use flexiapi_domain::ports::{Letterhead, Notice};

use crate::helpers::{Store, TestApp};
use crate::support_ovh::OvhStandIn;
use crate::support_smtp::{FROM_ADDRESS, FROM_NAME, SmtpServer};

fn letterhead() -> Letterhead {
    Letterhead {
        space_name: "Acme Voice".into(),
        space_domain: "acme.example.org".into(),
        email_server: None,
    }
}

fn code(code: &str) -> Notice {
    Notice::RecoveryCode {
        code: code.into(),
        expires_in_minutes: Some(10),
    }
}

fn email(address: &str) -> Email {
    Email::parse(address).unwrap()
}

async fn metric(app: &TestApp, name: &str, channel: &str) -> u64 {
    let text = app
        .get("localhost", "/metrics")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("{name}{{channel=\"{channel}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{prefix} not in {text}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn codes_reach_a_real_smtp_server_in_english_and_french() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = TestApp::spawn_with(Store::Memory, |c| smtp.configure(c)).await;
    let notifier = &app.services.notifier;
    assert!(notifier.can_email(&letterhead()));
    assert!(!notifier.can_sms());
    notifier
        .email(
            &letterhead(),
            &email("jane@example.net"),
            Some("Jane"),
            "en",
            &code("4821"),
        )
        .await
        .unwrap();
    notifier
        .email(
            &letterhead(),
            &email("jean@example.net"),
            None,
            "fr-FR",
            &code("7310"),
        )
        .await
        .unwrap();

    let en = smtp.wait_for_message("jane@example.net").await;
    assert_eq!(en.subject, "Acme Voice: your account recovery code");
    assert_eq!(
        (en.from_address.as_str(), en.from_name.as_deref()),
        (FROM_ADDRESS, Some(FROM_NAME))
    );
    assert_eq!(en.envelope_from, FROM_ADDRESS);
    assert_eq!(en.code().as_deref(), Some("4821"));
    assert!(en.text.starts_with("Hello Jane,"), "{}", en.text);
    assert!(en.text.contains("The code is available for 10 minutes."));
    assert!(en.html.as_deref().is_some_and(|h| h.contains("4821")));

    let fr = smtp.wait_for_message("jean@example.net").await;
    assert_eq!(
        fr.subject,
        "Acme Voice : votre code de récupération de compte"
    );
    assert_eq!(fr.code().as_deref(), Some("7310"));
    assert!(fr.text.starts_with("Bonjour,"), "{}", fr.text);
    assert!(fr.text.contains("Le code est valable 10 minutes."));
    assert_eq!(
        metric(&app, "flexiapi_notifications_sent_total", "email").await,
        2
    );
    app.stop().await;
}

#[tokio::test]
async fn a_refused_e_mail_is_an_error_and_counted_in_the_metrics() {
    let Some(smtp) = SmtpServer::start_with(&["--reject", "gone@example.net"]) else {
        return;
    };
    let app = TestApp::spawn_with(Store::Memory, |c| smtp.configure(c)).await;
    assert_eq!(
        metric(&app, "flexiapi_notifications_failed_total", "email").await,
        0
    );
    let err = app
        .services
        .notifier
        .email(
            &letterhead(),
            &email("gone@example.net"),
            None,
            "en",
            &code("1111"),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("550"), "{err}");
    assert_eq!(
        metric(&app, "flexiapi_notifications_failed_total", "email").await,
        1
    );
    assert_eq!(
        metric(&app, "flexiapi_notifications_sent_total", "email").await,
        0
    );
    assert!(smtp.messages().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn sms_go_through_the_signed_ovh_api_and_refusals_are_counted() {
    let ovh = OvhStandIn::start().await;
    let app = TestApp::spawn_with(Store::Memory, |c| ovh.configure(c)).await;
    let notifier = &app.services.notifier;
    assert!(notifier.can_sms());
    // No [mail]: e-mail cannot be sent at all.
    assert!(!notifier.can_email(&letterhead()));
    let phone = PhoneNumber::parse("+33612345678").unwrap();
    notifier
        .sms(&letterhead(), &phone, "en", &code("4821"))
        .await
        .unwrap();
    let sms = ovh.wait_for_sms("+33612345678").await;
    assert_eq!(
        sms.text,
        "Your Acme Voice validation code is 4821. The code is available for 10 minutes."
    );
    assert!(ovh.bad_requests().is_empty(), "{:?}", ovh.bad_requests());
    ovh.refuse(true);
    notifier
        .sms(&letterhead(), &phone, "fr", &code("1234"))
        .await
        .unwrap_err();
    assert_eq!(ovh.messages().len(), 1);
    assert_eq!(
        metric(&app, "flexiapi_notifications_sent_total", "sms").await,
        1
    );
    assert_eq!(
        metric(&app, "flexiapi_notifications_failed_total", "sms").await,
        1
    );
    app.stop().await;
}
