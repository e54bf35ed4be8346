//! Remote provisioning for Linphone: the XML configuration (parsed as XML here), the single-use
//! tokens, their expiry and QR codes.

use std::sync::Arc;

use chrono::{Duration, Utc};
use flexiapi_domain::model::PasswordAlgorithm::{Md5, Sha256};
use flexiapi_domain::model::{Account, JwtAlgorithm, JwtConfig};
use flexiapi_domain::testing::FixedClock;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::Method;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::json;

use crate::helpers::{Store, TestApp, challenges, digest_authorization, hex_digest, json as body};

const NS: &str = "http://www.linphone.org/xsds/lpconfig.xsd";
const HEADER: &str = "x-linphone-provisioning";

/// One `<entry>`: name, text, and its `overwrite` attribute.
type Entry = (String, String, Option<String>);

/// The sections of an lpconfig document, checking its structure on the way: root `config` in
/// Linphone's namespace, holding only `section`s of `entry`s.
fn lpconfig(xml: &str) -> Vec<(String, Vec<Entry>)> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "config");
    assert_eq!(root.tag_name().namespace(), Some(NS));
    root.children()
        .filter(|n| n.is_element())
        .map(|section| {
            assert_eq!(section.tag_name().name(), "section");
            assert_eq!(section.tag_name().namespace(), Some(NS));
            let entries = section
                .children()
                .filter(|n| n.is_element())
                .map(|entry| {
                    assert_eq!(entry.tag_name().name(), "entry");
                    (
                        entry.attribute("name").unwrap().to_owned(),
                        entry.text().unwrap_or_default().to_owned(),
                        entry.attribute("overwrite").map(str::to_owned),
                    )
                })
                .collect();
            (section.attribute("name").unwrap().to_owned(), entries)
        })
        .collect()
}

fn entry<'a>(sections: &'a [(String, Vec<Entry>)], section: &str, name: &str) -> Option<&'a str> {
    sections
        .iter()
        .find(|(s, _)| s == section)?
        .1
        .iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, v, _)| v.as_str())
}

fn names(sections: &[(String, Vec<Entry>)]) -> Vec<&str> {
    sections.iter().map(|(s, _)| s.as_str()).collect()
}

fn provisioning(app: &TestApp, host: &str, path: &str) -> reqwest::RequestBuilder {
    app.request(Method::GET, host, path)
        .header("accept-language", "fr")
        .header(HEADER, "1")
}

/// Status, content type and body of a response.
async fn read(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, resp.text().await.unwrap())
}

/// An account of `localhost` with an MD5 and a SHA-256 password (SHA-256 is the space's
/// default), not yet activated, with a fresh provisioning token.
async fn account_with_token(app: &TestApp, username: &str) -> (Account, String) {
    let account = app
        .account(username, "localhost", "secret123", &[Sha256, Md5], false)
        .await;
    let account = app.edit_account(&account, |c| c.activated = false).await;
    let token = app
        .services
        .new_provisioning_token(&account, None, None)
        .await
        .unwrap()
        .token;
    (account, token)
}

