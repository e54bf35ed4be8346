//! The web pages in headless Chromium, as a person uses them: forms filled and submitted, codes
//! read from the real SMTP server, every page looked at in a screenshot, in English and French
//! (`<target>/tmp/web-screenshots/<page>-<lang>.png`).

use flexiapi_domain::model::{Domain, Email, NewAccountRecoveryToken};

use crate::helpers::{Store, TestApp, logs};
use crate::support_chromium::Chromium;
use crate::support_smtp::SmtpServer;

/// What the pages say in one language.
struct Texts {
    lang: &'static str,
    code_sent: &'static str,
    activated: &'static str,
    recovery_sent: &'static str,
    new_password: &'static str,
    password_set: &'static str,
    wrong_code: &'static str,
    used_link: &'static str,
    not_found: &'static str,
}

const ENGLISH: Texts = Texts {
    lang: "en",
    code_sent: "A 4-digit code was sent to",
    activated: "is activated",
    recovery_sent: "If an account has the address",
    new_password: "Choose a new password",
    password_set: "Your new password is set",
    wrong_code: "Wrong code",
    used_link: "This link was already used",
    not_found: "This page does not exist",
};

const FRENCH: Texts = Texts {
    lang: "fr",
    code_sent: "Un code à 4 chiffres a été envoyé à",
    activated: "est activé",
    recovery_sent: "Si un compte a l'adresse",
    new_password: "Choisissez un nouveau mot de passe",
    password_set: "Votre nouveau mot de passe est enregistré",
    wrong_code: "Code erroné",
    used_link: "Ce lien a déjà servi",
    not_found: "Cette page n'existe pas",
};

fn assert_shows(text: &str, expected: &str) {
    assert!(text.contains(expected), "expected {expected:?} in:\n{text}");
}

