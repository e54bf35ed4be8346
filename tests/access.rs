//! The access matrix: every restricted endpoint with each kind of caller.

use chrono::Duration;
use flexiapi_domain::model::PasswordAlgorithm::Sha256;
use reqwest::Method;

use crate::helpers::{Store, TestApp};

/// (method, path, level) of each restricted endpoint. New endpoints join here. `{account}` is an
/// account of `a.example.org`. Destructive rows come last: each caller deletes only itself.
const ENDPOINTS: &[(&str, &str, &str)] = &[
    ("GET", "/api/accounts/me", "user"),
    ("GET", "/api/accounts/me/api_key", "user"),
    ("GET", "/api/accounts/me/services/turn", "user"),
    ("POST", "/api/accounts/me/password", "user"),
    ("GET", "/api/accounts/auth_token/none/attach", "user"),
    ("GET", "/api/accounts", "admin"),
    ("POST", "/api/accounts", "admin"),
    ("GET", "/api/accounts/{account}", "admin"),
    ("GET", "/api/accounts/{account}/provision", "admin"),
    (
        "POST",
        "/api/accounts/{account}/send_reset_password_email",
        "admin",
    ),
    ("GET", "/api/accounts/{account}/dictionary", "admin"),
    ("GET", "/api/accounts/{account}/actions", "admin"),
    ("POST", "/api/accounts/{account}/actions", "admin"),
    ("GET", "/api/accounts/{account}/actions/0", "admin"),
    ("PUT", "/api/accounts/{account}/actions/0", "admin"),
    ("PATCH", "/api/accounts/{account}/actions/0", "admin"),
    ("DELETE", "/api/accounts/{account}/actions/0", "admin"),
    ("GET", "/api/account_types", "admin"),
    ("POST", "/api/account_types", "admin"),
    ("GET", "/api/account_types/0", "admin"),
    ("PUT", "/api/account_types/0", "admin"),
    ("PATCH", "/api/account_types/0", "admin"),
    ("POST", "/api/accounts/{account}/types/0", "admin"),
    ("DELETE", "/api/accounts/{account}/types/0", "admin"),
    ("DELETE", "/api/account_types/0", "admin"),
    ("GET", "/api/accounts/{account}/dictionary/k", "admin"),
    ("POST", "/api/accounts/{account}/dictionary/k", "admin"),
    ("DELETE", "/api/accounts/{account}/dictionary/k", "admin"),
    ("GET", "/api/accounts/{account}/external", "admin"),
    ("POST", "/api/accounts/{account}/external", "admin"),
    ("DELETE", "/api/accounts/{account}/external", "admin"),
    ("GET", "/api/accounts/me/contacts", "user"),
    (
        "GET",
        "/api/accounts/me/contacts/nobody@a.example.org",
        "user",
    ),
    ("GET", "/api/accounts/{account}/contacts", "admin"),
    ("GET", "/api/accounts/{account}/contacts/0", "admin"),
    (
        "POST",
        "/api/accounts/{account}/contacts/{account}",
        "admin",
    ),
    ("DELETE", "/api/accounts/{account}/contacts/0", "admin"),
    ("GET", "/api/contacts_lists", "admin"),
    ("POST", "/api/contacts_lists", "admin"),
    ("GET", "/api/contacts_lists/0", "admin"),
    ("PUT", "/api/contacts_lists/0", "admin"),
    ("PATCH", "/api/contacts_lists/0", "admin"),
    ("DELETE", "/api/contacts_lists/0", "admin"),
    ("POST", "/api/contacts_lists/0/contacts/{account}", "admin"),
    (
        "DELETE",
        "/api/contacts_lists/0/contacts/{account}",
        "admin",
    ),
    ("POST", "/api/accounts/{account}/contacts_lists/0", "admin"),
    (
        "DELETE",
        "/api/accounts/{account}/contacts_lists/0",
        "admin",
    ),
    ("GET", "/api/accounts/me/call_forwardings", "user"),
    ("POST", "/api/accounts/me/call_forwardings", "user"),
    ("GET", "/api/accounts/me/call_forwardings/0", "user"),
    ("PUT", "/api/accounts/me/call_forwardings/0", "user"),
    ("PATCH", "/api/accounts/me/call_forwardings/0", "user"),
    ("DELETE", "/api/accounts/me/call_forwardings/0", "user"),
    ("GET", "/api/accounts/{account}/call_forwardings", "admin"),
    ("POST", "/api/accounts/{account}/call_forwardings", "admin"),
    ("GET", "/api/accounts/{account}/call_forwardings/0", "admin"),
    ("PUT", "/api/accounts/{account}/call_forwardings/0", "admin"),
    (
        "PATCH",
        "/api/accounts/{account}/call_forwardings/0",
        "admin",
    ),
    (
        "DELETE",
        "/api/accounts/{account}/call_forwardings/0",
        "admin",
    ),
    ("GET", "/api/accounts/me/voicemails", "user"),
    ("POST", "/api/accounts/me/voicemails", "user"),
    ("GET", "/api/accounts/me/voicemails/0", "user"),
    ("DELETE", "/api/accounts/me/voicemails/0", "user"),
    ("POST", "/api/accounts/{account}/voicemails", "admin"),
    ("DELETE", "/api/accounts/{account}/voicemails/0", "admin"),
    ("POST", "/api/files/0", "admin"),
    ("GET", "/f/0/0.opus", "user"),
    ("GET", "/api/accounts/me/statistics/calls", "user"),
    ("GET", "/api/accounts/{account}/statistics/calls", "admin"),
    ("POST", "/api/statistics/messages", "admin"),
    (
        "PATCH",
        "/api/statistics/messages/m0/to/nobody@a.example.org/devices/d0",
        "admin",
    ),
    ("POST", "/api/statistics/calls", "admin"),
    ("PATCH", "/api/statistics/calls/c0", "admin"),
    ("PATCH", "/api/statistics/calls/c0/devices/d0", "admin"),
    ("POST", "/api/wizard", "admin"),
    ("POST", "/api/messages", "admin"),
    ("GET", "/api/accounts/me/provision", "user"),
    ("GET", "/api/accounts/me/devices", "user"),
    ("GET", "/provisioning/me", "user"),
    ("DELETE", "/api/accounts/me/devices/urn:uuid:none", "user"),
    ("GET", "/api/accounts/{account}/devices", "admin"),
    (
        "DELETE",
        "/api/accounts/{account}/devices/urn:uuid:none",
        "admin",
    ),
    ("PUT", "/api/accounts/{account}", "admin"),
    ("GET", "/api/accounts/user@a.example.org/search", "admin"),
    (
        "GET",
        "/api/accounts/user@example.org/search-by-email",
        "admin",
    ),
    ("GET", "/api/resolve/user@a.example.org", "admin"),
    ("POST", "/api/accounts/{account}/activate", "admin"),
    ("POST", "/api/accounts/{account}/deactivate", "admin"),
    ("POST", "/api/accounts/{account}/unblock", "admin"),
    ("GET", "/api/accounts/{account}/api_keys", "admin"),
    ("POST", "/api/accounts/{account}/api_keys", "admin"),
    ("DELETE", "/api/accounts/{account}/api_keys/0", "admin"),
    ("GET", "/api/spaces", "super"),
    ("POST", "/api/phone_countries/FR/deactivate", "super"),
    ("GET", "/api/spaces/a.example.org", "super"),
    ("GET", "/api/spaces/a.example.org/email", "super"),
    ("POST", "/api/spaces/a.example.org/email", "super"),
    ("DELETE", "/api/spaces/a.example.org/email", "super"),
    ("POST", "/api/account_creation_tokens", "admin"),
    ("GET", "/api/audit_events", "super"),
    ("POST", "/api/account_creation_tokens/consume", "user"),
    ("POST", "/api/push_notification", "user"),
    ("POST", "/api/accounts/me/email/request", "user"),
    ("POST", "/api/accounts/me/email", "user"),
    ("POST", "/api/accounts/me/phone/request", "user"),
    ("POST", "/api/accounts/me/phone", "user"),
    ("POST", "/api/accounts/0/send_provisioning_email", "admin"),
    ("GET", "/api/accounts/me/vcards-storage", "user"),
    ("POST", "/api/accounts/me/vcards-storage", "user"),
    ("GET", "/api/accounts/me/vcards-storage/none", "user"),
    ("PUT", "/api/accounts/me/vcards-storage/none", "user"),
    ("PATCH", "/api/accounts/me/vcards-storage/none", "user"),
    ("DELETE", "/api/accounts/me/vcards-storage/none", "user"),
    ("GET", "/api/accounts/{account}/vcards-storage", "admin"),
    ("POST", "/api/accounts/{account}/vcards-storage", "admin"),
    (
        "GET",
        "/api/accounts/{account}/vcards-storage/none",
        "admin",
    ),
    (
        "PUT",
        "/api/accounts/{account}/vcards-storage/none",
        "admin",
    ),
    (
        "PATCH",
        "/api/accounts/{account}/vcards-storage/none",
        "admin",
    ),
    (
        "DELETE",
        "/api/accounts/{account}/vcards-storage/none",
        "admin",
    ),
    ("GET", "/vcards-storage", "user"),
    ("GET", "/vcards-storage/none", "user"),
    ("GET", "/contacts/vcard", "user"),
    ("GET", "/contacts/vcard/nobody@a.example.org", "user"),
    ("GET", "/api/spaces/a.example.org/carddavs", "super"),
    ("POST", "/api/spaces/a.example.org/carddavs", "super"),
    ("GET", "/api/spaces/a.example.org/carddavs/0", "super"),
    ("PUT", "/api/spaces/a.example.org/carddavs/0", "super"),
    ("PATCH", "/api/spaces/a.example.org/carddavs/0", "super"),
    ("DELETE", "/api/spaces/a.example.org/carddavs/0", "super"),
    ("GET", "/api/accounts/{account}/carddavs", "admin"),
    ("GET", "/api/accounts/{account}/carddavs/0", "admin"),
    ("PUT", "/api/accounts/{account}/carddavs/0", "admin"),
    ("PATCH", "/api/accounts/{account}/carddavs/0", "admin"),
    ("DELETE", "/api/accounts/{account}/carddavs/0", "admin"),
    ("DELETE", "/api/accounts/me", "user"),
];