async fn the_space_configuration_is_linphone_xml_behind_the_header(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.edit_space("localhost", |s| {
        s.settings.disable_chat_feature = true;
        s.settings.max_account = 2;
    })
    .await;

    let (status, content_type, xml) = read(
        provisioning(&app, "localhost", "/provisioning")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, content_type.as_str()), (200, "application/xml"));
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    let sections = lpconfig(&xml);
    assert_eq!(names(&sections), ["ui", "misc"]);
    assert_eq!(entry(&sections, "ui", "disable_chat_feature"), Some("1"));
    assert_eq!(
        entry(&sections, "ui", "disable_meetings_feature"),
        Some("0")
    );
    assert_eq!(entry(&sections, "ui", "max_account"), Some("2"));
    assert_eq!(entry(&sections, "ui", "super"), Some("1"));

    // Without the header: a localized 400, unless the space does not ask for it.
    let resp = app
        .get("localhost", "/provisioning")
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        body(resp).await["message"],
        "L'en-tête x-linphone-provisioning est manquant."
    );
    // The space's flag, shown and replaced through the spaces API (default true).
    let shown = app
        .admin_call(Method::GET, "/api/spaces/localhost".into(), None)
        .await
        .unwrap();
    assert_eq!(
        body(shown).await["provisioning_use_linphone_provisioning_header"],
        true
    );
    let replaced = app
        .admin_call(
            Method::PUT,
            "/api/spaces/localhost".into(),
            Some(json!({
                "name": "localhost", "host": "localhost", "super": true,
                "provisioning_use_linphone_provisioning_header": false,
            })),
        )
        .await
        .unwrap();
    assert_eq!(replaced.status(), 200);
    assert_eq!(
        body(replaced).await["provisioning_use_linphone_provisioning_header"],
        false
    );
    let resp = app.get("localhost", "/provisioning").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    app.stop().await;
}

async fn my_configuration_has_my_proxy_and_passwords_with_the_preferred_algorithm_last(
    store: Store,
) {
    let app = TestApp::spawn_on(store).await;
    let alice = app
        .account("alice", "localhost", "secret123", &[Sha256, Md5], false)
        .await;
    app.edit_account(&alice, |c| c.display_name = Some("Alice & Co".into()))
        .await;
    let key = app.admin_key_for("alice", "localhost").await;

    let resp = provisioning(&app, "localhost", "/provisioning/me")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    let (status, content_type, xml) = read(resp).await;
    assert_eq!((status, content_type.as_str()), (200, "application/xml"));
    let sections = lpconfig(&xml);
    assert_eq!(
        names(&sections),
        ["ui", "proxy_0", "auth_info_0", "auth_info_1", "misc"]
    );
    assert_eq!(
        entry(&sections, "proxy_0", "reg_identity"),
        Some("\"Alice & Co\" <sip:alice@localhost>")
    );
    assert_eq!(
        entry(&sections, "proxy_0", "reg_proxy"),
        Some("<sip:localhost;transport=tls>")
    );
    // The SDK keeps the last auth_info of a user: the space's default algorithm goes last.
    assert_eq!(entry(&sections, "auth_info_0", "algorithm"), Some("MD5"));
    assert_eq!(
        entry(&sections, "auth_info_1", "algorithm"),
        Some("SHA-256")
    );
    assert_eq!(
        entry(&sections, "auth_info_0", "ha1"),
        Some(hex_digest(Md5, "alice:localhost:secret123").as_str())
    );
    assert_eq!(
        entry(&sections, "auth_info_1", "ha1"),
        Some(hex_digest(Sha256, "alice:localhost:secret123").as_str())
    );
    for section in ["auth_info_0", "auth_info_1"] {
        assert_eq!(entry(&sections, section, "username"), Some("alice"));
        assert_eq!(entry(&sections, section, "domain"), Some("localhost"));
        assert_eq!(entry(&sections, section, "realm"), Some("localhost"));
    }
    // Nothing is marked as overwriting the device's own settings by default.
    assert!(
        sections
            .iter()
            .flat_map(|(_, e)| e)
            .all(|(_, _, o)| o.is_none())
    );

    // A space preferring MD5 puts MD5 last.
    app.edit_space("localhost", |s| {
        s.digest.default_password_algorithm = Md5;
    })
    .await;
    let resp = provisioning(&app, "localhost", "/provisioning/me")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    let sections = lpconfig(&read(resp).await.2);
    assert_eq!(entry(&sections, "auth_info_1", "algorithm"), Some("MD5"));

    // Authentication first, then the header.
    let resp = provisioning(&app, "localhost", "/provisioning/me")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = app
        .get("localhost", "/provisioning/me")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    app.stop().await;
}

