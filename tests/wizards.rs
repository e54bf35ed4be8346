//! `POST /api/wizard` and the `/wizard/{token}` page: the original's `WizardTest`, then what it
//! leaves out (validation, spaces, one use, the page in a browser).

use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Store, TestApp, json as body_of};
use crate::support_chromium::Chromium;

async fn create(app: &TestApp, host: &str, key: &str, body: Value, lang: &str) -> (u16, Value) {
    let resp = app
        .request(Method::POST, host, "/api/wizard")
        .header("x-api-key", key)
        .header("accept-language", lang)
        .json(&body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), body_of(resp).await)
}

/// The `href` of the page's "open the app" link, HTML entities undone.
async fn app_link(app: &TestApp, host: &str, path: &str) -> String {
    let resp = app.get(host, path).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    let html = resp.text().await.unwrap();
    let at = html.find("id=\"open_app\"").expect("the open-app link");
    let href = &html[at..];
    let start = href.find("href=\"").unwrap() + 6;
    let end = start + href[start..].find('"').unwrap();
    href[start..end]
        .replace("&amp;", "&")
        .replace("&#x2f;", "/")
        .replace("&#x3d;", "=")
}

fn query_value<'a>(link: &'a str, name: &str) -> Option<&'a str> {
    let query = link.split_once('?')?.1;
    query
        .split('&')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
}