/// The last message's code to `to`, once `count` messages reached it.
async fn nth_code(smtp: &SmtpServer, to: &str, count: usize) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let codes: Vec<String> = smtp
            .messages_to(to)
            .iter()
            .filter_map(|m| m.code())
            .collect();
        if codes.len() >= count {
            return codes[count - 1].clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no message {count} to {to}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn tour(t: &Texts) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let Some(mut b) = Chromium::launch(t.lang).await else {
        return;
    };
    let app = TestApp::spawn_with(Store::Memory, |c| smtp.configure(c)).await;
    let url = |path: &str| format!("http://localhost:{}{path}", app.port);
    let shot = |name: &str| format!("{name}-{}", t.lang);
    let user = format!("web{}", t.lang);
    let address = format!("{user}@example.net");
    let password = format!("{user}-secret-1");
    logs::secret(password.clone());

    // Sign-up: the form, the code page, the activated account with its QR code.
    b.open(&url("/register/phone")).await;
    b.screenshot(&shot("register-phone")).await;
    b.open(&url("/register/email")).await;
    // A fresh form is empty.
    let values = b
        .eval(
            "[...document.querySelectorAll('input:not([type=hidden])')].map(i => i.value).join('')",
        )
        .await;
    assert_eq!(values, serde_json::json!(""));
    b.screenshot(&shot("register-email")).await;
    b.fill("username", &user).await;
    b.fill("email", &address).await;
    b.fill("password", &password).await;
    b.fill("password_confirmation", &password).await;
    b.submit().await;
    assert_shows(&b.text().await, &format!("{} {address}", t.code_sent));
    b.screenshot(&shot("register-code")).await;
    let code = nth_code(&smtp, &address, 1).await;
    b.fill("code", &code).await;
    b.submit().await;
    let text = b.text().await;
    assert_shows(&text, &format!("sip:{user}@localhost"));
    assert_shows(&text, t.activated);
    let html = b.html().await;
    assert!(html.contains("src=\"data:image/png;base64,"), "{html}");
    let qr_width = b
        .eval("document.querySelector('img.qr').naturalWidth")
        .await;
    assert!(qr_width.as_u64().unwrap_or_default() >= 300, "{qr_width}");
    b.screenshot(&shot("registered")).await;

    // Recovery by e-mail: a wrong code, then the right one, then a new password.
    let account = app
        .services
        .storage_for_tests()
        .account_by_email(
            &Domain::parse("localhost").unwrap(),
            &Email::parse(&address).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    b.open(&url("/recovery/email")).await;
    b.screenshot(&shot("recovery-email")).await;
    b.fill("email", &address).await;
    b.submit().await;
    assert_shows(&b.text().await, &format!("{} {address}", t.recovery_sent));
    b.screenshot(&shot("recovery-code")).await;
    let code = nth_code(&smtp, &address, 2).await;
    b.fill("code", if code == "1234" { "4321" } else { "1234" })
        .await;
    b.submit().await;
    assert_shows(&b.text().await, t.wrong_code);
    b.screenshot(&shot("recovery-wrong-code")).await;
    b.fill("code", &code).await;
    b.submit().await;
    assert_shows(&b.text().await, t.new_password);
    b.screenshot(&shot("recovery-password")).await;
    let new_password = format!("{user}-secret-2");
    logs::secret(new_password.clone());
    b.fill("password", &new_password).await;
    b.fill("password_confirmation", &new_password).await;
    b.submit().await;
    assert_shows(&b.text().await, t.password_set);
    b.screenshot(&shot("recovery-done")).await;
    let stored = app
        .services
        .storage_for_tests()
        .account_by_id(account.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored
            .passwords
            .iter()
            .any(|p| p.matches_clear(&user, "localhost", &new_password))
    );

    // The reset link an admin sends, used once.
    let r = app
        .admin_call(
            reqwest::Method::POST,
            format!("/api/accounts/{}/send_reset_password_email", account.id.0),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let link = loop {
        if let Some(link) = smtp.messages_to(&address).iter().find_map(|m| m.link()) {
            break link;
        }
        assert!(std::time::Instant::now() < deadline, "no reset link");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let token = link.rsplit('/').next().unwrap().to_owned();
    logs::secret(token.clone());
    b.open(&url(&format!("/reset_password/{token}"))).await;
    b.screenshot(&shot("reset-password")).await;
    let reset = format!("{user}-secret-3");
    logs::secret(reset.clone());
    b.fill("password", &reset).await;
    b.fill("password_confirmation", &reset).await;
    b.submit().await;
    assert_shows(&b.text().await, t.password_set);
    b.screenshot(&shot("reset-done")).await;
    b.open(&url(&format!("/reset_password/{token}"))).await;
    assert_shows(&b.text().await, t.used_link);
    b.screenshot(&shot("reset-used")).await;

    // Recovery by phone, as an app opens it with its pushed token; and a page that is not.
    app.services
        .storage_for_tests()
        .create_account_recovery_token(
            NewAccountRecoveryToken {
                token: format!("pushedtoken{}", t.lang),
                domain: Domain::parse("localhost").unwrap(),
                pn_provider: None,
                pn_param: None,
                pn_prid: None,
                ip: None,
                user_agent: None,
            },
            app.services.now(),
        )
        .await
        .unwrap();
    b.open(&url(&format!("/recovery/phone/pushedtoken{}", t.lang)))
        .await;
    b.screenshot(&shot("recovery-phone")).await;
    b.open(&url("/reset_password/unknown-token-00")).await;
    assert_shows(&b.text().await, t.not_found);
    b.screenshot(&shot("not-found")).await;

    // A space without the web panel has no pages.
    app.edit_space("localhost", |s| s.settings.web_panel = false)
        .await;
    b.open(&url("/register/email")).await;
    assert_shows(&b.text().await, t.not_found);
    drop(b);
    app.stop().await;
}

#[tokio::test]
async fn a_person_signs_up_recovers_and_resets_in_english() {
    tour(&ENGLISH).await;
}

#[tokio::test]
async fn a_person_signs_up_recovers_and_resets_in_french() {
    tour(&FRENCH).await;
}