async fn every_user_method_reaches_my_configuration(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.account("bob", "localhost", "secret123", &[Sha256], false)
        .await;

    // Digest, signed over the path outside /api.
    let resp = provisioning(&app, "localhost", "/provisioning/me")
        .header("from", "sip:bob@localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let challenge = challenges(resp.headers()).remove(0);
    let resp = provisioning(&app, "localhost", "/provisioning/me")
        .header("from", "sip:bob@localhost")
        .header(
            "authorization",
            digest_authorization(&challenge, "bob", "secret123", "GET", "/provisioning/me", 1),
        )
        .send()
        .await
        .unwrap();
    let (status, _, xml) = read(resp).await;
    assert_eq!(status, 200);
    assert_eq!(
        entry(&lpconfig(&xml), "proxy_0", "reg_identity"),
        Some("<sip:bob@localhost>")
    );

    // A JWT of the space's issuer.
    let mut rng = rand_core06::OsRng;
    let private = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
    let public = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    app.edit_space("localhost", |s| {
        s.jwt = Some(JwtConfig {
            public_key: public,
            sip_identifier: None,
            algorithms: vec![JwtAlgorithm::RS256],
            issuer: None,
            audience: None,
            leeway_seconds: 5,
            jwt_only: false,
            server_url: None,
            realm: None,
            client_id: None,
        });
    })
    .await;
    let jwt = encode(
        &Header::new(Algorithm::RS256),
        &json!({"sip_identity": "sip:bob@localhost", "exp": Utc::now().timestamp() + 600}),
        &EncodingKey::from_rsa_pem(private.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes())
            .unwrap(),
    )
    .unwrap();
    let resp = provisioning(&app, "localhost", "/provisioning/me")
        .header("authorization", format!("Bearer {jwt}"))
        .send()
        .await
        .unwrap();
    let (status, _, xml) = read(resp).await;
    assert_eq!(status, 200);
    assert!(entry(&lpconfig(&xml), "auth_info_0", "ha1").is_some());
    app.stop().await;
}

async fn custom_entries_are_merged_over_the_generated_ones(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (_, token) = account_with_token(&app, "carol").await;
    app.edit_space("localhost", |s| {
        s.settings.account_proxy_registrar_address = Some("<sip:proxy.localhost;transport=tcp>".into());
        s.settings.custom_provisioning_entries = Some(
            "; from the operator\n[proxy_0]\nreg_proxy = <sip:edge.localhost;transport=tls>\nreg_route = <sip:edge.localhost;lr>\n[sip]\nverify_server_certs = true\n"
                .into(),
        );
    })
    .await;

    let resp = provisioning(&app, "localhost", &format!("/provisioning/{token}"))
        .send()
        .await
        .unwrap();
    let (status, _, xml) = read(resp).await;
    assert_eq!(status, 200, "{xml}");
    let sections = lpconfig(&xml);
    assert_eq!(
        names(&sections),
        ["ui", "proxy_0", "auth_info_0", "auth_info_1", "sip", "misc"]
    );
    assert_eq!(
        entry(&sections, "proxy_0", "reg_proxy"),
        Some("<sip:edge.localhost;transport=tls>"),
        "the custom entry wins over the space's registrar address"
    );
    assert_eq!(
        sections[1]
            .1
            .iter()
            .filter(|(n, _, _)| n == "reg_proxy")
            .count(),
        1
    );
    assert_eq!(
        entry(&sections, "proxy_0", "reg_route"),
        Some("<sip:edge.localhost;lr>")
    );
    assert_eq!(
        entry(&sections, "proxy_0", "reg_identity"),
        Some("<sip:carol@localhost>")
    );
    assert_eq!(entry(&sections, "sip", "verify_server_certs"), Some("1"));
    assert!(
        sections
            .iter()
            .flat_map(|(_, e)| e)
            .all(|(_, _, o)| o.is_none())
    );

    // Overwrite everything: every entry says so.
    app.edit_space("localhost", |s| {
        s.settings.custom_provisioning_overwrite_all = true
    })
    .await;
    let resp = provisioning(&app, "localhost", "/provisioning")
        .send()
        .await
        .unwrap();
    let sections = lpconfig(&read(resp).await.2);
    assert_eq!(names(&sections), ["ui", "proxy_0", "sip", "misc"]);
    assert!(
        sections
            .iter()
            .flat_map(|(_, e)| e)
            .all(|(_, _, o)| o.as_deref() == Some("true"))
    );
    app.stop().await;
}

async fn a_token_works_once_and_activates_its_account(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (account, token) = account_with_token(&app, "dave").await;
    let path = format!("/provisioning/{token}");

    // Without the header the token is not spent.
    let resp = app.get("localhost", &path).send().await.unwrap();
    assert_eq!(resp.status(), 400);

    let (status, content_type, xml) =
        read(provisioning(&app, "localhost", &path).send().await.unwrap()).await;
    assert_eq!((status, content_type.as_str()), (200, "application/xml"));
    let sections = lpconfig(&xml);
    assert_eq!(
        entry(&sections, "auth_info_1", "ha1"),
        Some(hex_digest(Sha256, "dave:localhost:secret123").as_str())
    );

    let shown = app
        .admin_call(Method::GET, format!("/api/accounts/{}", account.id.0), None)
        .await
        .unwrap();
    let shown = body(shown).await;
    assert_eq!(shown["activated"], true);
    assert_eq!(shown["provisioning_token"], serde_json::Value::Null);

    let resp = provisioning(&app, "localhost", &path).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        body(resp).await["message"],
        "Ce lien de provisionnement est inconnu ou a déjà servi."
    );
    let resp = provisioning(&app, "localhost", "/provisioning/nosuchtoken12")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    app.stop().await;
}

