//! The public web pages over HTTP, as a browser without JavaScript uses them (forms posted with
//! their cookie and hidden fields): sign-up by e-mail and SMS, recovery, reset links, CSRF,
//! the space's switches, French, and hCaptcha, against the real SMTP server and OVH stand-in.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use flexiapi_domain::model::{
    Account, Domain, Email, NewAccountRecoveryToken, PasswordAlgorithm, Username,
};
use flexiapi_domain::testing::FixedClock;
use reqwest::StatusCode;

use crate::helpers::{Store, TestApp, logs};
use crate::support_ovh::OvhStandIn;
use crate::support_smtp::SmtpServer;

/// A cookie-keeping client on one host, in one language.
pub struct Visitor {
    client: reqwest::Client,
    base: String,
    host: String,
    lang: &'static str,
}

impl Visitor {
    pub fn new(app: &TestApp, host: &str, lang: &'static str) -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: format!("http://127.0.0.1:{}", app.port),
            host: host.into(),
            lang,
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .header("host", &self.host)
            .header("accept-language", self.lang)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }

    /// Posts `fields` to the form at `path`, with the CSRF token of `page` (a page this visitor
    /// was shown).
    pub async fn post(
        &self,
        page: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut all: Vec<(&str, String)> = vec![("_token", hidden(page, "_token"))];
        all.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
        self.post_raw(path, &all).await
    }

    pub async fn post_raw(&self, path: &str, fields: &[(&str, String)]) -> (StatusCode, String) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("host", &self.host)
            .header("accept-language", self.lang)
            .form(fields)
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    }
}

/// The value of the hidden field `name` of a page.
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name} in {page}"))
        + marker.len();
    let value = &page[start..start + page[start..].find('"').unwrap()];
    value.replace("&#x2f;", "/").replace("&amp;", "&")
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
    ))
}

async fn stored(app: &TestApp, username: &str) -> Option<Account> {
    app.services
        .storage_for_tests()
        .account_by_identity(
            &Username::parse(username).unwrap(),
            &Domain::parse("localhost").unwrap(),
        )
        .await
        .unwrap()
}

fn has_password(account: &Account, clear: &str) -> bool {
    account
        .passwords
        .iter()
        .any(|p| p.matches_clear(account.username.as_str(), "localhost", clear))
}

/// An activated account of `localhost` with an e-mail address and a password.
async fn alice(app: &TestApp) -> Account {
    let account = app
        .account(
            "alice",
            "localhost",
            "old-secret-1",
            &[PasswordAlgorithm::Sha256],
            false,
        )
        .await;
    app.edit_account(&account, |c| {
        c.email = Some(Email::parse("alice@example.net").unwrap());
        c.phone = Some(flexiapi_domain::model::PhoneNumber::parse("+33612345678").unwrap());
    })
    .await
}

