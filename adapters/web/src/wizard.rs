//! `/wizard/{token}` and `/wizard?sip=…&linphone-action=…&linphone-use-sips`: a page that opens
//! a Linphone app on a `sip-linphone:` URI (the button works without JavaScript; a script clicks
//! it at once when scripts run), with a download link for the visitor's platform. Opening a
//! wizard spends it, as the original's; a spent or unknown token opens the app on nothing.

use flexiapi_domain::model::{LinphoneAction, WizardLink};
use flexiapi_domain::service::Services;
use minijinja::context;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Request, Response};

use crate::pages::{Page, Shared};

/// A query value: everything but unreserved characters is escaped.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The `sip-linphone:` URI the app opens; `fetch_config` is the provisioning URL.
fn app_uri(link: &WizardLink, fetch_config: Option<&str>) -> String {
    let address = link
        .sip
        .as_ref()
        .map(|s| format!("{}@{}", s.username, s.domain))
        .unwrap_or_default();
    let mut query = format!("linphone-action={}", link.action.as_str());
    if let Some(url) = fetch_config {
        query.push_str("&linphone-fetch-config=");
        query.extend(utf8_percent_encode(url, QUERY_VALUE));
    }
    if link.use_sips {
        query.push_str("&linphone-use-sips=true");
    }
    format!(
        "sip-linphone:{}?{query}",
        utf8_percent_encode(&address, QUERY_VALUE)
            .to_string()
            .replace("%40", "@")
    )
}

/// The visitor's platform, from its `User-Agent`, for the download link.
fn platform(user_agent: Option<&str>) -> &'static str {
    let ua = user_agent.unwrap_or_default();
    if ua.contains("Android") || ua.contains("iPhone") || ua.contains("iPad") {
        "other"
    } else if ua.contains("Windows") {
        "windows"
    } else if ua.contains("Macintosh") || ua.contains("Mac OS X") {
        "macos"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "linux"
    } else {
        "other"
    }
}

fn show(page: &Page<'_>, req: &Request, link: &WizardLink) -> Response {
    let fetch_config = link
        .provisioning_token
        .as_ref()
        .map(|t| format!("{}/provisioning/{t}", page.base_url(req)));
    let title_id = match link.action {
        LinphoneAction::Call => "web-wizard-call-title",
        LinphoneAction::Show => "web-wizard-show-title",
        _ => "web-wizard-configure-title",
    };
    page.render(
        StatusCode::OK,
        "wizard.html",
        title_id,
        context! {
            app_uri => app_uri(link, fetch_config.as_deref()),
            platform => platform(
                req.headers().get(poem::http::header::USER_AGENT).and_then(|v| v.to_str().ok())
            ),
        },
    )
}

/// `GET /wizard/{token}`: spends the wizard and opens the app on it.
#[poem::handler]
pub(crate) async fn by_token(
    req: &Request,
    web: Data<&Shared>,
    Path(token): Path<String>,
) -> Response {
    let page = match Page::open(req, web.0) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    match page.services().open_wizard(page.space, &token).await {
        Ok(link) => show(&page, req, &link),
        Err(e) => page.error(e),
    }
}

/// `GET /wizard`: a link without a token, from its query (invalid values are left out).
#[poem::handler]
pub(crate) async fn by_query(req: &Request, web: Data<&Shared>) -> Response {
    let page = match Page::open(req, web.0) {
        Ok(page) => page,
        Err(answer) => return answer,
    };
    let mut sip = None;
    let mut action = None;
    let mut use_sips = false;
    for (name, value) in url_pairs(req.uri().query().unwrap_or_default()) {
        match name.as_str() {
            "sip" => sip = Some(value),
            "linphone-action" => action = Some(value),
            "linphone-use-sips" => use_sips = true,
            _ => {}
        }
    }
    let link = Services::wizard_link_from_query(sip.as_deref(), action.as_deref(), use_sips);
    show(&page, req, &link)
}

/// The decoded `name=value` pairs of a query string (`+` is a space).
fn url_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(n), decode(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use flexiapi_domain::model::SipIdentity;

    use super::*;

    #[test]
    fn the_app_uri_is_the_originals() {
        let link = WizardLink {
            sip: Some(SipIdentity::parse("sip:admin@sip.linphone.org").unwrap()),
            action: LinphoneAction::Bye,
            provisioning_token: Some("tok".into()),
            use_sips: true,
        };
        assert_eq!(
            app_uri(&link, Some("https://h.example/provisioning/tok")),
            "sip-linphone:admin@sip.linphone.org?linphone-action=bye&linphone-fetch-config=\
             https%3A%2F%2Fh.example%2Fprovisioning%2Ftok&linphone-use-sips=true"
        );
        let empty = Services::wizard_link_from_query(None, None, false);
        assert_eq!(app_uri(&empty, None), "sip-linphone:?linphone-action=show");
    }

    #[test]
    fn platforms_come_from_the_user_agent() {
        let linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0";
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/156.0 Mobile";
        assert_eq!(platform(Some(linux)), "linux");
        assert_eq!(platform(Some(android)), "other");
        assert_eq!(
            platform(Some("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")),
            "windows"
        );
        assert_eq!(
            platform(Some("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)")),
            "macos"
        );
        assert_eq!(platform(None), "other");
    }

    #[test]
    fn query_pairs_are_decoded() {
        assert_eq!(
            url_pairs("sip=sip%3Abob%40x.org&linphone-use-sips"),
            vec![
                ("sip".into(), "sip:bob@x.org".into()),
                ("linphone-use-sips".into(), String::new())
            ]
        );
    }
}