async fn concurrent_uses_of_a_token_let_exactly_one_through(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let (_, token) = account_with_token(&app, "erin").await;
    let path = format!("/provisioning/{token}");
    // Every request in flight at once.
    let tasks: Vec<_> = (0..8)
        .map(|_| tokio::spawn(provisioning(&app, "localhost", &path).send()))
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap().unwrap().status().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 404).count(),
        7,
        "{statuses:?}"
    );
    app.stop().await;
}

async fn an_expired_token_answers_410(store: Store) {
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = TestApp::spawn_full(
        store,
        |c| c.provisioning_token_expiration_minutes = 60,
        clock.clone(),
    )
    .await;
    let (account, token) = account_with_token(&app, "frank").await;
    let shown = app
        .admin_call(Method::GET, format!("/api/accounts/{}", account.id.0), None)
        .await
        .unwrap();
    let shown = body(shown).await;
    let expire_at = shown["provisioning_token_expire_at"]
        .as_str()
        .unwrap()
        .to_owned();
    let expected = clock_now(&clock) + Duration::minutes(60);
    assert_eq!(
        expire_at,
        expected.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
    );

    clock.advance(Duration::minutes(61));
    for path in [
        format!("/provisioning/{token}"),
        format!("/provisioning/qrcode/{token}"),
    ] {
        let resp = provisioning(&app, "localhost", &path).send().await.unwrap();
        assert_eq!(resp.status(), 410, "{path}");
        assert_eq!(
            body(resp).await["message"],
            "Ce lien de provisionnement a expiré."
        );
    }
    // A fresh token works, and activates the account.
    let fresh = app
        .services
        .new_provisioning_token(&account, None, None)
        .await
        .unwrap()
        .token;
    let resp = provisioning(&app, "localhost", &format!("/provisioning/{fresh}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    app.stop().await;
}

fn clock_now(clock: &FixedClock) -> chrono::DateTime<Utc> {
    use flexiapi_domain::ports::Clock;
    clock.now()
}

async fn the_qr_code_shows_the_provisioning_url_without_spending_the_token(store: Store) {
    // The tests' client is the TLS proxy.
    let app = TestApp::spawn_with(store, |c| {
        c.trusted_proxies = flexiapi::config::TrustedProxies::parse(&["127.0.0.1"]).unwrap();
    })
    .await;
    let (_, token) = account_with_token(&app, "grace").await;

    let resp = app
        .get("localhost", &format!("/provisioning/qrcode/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    let url = format!("http://localhost/provisioning/{token}");
    assert_eq!(resp.headers()["x-qrcode-url"], url.as_str());
    let png = resp.bytes().await.unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");

    let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
        .unwrap()
        .to_luma8();
    assert!(image.width() >= 300 && image.width() == image.height());
    let (width, height) = (image.width() as usize, image.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        image.get_pixel(x as u32, y as u32).0[0]
    });
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, url);

    // Behind a TLS proxy the link is https.
    let resp = app
        .get("localhost", &format!("/provisioning/qrcode/{token}"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["x-qrcode-url"],
        format!("https://localhost/provisioning/{token}").as_str()
    );

    // The token still works once; then its QR code is gone too.
    let resp = provisioning(&app, "localhost", &format!("/provisioning/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for path in [
        format!("/provisioning/qrcode/{token}"),
        "/provisioning/qrcode/nosuchtoken12".to_owned(),
    ] {
        let resp = app.get("localhost", &path).send().await.unwrap();
        assert_eq!(resp.status(), 404, "{path}");
        assert_eq!(resp.headers()["content-type"], "application/json");
    }
    app.stop().await;
}

async fn a_token_of_another_space_is_not_found_on_this_host(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.space("other.example.org", false).await;
    let (_, token) = account_with_token(&app, "heidi").await;
    for path in [
        format!("/provisioning/{token}"),
        format!("/provisioning/qrcode/{token}"),
    ] {
        let resp = provisioning(&app, "other.example.org", &path)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404, "{path}");
    }
    // Still unspent on its own host.
    let resp = provisioning(&app, "localhost", &format!("/provisioning/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    app.stop().await;
}

/// The Linphone SDK sends `Content-Type: application/json` on every call, GETs included, with
/// an empty body: that is an ordinary request.
async fn a_get_with_a_json_content_type_and_no_body_is_an_ordinary_request(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let key = app.admin_key.clone();
    for (path, with_key) in [
        ("/api/ping", false),
        ("/api/accounts/me", true),
        ("/api/accounts/me/devices", true),
        ("/api/accounts", true),
        ("/provisioning", false),
        ("/provisioning/me", true),
    ] {
        for length in [false, true] {
            let mut req = app
                .get("localhost", path)
                .header("content-type", "application/json")
                .header(HEADER, "1");
            if length {
                req = req.header("content-length", "0");
            }
            if with_key {
                req = req.header("x-api-key", &key);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), 200, "{path} (content-length: {length})");
        }
    }
    app.stop().await;
}

/// The `auth_info_N` sections' `(algorithm, ha1)`.
fn auth_infos(sections: &[(String, Vec<Entry>)]) -> Vec<(String, String)> {
    sections
        .iter()
        .filter(|(name, _)| name.starts_with("auth_info_"))
        .map(|(name, _)| {
            (
                entry(sections, name, "algorithm").unwrap().to_owned(),
                entry(sections, name, "ha1").unwrap().to_owned(),
            )
        })
        .collect()
}

async fn stored_hashes(app: &TestApp, account: &Account) -> Vec<(String, String)> {
    app.services
        .storage_for_tests()
        .account_by_id(account.id)
        .await
        .unwrap()
        .unwrap()
        .passwords
        .into_iter()
        .map(|p| (p.algorithm.as_str().to_owned(), p.hash))
        .collect()
}

async fn reset_password_replaces_the_stored_passwords_by_one_new_ha1(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let alice = app
        .account("alice", "localhost", "secret123", &[Sha256, Md5], false)
        .await;
    let old = stored_hashes(&app, &alice).await;
    let key = app.admin_key_for("alice", "localhost").await;

    // `0` or `false` leaves the passwords alone.
    let resp = provisioning(&app, "localhost", "/provisioning/me?reset_password=0")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    let (status, _, xml) = read(resp).await;
    assert_eq!(status, 200);
    assert_eq!(auth_infos(&lpconfig(&xml)).len(), 2);
    assert_eq!(stored_hashes(&app, &alice).await, old);

    // Present without a value, as the original reads it: one new password, in the space's
    // default algorithm, whose HA1 alone is served and stored.
    let resp = provisioning(&app, "localhost", "/provisioning/me?reset_password")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    let (status, _, xml) = read(resp).await;
    assert_eq!(status, 200);
    let served = auth_infos(&lpconfig(&xml));
    assert_eq!(served.len(), 1, "{xml}");
    assert_eq!(served[0].0, "SHA-256");
    assert_eq!(served[0].1.len(), 64);
    assert!(!old.contains(&served[0]));
    assert_eq!(stored_hashes(&app, &alice).await, served);

    // By provisioning token: the token's account gets it.
    let (bob, token) = account_with_token(&app, "bob").await;
    let old = stored_hashes(&app, &bob).await;
    let resp = provisioning(
        &app,
        "localhost",
        &format!("/provisioning/{token}?reset_password=1"),
    )
    .send()
    .await
    .unwrap();
    let (status, _, xml) = read(resp).await;
    assert_eq!(status, 200);
    let served = auth_infos(&lpconfig(&xml));
    assert_eq!(served.len(), 1);
    assert!(!old.contains(&served[0]));
    assert_eq!(stored_hashes(&app, &bob).await, served);
    app.stop().await;
}

/// `POST /api/accounts/auth_token` as a device would, answering the token.
async fn new_auth_token(app: &TestApp) -> String {
    let created = app
        .request(Method::POST, "localhost", "/api/accounts/auth_token")
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    body(created).await["token"].as_str().unwrap().to_owned()
}

async fn an_attached_auth_token_provisions_its_account_once(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let alice = app
        .account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    let key = app.admin_key_for("alice", "localhost").await;
    let token = new_auth_token(&app).await;
    let path = format!("/provisioning/auth_token/{token}");

    // Not attached yet: 404, and the token stays usable.
    let resp = provisioning(&app, "localhost", &path).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    let attach = app
        .get(
            "localhost",
            &format!("/api/accounts/auth_token/{token}/attach"),
        )
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(attach.status(), 200);

    // Without the header: 400, nothing spent.
    let resp = app.get("localhost", &path).send().await.unwrap();
    assert_eq!(resp.status(), 400);

    let resp = provisioning(&app, "localhost", &path).send().await.unwrap();
    let (status, content_type, xml) = read(resp).await;
    assert_eq!((status, content_type.as_str()), (200, "application/xml"));
    let sections = lpconfig(&xml);
    assert_eq!(
        entry(&sections, "proxy_0", "reg_identity"),
        Some("<sip:alice@localhost>")
    );
    assert_eq!(auth_infos(&sections), stored_hashes(&app, &alice).await);

    // Single use.
    let resp = provisioning(&app, "localhost", &path).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    let resp = provisioning(&app, "localhost", "/provisioning/auth_token/unknown")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    // With `reset_password`, as the other provisioning routes.
    let old = stored_hashes(&app, &alice).await;
    let token = new_auth_token(&app).await;
    let attach = app
        .get(
            "localhost",
            &format!("/api/accounts/auth_token/{token}/attach"),
        )
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(attach.status(), 200);
    let resp = provisioning(
        &app,
        "localhost",
        &format!("/provisioning/auth_token/{token}?reset_password=1"),
    )
    .send()
    .await
    .unwrap();
    let (status, _, xml) = read(resp).await;
    assert_eq!(status, 200);
    let served = auth_infos(&lpconfig(&xml));
    assert_ne!(served, old);
    assert_eq!(stored_hashes(&app, &alice).await, served);
    app.stop().await;
}

async fn a_client_certificate_passed_by_a_trusted_proxy_logs_in_on_provisioning_me(store: Store) {
    const CERT: &str = "x-ssl-client-s-dn";
    let app = TestApp::spawn_with(store, |c| {
        c.trusted_proxies = flexiapi::config::TrustedProxies::parse(&["127.0.0.1"]).unwrap();
        c.client_certificate_header = Some(CERT.into());
    })
    .await;
    app.account("alice", "localhost", "secret123", &[Sha256], false)
        .await;
    app.space("other.org", false).await;
    app.account("carol", "other.org", "secret123", &[Sha256], false)
        .await;
    let with_subject = |subject: &str| {
        provisioning(&app, "localhost", "/provisioning/me").header(CERT, subject.to_owned())
    };

    // The space does not allow it (the default): refused, even a valid subject.
    let resp = with_subject("CN=sip:alice@localhost").send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        body(resp).await["message"],
        "Méthode d'authentification non valide"
    );

    app.edit_space("localhost", |s| {
        s.settings.client_certificate_authentication = true;
    })
    .await;
    for subject in ["CN=sip:alice@localhost", "CN=alice@localhost,O=Example"] {
        let resp = with_subject(subject).send().await.unwrap();
        let (status, _, xml) = read(resp).await;
        assert_eq!(status, 200, "{subject}: {xml}");
        assert_eq!(
            entry(&lpconfig(&xml), "proxy_0", "reg_identity"),
            Some("<sip:alice@localhost>")
        );
    }
    for (subject, message) in [
        (
            "O=Example, CN=alice@localhost",
            "Le certificat client ne contient pas de CN valide.",
        ),
        (
            "CN=not an address",
            "Le CN du certificat n'est pas une adresse SIP valide.",
        ),
        (
            "CN=sip:nobody@localhost",
            "Le certificat n'est lié à aucun compte du système.",
        ),
        // An account of another space is not one of this space's.
        (
            "CN=sip:carol@other.org",
            "Le certificat n'est lié à aucun compte du système.",
        ),
    ] {
        let resp = with_subject(subject).send().await.unwrap();
        assert_eq!(resp.status(), 403, "{subject}");
        assert_eq!(body(resp).await["message"], message, "{subject}");
    }

    // From a peer that is not a trusted proxy the header means nothing: no credentials, 401.
    let other = crate::helpers::client_from(Some("127.0.0.2".parse().unwrap()));
    let resp = other
        .get(format!("http://127.0.0.1:{}/provisioning/me", app.port))
        .header("host", "localhost")
        .header(HEADER, "1")
        .header(CERT, "CN=sip:alice@localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // And on the API, where only `/provisioning/me` takes certificates.
    let resp = app
        .get("localhost", "/api/accounts/me")
        .header(CERT, "CN=sip:alice@localhost")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    reset_password_replaces_the_stored_passwords_by_one_new_ha1,
    an_attached_auth_token_provisions_its_account_once,
    a_client_certificate_passed_by_a_trusted_proxy_logs_in_on_provisioning_me,
    the_space_configuration_is_linphone_xml_behind_the_header,
    my_configuration_has_my_proxy_and_passwords_with_the_preferred_algorithm_last,
    every_user_method_reaches_my_configuration,
    custom_entries_are_merged_over_the_generated_ones,
    a_token_works_once_and_activates_its_account,
    concurrent_uses_of_a_token_let_exactly_one_through,
    an_expired_token_answers_410,
    the_qr_code_shows_the_provisioning_url_without_spending_the_token,
    a_token_of_another_space_is_not_found_on_this_host,
    a_get_with_a_json_content_type_and_no_body_is_an_ordinary_request,
);