async fn every_restricted_endpoint_answers_each_kind_of_caller_as_the_access_model_says(
    store: Store,
) {
    let app = TestApp::spawn_on(store).await;
    // `a.example.org` is an ordinary space with a user, a blocked user and an admin; `b.example.org`
    // has its own admin; `old.example.org` has expired. The bootstrap admin is a super admin.
    app.space("a.example.org", false).await;
    app.space("b.example.org", false).await;
    app.space("old.example.org", false).await;
    // Per-account CardDAV credentials exist only where the space allows them.
    app.edit_space("a.example.org", |s| {
        s.settings.carddav_user_credentials = true
    })
    .await;
    let account = app
        .account("user", "a.example.org", "secret123", &[Sha256], false)
        .await;
    let blocked = app
        .account("blocked", "a.example.org", "secret123", &[Sha256], false)
        .await;
    app.account("admin", "a.example.org", "secret123", &[Sha256], true)
        .await;
    app.account("admin", "b.example.org", "secret123", &[Sha256], true)
        .await;
    app.account("user", "old.example.org", "secret123", &[Sha256], false)
        .await;
    let user = app.admin_key_for("user", "a.example.org").await;
    let blocked_key = app.admin_key_for("blocked", "a.example.org").await;
    let admin_a = app.admin_key_for("admin", "a.example.org").await;
    let admin_b = app.admin_key_for("admin", "b.example.org").await;
    let expired = app.admin_key_for("user", "old.example.org").await;
    app.edit_account(&blocked, |c| c.blocked = true).await;
    let yesterday = app.services.now() - Duration::days(1);
    app.edit_space("old.example.org", |s| s.expire_at = Some(yesterday))
        .await;

    // caller, its key, the host it calls, then the expected status for user/admin/super levels.
    let callers: &[(&str, Option<&str>, &str, [u16; 3])] = &[
        ("nobody", None, "a.example.org", [401, 401, 401]),
        ("user", Some(&user), "a.example.org", [200, 403, 403]),
        (
            "blocked user",
            Some(&blocked_key),
            "a.example.org",
            [403, 403, 403],
        ),
        (
            "admin of this space",
            Some(&admin_a),
            "a.example.org",
            [200, 200, 403],
        ),
        (
            "admin of another space",
            Some(&admin_b),
            "a.example.org",
            [403, 403, 403],
        ),
        (
            "super admin",
            Some(&app.admin_key),
            "a.example.org",
            [200, 200, 200],
        ),
        (
            "caller of an expired space",
            Some(&expired),
            "old.example.org",
            [403, 403, 403],
        ),
    ];
    for (who, key, host, expected) in callers {
        for (method, path, level) in ENDPOINTS {
            let path = &path.replace("{account}", &account.id.0.to_string());
            let mut req = app.request(Method::from_bytes(method.as_bytes()).unwrap(), host, path);
            if let Some(key) = key {
                req = req.header("x-api-key", *key);
            }
            let status = req.send().await.unwrap().status().as_u16();
            let want = match *level {
                "user" => expected[0],
                "admin" => expected[1],
                _ => expected[2],
            };
            // 200 means "let through": the endpoint may then answer 2xx, 404 or 4xx for the
            // (empty) input, but never a refusal.
            if want == 200 {
                assert!(
                    !matches!(status, 401 | 403) && status < 500,
                    "{who} on {method} {path} at {host}: {status}"
                );
            } else {
                assert_eq!(status, want, "{who} on {method} {path} at {host}");
            }
        }
    }
    app.stop().await;
}

crate::on_memory_and_sqlite!(
    every_restricted_endpoint_answers_each_kind_of_caller_as_the_access_model_says,
);