async fn wizards_open_the_app_as_the_originals(store: Store) {
    let app = TestApp::spawn_on(store).await;
    let bob = app
        .account("bob", "localhost", "bob-secret", &[Sha256], false)
        .await;
    let sip = "sip:admin@sip.linphone.org";

    // A call, with bob's configuration: the link names the action, then the provisioning URL.
    let (status, made) = create(
        &app,
        "localhost",
        &app.admin_key,
        json!({"provisioning_account_id": bob.id.0, "sip": sip, "linphone_action": "call",
               "linphone_use_sips": false}),
        "en",
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let token = made["token"].as_str().unwrap();
    assert_eq!(token.len(), 8);
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(made["provisioning_account_id"], bob.id.0);
    assert_eq!(made["sip"], sip);
    assert_eq!(made["linphone_action"], "call");
    assert_eq!(made["linphone_use_sips"], false);
    assert_eq!(
        made["url"],
        // The space's host and the configured public port (none here).
        format!("http://localhost/wizard/{token}")
    );
    let link = app_link(&app, "localhost", &format!("/wizard/{token}")).await;
    assert!(
        link.starts_with(
            "sip-linphone:admin@sip.linphone.org?linphone-action=call&linphone-fetch-config="
        ),
        "{link}"
    );
    assert!(!link.contains("linphone-use-sips"), "{link}");
    // The provisioning URL works, once, and configures bob.
    // Only `:` and `/` are escaped in it: the host is a name and the token alphanumeric.
    let fetch = query_value(&link, "linphone-fetch-config")
        .unwrap()
        .replace("%3A", ":")
        .replace("%2F", "/");
    let path = fetch
        .strip_prefix("http://localhost")
        .expect("a URL of the space's host");
    assert!(path.starts_with("/provisioning/"), "{path}");
    let xml = app
        .get("localhost", path)
        .header("x-linphone-provisioning", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(xml.status(), 200);
    assert!(xml.text().await.unwrap().contains("sip:bob@localhost"));

    // Spent: the link opens the app on nothing.
    assert_eq!(
        app_link(&app, "localhost", &format!("/wizard/{token}")).await,
        "sip-linphone:?linphone-action=show"
    );

    // SIPS and another action.
    let (_, made) = create(
        &app,
        "localhost",
        &app.admin_key,
        json!({"provisioning_account_id": bob.id.0, "sip": sip, "linphone_action": "bye",
               "linphone_use_sips": true}),
        "en",
    )
    .await;
    let link = app_link(
        &app,
        "localhost",
        &format!("/wizard/{}", made["token"].as_str().unwrap()),
    )
    .await;
    assert!(
        link.starts_with(
            "sip-linphone:admin@sip.linphone.org?linphone-action=bye&linphone-fetch-config="
        ),
        "{link}"
    );
    assert!(link.ends_with("&linphone-use-sips=true"), "{link}");

    // Nothing but an address: the app is asked to show it.
    let (status, made) = create(
        &app,
        "localhost",
        &app.admin_key,
        json!({"provisioning_account_id": null, "sip": sip, "linphone_action": null,
               "linphone_use_sips": false}),
        "en",
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(made["provisioning_account_id"], Value::Null);
    assert_eq!(
        app_link(
            &app,
            "localhost",
            &format!("/wizard/{}", made["token"].as_str().unwrap())
        )
        .await,
        "sip-linphone:admin@sip.linphone.org?linphone-action=show"
    );

    // Without a token, from the query; values that are not valid are left out.
    assert_eq!(
        app_link(
            &app,
            "localhost",
            "/wizard?sip=sip%3Aadmin%40sip.linphone.org&linphone-action=decline"
        )
        .await,
        "sip-linphone:admin@sip.linphone.org?linphone-action=decline"
    );
    assert_eq!(
        app_link(
            &app,
            "localhost",
            "/wizard?sip=sip:admin@sip.linphone.org&linphone-use-sips=whatever"
        )
        .await,
        "sip-linphone:admin@sip.linphone.org?linphone-action=show&linphone-use-sips=true"
    );
    assert_eq!(
        app_link(
            &app,
            "localhost",
            "/wizard?sip=nobody&linphone-action=explode"
        )
        .await,
        "sip-linphone:?linphone-action=show"
    );
    app.stop().await;
}

async fn bad_wizards_get_field_errors_in_the_callers_language(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.space("other.example.org", false).await;
    let stranger = app
        .account(
            "carol",
            "other.example.org",
            "carol-secret",
            &[Sha256],
            false,
        )
        .await;
    let key = &app.admin_key;
    let cases: &[(Value, &str, &str)] = &[
        (
            json!({"linphone_action": "call"}),
            "sip",
            "The sip field is required.",
        ),
        (
            json!({"sip": "bob"}),
            "sip",
            "The sip must be a valid SIP URI.",
        ),
        (
            json!({"linphone_action": "explode"}),
            "linphone_action",
            "The selected linphone_action is invalid (expected one of: call, show, bye, accept, decline).",
        ),
        (
            json!({"provisioning_account_id": stranger.id.0}),
            "provisioning_account_id",
            "The selected provisioning_account_id is invalid.",
        ),
        (
            json!({"provisioning_account_id": 99_999_999}),
            "provisioning_account_id",
            "The selected provisioning_account_id is invalid.",
        ),
        (
            json!({"linphone_use_sips": "yes"}),
            "linphone_use_sips",
            "The linphone_use_sips field must be true or false.",
        ),
        (
            json!({"provisioning_account_id": "x"}),
            "provisioning_account_id",
            "The provisioning_account_id must be an integer.",
        ),
    ];
    for (body, field, message) in cases {
        let (status, answer) = create(&app, "localhost", key, body.clone(), "en").await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert_eq!(answer["errors"][field][0], *message, "{body}: {answer}");
        assert_eq!(answer["errors"].as_object().unwrap().len(), 1, "{answer}");
    }
    let (status, answer) = create(
        &app,
        "localhost",
        key,
        json!({"provisioning_account_id": stranger.id.0}),
        "fr",
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        answer["errors"]["provisioning_account_id"][0],
        "Le champ provisioning_account_id sélectionné est invalide."
    );
    app.stop().await;
}

async fn a_wizard_opens_only_on_its_spaces_host(store: Store) {
    let app = TestApp::spawn_on(store).await;
    app.space("other.example.org", false).await;
    let (_, made) = create(
        &app,
        "localhost",
        &app.admin_key,
        json!({"sip": "sip:bob@localhost", "linphone_action": "call"}),
        "en",
    )
    .await;
    let token = made["token"].as_str().unwrap();
    // Another space's host neither opens nor spends it.
    assert_eq!(
        app_link(&app, "other.example.org", &format!("/wizard/{token}")).await,
        "sip-linphone:?linphone-action=show"
    );
    assert_eq!(
        app_link(&app, "localhost", &format!("/wizard/{token}")).await,
        "sip-linphone:bob@localhost?linphone-action=call"
    );
    // A space without web pages has no wizard page.
    app.edit_space("other.example.org", |s| s.settings.web_panel = false)
        .await;
    let resp = app
        .get("other.example.org", &format!("/wizard/{token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    app.stop().await;
}

crate::on_every_store!(
    wizards_open_the_app_as_the_originals,
    bad_wizards_get_field_errors_in_the_callers_language,
    a_wizard_opens_only_on_its_spaces_host,
);

async fn the_wizard_page_in_a_browser(lang: &str, title: &str, button: &str) {
    let Some(mut b) = Chromium::launch(lang).await else {
        return;
    };
    let app = TestApp::spawn().await;
    let (_, made) = create(
        &app,
        "localhost",
        &app.admin_key,
        json!({"sip": "sip:bob@localhost", "linphone_action": "call"}),
        lang,
    )
    .await;
    b.open(&app.url(&format!("/wizard/{}", made["token"].as_str().unwrap())))
        .await;
    b.screenshot(&format!("wizard-{lang}")).await;
    let text = b.text().await;
    assert!(text.contains(title), "{text}");
    assert!(text.contains(button), "{text}");
    let href = b
        .eval("document.getElementById('open_app').getAttribute('href')")
        .await;
    assert_eq!(href, "sip-linphone:bob@localhost?linphone-action=call");
    // Chromium on Linux: the download link is the GNU/Linux one.
    let download = b
        .eval("document.querySelector('.links a').getAttribute('href')")
        .await;
    assert_eq!(
        download,
        "https://download.linphone.org/releases/linux/latest_app"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_wizard_page_in_english() {
    the_wizard_page_in_a_browser("en", "Start a Linphone call", "Open the app").await;
}

#[tokio::test]
async fn the_wizard_page_in_french() {
    the_wizard_page_in_a_browser("fr", "Lancer un appel Linphone", "Ouvrir l'application").await;
}
