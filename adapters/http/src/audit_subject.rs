//! What an audited request changed, named for the trail: each resource its path addresses
//! (`/api/accounts/{id}/contacts/{contact_id}` → `account 42, contact 7`; `accounts/me` → the
//! actor's own account) and the one it created (a created object's `id`, else its `domain`).

use flexiapi_domain::model::AccountId;

/// Path parameters whose value is a secret: named, never written out. (No audited route has
/// one today; a token in a path must not reach the trail if one ever does.)
fn is_secret(parameter: &str) -> bool {
    parameter.contains("token") || parameter.contains("secret")
}

/// `accounts` → `account`, `phone_countries` → `phone_country`; other words as they are.
fn singular(segment: &str) -> String {
    if let Some(stem) = segment.strip_suffix("ies") {
        format!("{stem}y")
    } else if segment.ends_with("ss") || segment.ends_with("ics") {
        segment.to_owned()
    } else {
        segment.strip_suffix('s').unwrap_or(segment).to_owned()
    }
}

/// Names what the request to `path` (matching the route `template`) changed. `created` is the
/// answer's JSON object to a POST.
pub fn audit_subject(
    template: &str,
    path: &str,
    actor: AccountId,
    created: Option<&serde_json::Value>,
) -> String {
    let mut named = Vec::new();
    let mut previous: Option<&str> = None;
    for (t, p) in template.split('/').zip(path.split('/')) {
        if let Some(parameter) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let resource = previous.map_or_else(|| parameter.to_owned(), singular);
            if is_secret(parameter) {
                named.push(format!("{resource} ***"));
            } else {
                let value = percent_encoding::percent_decode_str(p).decode_utf8_lossy();
                named.push(format!("{resource} {value}"));
            }
        } else if t == "me" && previous == Some("accounts") {
            named.push(format!("account {}", actor.0));
        }
        previous = Some(t).filter(|t| !t.starts_with('{') && *t != "me");
    }
    // A POST to a collection creates; a POST to an action (`activate`, `email`) does not.
    let collection = template
        .rsplit('/')
        .next()
        .filter(|t| t.ends_with('s') || matches!(*t, "external" | "vcards-storage"));
    if let (Some(created), Some(resource)) = (created, collection) {
        let id = created
            .get("id")
            .filter(|v| v.is_i64() || v.is_string())
            .or_else(|| created.get("domain").filter(|v| v.is_string()));
        if let Some(id) = id {
            let id = id.as_str().map_or_else(|| id.to_string(), str::to_owned);
            named.push(format!("{} {id}", singular(resource)));
        }
    }
    named.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ADMIN: AccountId = AccountId(3);

    #[test]
    fn each_parameter_is_named_by_the_segment_before_it() {
        assert_eq!(
            audit_subject(
                "/api/accounts/{id}/contacts/{contact_id}",
                "/api/accounts/42/contacts/7",
                ADMIN,
                None
            ),
            "account 42, contact 7"
        );
        assert_eq!(
            audit_subject(
                "/api/spaces/{domain}",
                "/api/spaces/sip.example.org",
                ADMIN,
                None
            ),
            "space sip.example.org"
        );
        assert_eq!(
            audit_subject(
                "/api/phone_countries/{code}/activate",
                "/api/phone_countries/FR",
                ADMIN,
                None
            ),
            "phone_country FR"
        );
        assert_eq!(
            audit_subject(
                "/api/accounts/{id}/api_keys/{key_id}",
                "/api/accounts/42/api_keys/7",
                ADMIN,
                None
            ),
            "account 42, api_key 7"
        );
    }

    #[test]
    fn me_is_the_actors_own_account() {
        assert_eq!(
            audit_subject(
                "/api/accounts/me/api_key",
                "/api/accounts/me/api_key",
                ADMIN,
                None
            ),
            "account 3"
        );
    }

    #[test]
    fn a_created_object_is_named_by_its_id_else_its_domain() {
        let account = json!({"id": 57, "username": "bob"});
        assert_eq!(
            audit_subject("/api/accounts", "/api/accounts", ADMIN, Some(&account)),
            "account 57"
        );
        let space = json!({"domain": "sip.example.org", "host": "sip.example.org"});
        assert_eq!(
            audit_subject("/api/spaces", "/api/spaces", ADMIN, Some(&space)),
            "space sip.example.org"
        );
        let forwarding = json!({"id": 9, "type": "always"});
        assert_eq!(
            audit_subject(
                "/api/accounts/{id}/call_forwardings",
                "/api/accounts/42/call_forwardings",
                ADMIN,
                Some(&forwarding)
            ),
            "account 42, call_forwarding 9"
        );
    }

    #[test]
    fn an_action_names_its_account_only() {
        let account = json!({"id": 42, "activated": true});
        assert_eq!(
            audit_subject(
                "/api/accounts/{id}/activate",
                "/api/accounts/42/activate",
                ADMIN,
                Some(&account)
            ),
            "account 42"
        );
    }

    #[test]
    fn secret_parameters_are_not_written_out() {
        assert_eq!(
            audit_subject(
                "/api/accounts/auth_token/{auth_token}/attach",
                "/api/accounts/auth_token/s3cr3t/attach",
                ADMIN,
                None
            ),
            "auth_token ***"
        );
    }

    #[test]
    fn an_unmatched_path_names_nothing() {
        assert_eq!(audit_subject("unmatched", "/nope", ADMIN, None), "");
    }
}