#[tokio::test]
async fn a_sign_up_by_e_mail_sends_a_code_then_activates_the_account_with_its_qr_code() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = TestApp::spawn_with(Store::Sqlite, |c| smtp.configure(c)).await;
    let v = Visitor::new(&app, "localhost", "en");
    let (status, form) = v.get("/register/email").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains("Create an account") && form.contains("@localhost"),
        "{form}"
    );
    // Rules of account creation: all broken ones at once.
    let (status, page) = v
        .post(
            &form,
            "/register/email",
            &[
                ("username", "Bad Name"),
                ("email", "not-an-address"),
                ("password", "abc"),
                ("password_confirmation", "abc"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for says in ["username", "email", "password"] {
        assert!(
            page.matches("class=\"error\"").count() >= 3 && page.contains(says),
            "{page}"
        );
    }
    let (status, page) = v
        .post(
            &form,
            "/register/email",
            &[
                ("username", "bob"),
                ("email", "bob@example.net"),
                ("password", "bob-secret-1"),
                ("password_confirmation", "other-secret"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("The two passwords differ"), "{page}");
    logs::secret("bob-secret-1");
    let (status, code_page) = v
        .post(
            &form,
            "/register/email",
            &[
                ("username", "bob"),
                ("email", "bob@example.net"),
                ("password", "bob-secret-1"),
                ("password_confirmation", "bob-secret-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{code_page}");
    assert!(
        code_page.contains("A 4-digit code was sent to bob@example.net"),
        "{code_page}"
    );
    assert!(code_page.contains("valid for 10 minutes"), "{code_page}");
    // Nothing is created before the code comes back.
    assert!(stored(&app, "bob").await.is_none());
    let mail = smtp.wait_for_message("bob@example.net").await;
    let code = mail.code().unwrap();
    let flow = hidden(&code_page, "flow");
    let wrong = if code == "1234" { "4321" } else { "1234" };
    let (status, page) = v
        .post(
            &code_page,
            "/register/confirm",
            &[("flow", &flow), ("code", wrong)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Wrong code"), "{page}");
    let (status, done) = v
        .post(
            &code_page,
            "/register/confirm",
            &[("flow", &flow), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(
        done.contains("sip:bob@localhost") && done.contains("is activated"),
        "{done}"
    );
    assert!(done.contains("data:image/png;base64,"), "{done}");
    // Links are HTML-escaped (`/` as `&#x2f;`), as minijinja escapes attribute values.
    assert!(
        done.replace("&#x2f;", "/")
            .contains("href=\"http://localhost/provisioning/"),
        "{done}"
    );
    let bob = stored(&app, "bob").await.unwrap();
    assert!(bob.activated);
    assert_eq!(bob.email.unwrap().as_str(), "bob@example.net");
    // The code is spent.
    let (status, _) = v
        .post(
            &code_page,
            "/register/confirm",
            &[("flow", &flow), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    app.stop().await;
}

#[tokio::test]
async fn a_sign_up_by_phone_gets_its_code_by_sms_and_five_wrong_codes_spend_it() {
    let ovh = OvhStandIn::start().await;
    let app = TestApp::spawn_with(Store::Memory, |c| ovh.configure(c)).await;
    app.services
        .set_phone_country_activated("FR", true)
        .await
        .unwrap();
    let v = Visitor::new(&app, "localhost", "en");
    let (_, form) = v.get("/register/phone").await;
    logs::secret("carol-secret-1");
    let (status, code_page) = v
        .post(
            &form,
            "/register/phone",
            &[
                ("username", "carol"),
                ("phone", "+33698765432"),
                ("password", "carol-secret-1"),
                ("password_confirmation", "carol-secret-1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{code_page}");
    let sms = ovh.wait_for_sms("+33698765432").await;
    let code: String = sms
        .text
        .chars()
        .filter(char::is_ascii_digit)
        .take(4)
        .collect();
    let wrong = if code == "1234" { "4321" } else { "1234" };
    let flow = hidden(&code_page, "flow");
    for _ in 0..4 {
        let (status, _) = v
            .post(
                &code_page,
                "/register/confirm",
                &[("flow", &flow), ("code", wrong)],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, page) = v
        .post(
            &code_page,
            "/register/confirm",
            &[("flow", &flow), ("code", wrong)],
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("Too many wrong codes"), "{page}");
    // Even the right code no longer works.
    let (status, _) = v
        .post(
            &code_page,
            "/register/confirm",
            &[("flow", &flow), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    assert!(stored(&app, "carol").await.is_none());
    app.stop().await;
}

#[tokio::test]
async fn recovery_answers_alike_for_known_and_unknown_addresses_then_sets_a_new_password() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = TestApp::spawn_with(Store::Memory, |c| smtp.configure(c)).await;
    let alice = alice(&app).await;
    let v = Visitor::new(&app, "localhost", "en");
    let (status, form) = v.get("/recovery/email").await;
    assert_eq!(status, StatusCode::OK);
    let (status, known) = v
        .post(
            &form,
            "/recovery",
            &[("method", "email"), ("email", "alice@example.net")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, unknown) = v
        .post(
            &form,
            "/recovery",
            &[("method", "email"), ("email", "nobody@example.net")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = |page: &str, address: &str| {
        let start = page.find("<main>").unwrap();
        let end = page.find("name=\"flow\"").unwrap();
        page[start..end].replace(address, "ADDRESS")
    };
    assert_eq!(
        text(&known, "alice@example.net"),
        text(&unknown, "nobody@example.net")
    );
    assert!(
        known.contains("If an account has the address alice@example.net"),
        "{known}"
    );
    let code = smtp
        .wait_for_message("alice@example.net")
        .await
        .code()
        .unwrap();
    assert!(smtp.messages_to("nobody@example.net").is_empty());

    // The unknown address's code page takes no code.
    let (status, _) = v
        .post(
            &unknown,
            "/recovery/confirm",
            &[("flow", &hidden(&unknown, "flow")), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let flow = hidden(&known, "flow");
    let (status, password_page) = v
        .post(
            &known,
            "/recovery/confirm",
            &[("flow", &flow), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{password_page}");
    assert!(password_page.contains("Choose a new password"));
    logs::secret("new-secret-2");
    let code_field = hidden(&password_page, "code");
    let fields = [
        ("flow", flow.as_str()),
        ("code", code_field.as_str()),
        ("password", "new-secret-2"),
        ("password_confirmation", "new-secret-2"),
    ];
    let (status, done) = v.post(&password_page, "/recovery/password", &fields).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(done.contains("Your new password is set"), "{done}");
    let after = stored(&app, "alice").await.unwrap();
    assert!(has_password(&after, "new-secret-2") && !has_password(&after, "old-secret-1"));
    assert_ne!(after.passwords, alice.passwords);
    // The code is spent by its use.
    let (status, _) = v.post(&password_page, "/recovery/password", &fields).await;
    assert_eq!(status, StatusCode::GONE);
    app.stop().await;
}

#[tokio::test]
async fn a_recovery_code_expires_and_five_wrong_tries_spend_it() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let clock = clock();
    let app =
        TestApp::spawn_with_config_and_clock(Store::Sqlite, |c| smtp.configure(c), clock.clone())
            .await;
    alice(&app).await;
    let v = Visitor::new(&app, "localhost", "en");
    let (_, form) = v.get("/recovery/email").await;
    let ask = || {
        v.post(
            &form,
            "/recovery",
            &[("method", "email"), ("email", "alice@example.net")],
        )
    };
    let (_, page) = ask().await;
    let code = smtp
        .wait_for_message("alice@example.net")
        .await
        .code()
        .unwrap();
    clock.advance(Duration::minutes(11));
    let (status, expired) = v
        .post(
            &page,
            "/recovery/confirm",
            &[("flow", &hidden(&page, "flow")), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    assert!(expired.contains("expired"), "{expired}");

    let (_, page) = ask().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let code = loop {
        let codes: Vec<String> = smtp
            .messages_to("alice@example.net")
            .iter()
            .filter_map(|m| m.code())
            .collect();
        if codes.len() == 2 {
            break codes[1].clone();
        }
        assert!(std::time::Instant::now() < deadline, "no second code");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let wrong = if code == "1234" { "4321" } else { "1234" };
    let flow = hidden(&page, "flow");
    for n in 1..=5 {
        let (status, body) = v
            .post(
                &page,
                "/recovery/confirm",
                &[("flow", &flow), ("code", wrong)],
            )
            .await;
        if n < 5 {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "try {n}");
        } else {
            assert_eq!(status, StatusCode::GONE);
            assert!(body.contains("Too many wrong codes"), "{body}");
        }
    }
    let (status, _) = v
        .post(
            &page,
            "/recovery/confirm",
            &[("flow", &flow), ("code", &code)],
        )
        .await;
    assert_eq!(status, StatusCode::GONE);
    app.stop().await;
}

#[tokio::test]
async fn a_reset_link_sets_a_password_once_and_expires() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let clock = clock();
    let app =
        TestApp::spawn_with_config_and_clock(Store::Memory, |c| smtp.configure(c), clock.clone())
            .await;
    let alice = alice(&app).await;
    let send = || {
        app.admin_call(
            reqwest::Method::POST,
            format!("/api/accounts/{}/send_reset_password_email", alice.id.0),
            None,
        )
    };
    let r = send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "");
    let link = smtp
        .wait_for_message("alice@example.net")
        .await
        .link()
        .unwrap();
    assert!(
        link.starts_with("http://localhost/reset_password/"),
        "{link}"
    );
    let token = link.rsplit('/').next().unwrap().to_owned();
    assert_eq!(token.len(), 16);
    logs::secret(token.clone());
    let v = Visitor::new(&app, "localhost", "en");
    let (status, _) = v.get("/reset_password/0123456789abcdef").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, form) = v.get(&format!("/reset_password/{token}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("Reset your password"));
    logs::secret("reset-secret-3");
    let fields = [
        ("token", token.as_str()),
        ("password", "reset-secret-3"),
        ("password_confirmation", "reset-secret-3"),
    ];
    let (status, done) = v.post(&form, "/reset_password", &fields).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert!(has_password(
        &stored(&app, "alice").await.unwrap(),
        "reset-secret-3"
    ));
    // Reused.
    let (status, page) = v.post(&form, "/reset_password", &fields).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("already used"), "{page}");
    let (status, _) = v.get(&format!("/reset_password/{token}")).await;
    assert_eq!(status, StatusCode::GONE);

    // Expired after reset_password_email_token_expiration_minutes (1440).
    send().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let second = loop {
        let links: Vec<String> = smtp
            .messages_to("alice@example.net")
            .iter()
            .filter_map(|m| m.link())
            .collect();
        if links.len() == 2 {
            break links[1].rsplit('/').next().unwrap().to_owned();
        }
        assert!(std::time::Instant::now() < deadline, "no second link");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    logs::secret(second.clone());
    clock.advance(Duration::minutes(1441));
    let (status, page) = v.get(&format!("/reset_password/{second}")).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("expired"), "{page}");
    let fields = [
        ("token", second.as_str()),
        ("password", "later-secret-4"),
        ("password_confirmation", "later-secret-4"),
    ];
    let (status, _) = v.post(&form, "/reset_password", &fields).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(has_password(
        &stored(&app, "alice").await.unwrap(),
        "reset-secret-3"
    ));

    // An account without an address: 403, as the original.
    let bare = app
        .account(
            "bare",
            "localhost",
            "bare-secret-5",
            &[PasswordAlgorithm::Sha256],
            false,
        )
        .await;
    let r = app
        .admin_call(
            reqwest::Method::POST,
            format!("/api/accounts/{}/send_reset_password_email", bare.id.0),
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn no_mail_server_or_a_refusing_one_leaves_nothing_behind() {
    let app = TestApp::spawn().await;
    let v = Visitor::new(&app, "localhost", "en");
    let (_, form) = v.get("/register/email").await;
    let fields = [
        ("username", "dave"),
        ("email", "dave@example.net"),
        ("password", "dave-secret-1"),
        ("password_confirmation", "dave-secret-1"),
    ];
    let (status, page) = v.post(&form, "/register/email", &fields).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("no mail server is configured"), "{page}");
    assert!(stored(&app, "dave").await.is_none());
    app.stop().await;

    let Some(smtp) = SmtpServer::start_with(&["--reject", "dave@example.net"]) else {
        return;
    };
    let app = TestApp::spawn_with(Store::Memory, |c| smtp.configure(c)).await;
    let v = Visitor::new(&app, "localhost", "en");
    let (_, form) = v.get("/register/email").await;
    let (status, page) = v.post(&form, "/register/email", &fields).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("refused the message"), "{page}");
    assert!(stored(&app, "dave").await.is_none());
    // The same sign-up goes through to another address: nothing was kept of the first.
    let fields = [
        ("username", "dave"),
        ("email", "dave@example.org"),
        ("password", "dave-secret-1"),
        ("password_confirmation", "dave-secret-1"),
    ];
    let (status, page) = v.post(&form, "/register/email", &fields).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    logs::secret("dave-secret-1");
    app.stop().await;
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused() {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = TestApp::spawn_with(Store::Memory, |c| smtp.configure(c)).await;
    alice(&app).await;
    let v = Visitor::new(&app, "localhost", "en");
    let (_, form) = v.get("/recovery/email").await;
    let fields = |token: &str| {
        vec![
            ("_token", token.to_owned()),
            ("method", "email".to_owned()),
            ("email", "alice@example.net".to_owned()),
        ]
    };
    for token in ["", "0000", &"a".repeat(64)] {
        let (status, page) = v.post_raw("/recovery", &fields(token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{token}");
        assert!(page.contains("The form was not accepted"), "{page}");
    }
    // Another visitor's token (another cookie) does not pass either.
    let other = Visitor::new(&app, "localhost", "en");
    let (status, _) = other
        .post_raw("/recovery", &fields(&hidden(&form, "_token")))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(smtp.messages_to("alice@example.net").is_empty());
    let (status, _) = v
        .post_raw("/recovery", &fields(&hidden(&form, "_token")))
        .await;
    assert_eq!(status, StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn pages_answer_only_where_the_space_has_them() {
    let app = TestApp::spawn().await;
    app.space("other.example.org", false).await;
    let v = Visitor::new(&app, "other.example.org", "en");
    for path in [
        "/register/email",
        "/register/phone",
        "/recovery/email",
        "/register",
    ] {
        let (status, _) = v.get(path).await;
        assert!(
            matches!(status, StatusCode::OK | StatusCode::FOUND),
            "{path}"
        );
    }
    app.edit_space("other.example.org", |s| {
        s.settings.phone_registration = false
    })
    .await;
    assert_eq!(v.get("/register/phone").await.0, StatusCode::NOT_FOUND);
    assert_eq!(v.get("/register/email").await.0, StatusCode::OK);
    app.edit_space("other.example.org", |s| {
        s.settings.public_registration = false
    })
    .await;
    assert_eq!(v.get("/register/email").await.0, StatusCode::NOT_FOUND);
    assert_eq!(v.get("/recovery/email").await.0, StatusCode::OK);
    app.edit_space("other.example.org", |s| s.settings.web_panel = false)
        .await;
    for path in [
        "/recovery/email",
        "/reset_password/abcdefghijklmnop",
        "/register",
    ] {
        let (status, page) = v.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.contains("Page not found"), "{page}");
    }
    // Phone recovery needs a usable account recovery token of the space.
    let (status, _) = Visitor::new(&app, "localhost", "en")
        .get("/recovery/phone/unknowntoken1")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn phone_recovery_spends_its_account_recovery_token() {
    let ovh = OvhStandIn::start().await;
    let app = TestApp::spawn_with(Store::Memory, |c| ovh.configure(c)).await;
    alice(&app).await;
    app.services
        .storage_for_tests()
        .create_account_recovery_token(
            NewAccountRecoveryToken {
                token: "pushedtoken01".into(),
                domain: Domain::parse("localhost").unwrap(),
                pn_provider: Some("fcm".into()),
                pn_param: None,
                pn_prid: None,
                ip: None,
                user_agent: None,
            },
            app.services.now(),
        )
        .await
        .unwrap();
    let v = Visitor::new(&app, "localhost", "en");
    let (status, form) = v.get("/recovery/phone/pushedtoken01").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hidden(&form, "account_recovery_token"), "pushedtoken01");
    let fields = [
        ("method", "phone"),
        ("phone", "+33612345678"),
        ("account_recovery_token", "pushedtoken01"),
    ];
    let (status, page) = v.post(&form, "/recovery", &fields).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let sms = ovh.wait_for_sms("+33612345678").await;
    assert!(
        sms.text.chars().filter(char::is_ascii_digit).count() >= 4,
        "{sms:?}"
    );
    // Spent: neither the page nor a second request takes it.
    assert_eq!(
        v.get("/recovery/phone/pushedtoken01").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        v.post(&form, "/recovery", &fields).await.0,
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

#[tokio::test]
async fn pages_are_in_french_for_a_french_browser() {
    let app = TestApp::spawn().await;
    let v = Visitor::new(&app, "localhost", "fr-FR,fr;q=0.9");
    let (status, page) = v.get("/register/email").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("lang=\"fr\"") && page.contains("Créer un compte"),
        "{page}"
    );
    let (_, page) = v.get("/recovery/email").await;
    assert!(page.contains("Récupérer votre compte"), "{page}");
    let (_, page) = v.get("/reset_password/abcdefghijklmnop").await;
    assert!(page.contains("Page introuvable"), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn the_captcha_is_checked_with_hcaptcha_when_configured() {
    use poem::web::Form;
    use poem::{EndpointExt, Route, Server, handler, listener::TcpListener};
    use std::collections::BTreeMap;

    // hCaptcha's siteverify, as a stand-in: "human" passes, anything else fails; it also
    // checks that the secret and the client's address come along.
    #[handler]
    fn siteverify(Form(f): Form<BTreeMap<String, String>>) -> poem::web::Json<serde_json::Value> {
        let ok = f.get("secret").map(String::as_str) == Some("captcha-secret")
            && f.get("remoteip").map(String::as_str) == Some("127.0.0.1")
            && f.get("response").map(String::as_str) == Some("human");
        poem::web::Json(serde_json::json!({ "success": ok }))
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    tokio::spawn(
        Server::new(TcpListener::bind(format!("127.0.0.1:{port}"))).run(
            Route::new()
                .at("/siteverify", poem::post(siteverify))
                .boxed(),
        ),
    );
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = TestApp::spawn_with(Store::Memory, |c| {
        smtp.configure(c);
        c.captcha = Some(flexiapi::config::CaptchaSettings {
            secret: "captcha-secret".into(),
            sitekey: "site-key-1".into(),
            verify_url: format!("http://127.0.0.1:{port}/siteverify"),
        });
    })
    .await;
    alice(&app).await;
    let v = Visitor::new(&app, "localhost", "en");
    let (_, form) = v.get("/recovery/email").await;
    assert!(form.contains("data-sitekey=\"site-key-1\"") && form.contains("hcaptcha.com"));
    let base = [("method", "email"), ("email", "alice@example.net")];
    for answer in [None, Some("robot")] {
        let mut fields = base.to_vec();
        if let Some(a) = answer {
            fields.push(("h-captcha-response", a));
        }
        let (status, page) = v.post(&form, "/recovery", &fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:?}");
        assert!(page.contains("not a robot"), "{page}");
    }
    let mut fields = base.to_vec();
    fields.push(("h-captcha-response", "human"));
    let (status, _) = v.post(&form, "/recovery", &fields).await;
    assert_eq!(status, StatusCode::OK);
    smtp.wait_for_message("alice@example.net").await;
    let (_, form) = v.get("/register/email").await;
    assert!(form.contains("data-sitekey=\"site-key-1\""));
    app.stop().await;
}
