//! What every page handler starts with ([`Page::open`]: the request's space, language and
//! client, 404 when the space has no web panel) and how it answers: a template rendered in the
//! request's language with the space's name and theme colour, the CSRF cookie set when missing.

use std::collections::BTreeMap;
use std::sync::Arc;

use flexiapi_adapters_http::api::{client_ip, request_space, state};
use flexiapi_adapters_http::error::{ApiError, rule_message};
use flexiapi_adapters_http::state::AppState;
use flexiapi_domain::model::Space;
use flexiapi_domain::service::registration::Origin;
use flexiapi_domain::service::{ServiceError, Services};
use flexiapi_domain::validation::ValidationErrors;
use fluent_templates::LanguageIdentifier;
use minijinja::Value;
use poem::http::StatusCode;
use poem::http::header::{CACHE_CONTROL, COOKIE, SET_COOKIE, USER_AGENT};
use poem::{Request, Response};

use crate::Web;
use crate::captcha::{self, CaptchaFailure};
use crate::render::render;

/// The posted fields of a form.
pub(crate) type Fields = BTreeMap<String, String>;

/// The cookie of the signed double submit (see `signing`).
const CSRF_COOKIE: &str = "flexiapi_form";
/// The form field carrying the CSRF token.
const CSRF_FIELD: &str = "_token";
/// The hue of a space without `theme_hue`.
const DEFAULT_HUE: i64 = 210;

/// One request to a page.
pub(crate) struct Page<'a> {
    pub(crate) web: &'a Web,
    state: &'a AppState,
    pub(crate) space: &'a Space,
    lang: LanguageIdentifier,
    ip: String,
    user_agent: Option<String>,
    https: bool,
    /// The request's CSRF cookie, or the fresh one this answer sets.
    cookie: String,
    new_cookie: bool,
}

impl<'a> Page<'a> {
    /// [`Page::open`] for a posted form, which must carry its CSRF token (403 otherwise).
    pub(crate) fn open_form(
        req: &'a Request,
        web: &'a Web,
        form: &Fields,
    ) -> Result<Self, Response> {
        let page = Self::open(req, web)?;
        if page.csrf_ok(form) {
            Ok(page)
        } else {
            Err(page.csrf_refused())
        }
    }

    /// The page's context; `Err` is the answer when the space shows no pages (404).
    pub(crate) fn open(req: &'a Request, web: &'a Web) -> Result<Self, Response> {
        let (Ok(state), Ok(space)) = (state(req), request_space(req)) else {
            return Err(Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .finish());
        };
        let lang = state
            .settings
            .languages
            .negotiate(
                req.headers()
                    .get("accept-language")
                    .and_then(|v| v.to_str().ok()),
            )
            .clone();
        let existing = req
            .headers()
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(name, value)| *name == CSRF_COOKIE && !value.is_empty())
            .map(|(_, value)| value.to_owned());
        let new_cookie = existing.is_none();
        let page = Self {
            web,
            state,
            space,
            lang,
            ip: client_ip(req),
            user_agent: req
                .headers()
                .get(USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            https: flexiapi_adapters_http::api::is_https(req),
            // 24 letters and digits: 142 random bits.
            cookie: existing.unwrap_or_else(|| state.services.tokens.alphanumeric(24)),
            new_cookie,
        };
        if page.space.settings.web_panel {
            Ok(page)
        } else {
            Err(page.not_found())
        }
    }

    pub(crate) fn services(&self) -> &Services {
        &self.state.services
    }

    pub(crate) fn ip(&self) -> &str {
        &self.ip
    }

    pub(crate) fn origin(&self) -> Origin {
        Origin {
            ip: Some(self.ip.clone()),
            user_agent: self.user_agent.clone(),
        }
    }

    /// The language tag messages are sent in (`en`, `fr`).
    pub(crate) fn language(&self) -> String {
        self.lang.language.as_str().to_owned()
    }

    /// `<scheme>://<host>[:<port>]` of the space, as the API builds its links.
    pub(crate) fn base_url(&self, req: &Request) -> String {
        flexiapi_adapters_http::api::base_url(req).unwrap_or_default()
    }

    /// Whether the posted form carries the CSRF token of the request's cookie. A request
    /// without the cookie never passes: its form was not made by us.
    pub(crate) fn csrf_ok(&self, form: &Fields) -> bool {
        !self.new_cookie
            && form
                .get(CSRF_FIELD)
                .is_some_and(|token| self.web.signer.csrf_valid(&self.cookie, token))
    }

    /// The captcha's verdict on a posted form (always fine when no captcha is configured).
    pub(crate) async fn captcha_ok(&self, form: &Fields) -> Result<(), &'static str> {
        let Some(settings) = &self.web.captcha else {
            return Ok(());
        };
        captcha::verify(
            &self.web.http,
            settings,
            form.get(captcha::RESPONSE_FIELD).map(String::as_str),
            &self.ip,
        )
        .await
        .map_err(|f| match f {
            CaptchaFailure::Refused => "web-captcha-failed",
            CaptchaFailure::Unavailable => "web-captcha-unavailable",
        })
    }

    /// The captcha's site key, for the forms that show the widget.
    pub(crate) fn captcha_sitekey(&self) -> Option<&str> {
        self.web.captcha.as_ref().map(|c| c.sitekey.as_str())
    }

    /// A text of `web.ftl` in the page's language.
    pub(crate) fn text(&self, id: &str) -> String {
        use fluent_templates::Loader;
        flexiapi_adapters_http::i18n::LOCALES.lookup(&self.lang, id)
    }

    /// Each broken rule's message, by field, in the page's language.
    pub(crate) fn field_errors(&self, errors: &ValidationErrors) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        for e in &errors.0 {
            map.entry(e.field.clone())
                .or_insert_with(|| rule_message(&e.field, &e.rule).render(&self.lang));
        }
        map
    }

    /// `template` rendered with `context` and what every page shows.
    pub(crate) fn render(
        &self,
        status: StatusCode,
        template: &str,
        title_id: &str,
        context: Value,
    ) -> Response {
        let base = minijinja::context! {
            lang => self.lang.language.as_str(),
            title_id => title_id,
            space_name => &self.space.name,
            space_domain => self.space.domain.as_str(),
            hue => self.space.settings.theme_hue.unwrap_or(DEFAULT_HUE).rem_euclid(360),
            csrf => self.web.signer.csrf_token(&self.cookie),
        };
        let body = match render(template, minijinja::context! { ..context, ..base }) {
            Ok(html) => html,
            Err(_) => {
                return Response::builder()
                    .status(StatusCode::INTERNAL_SERVER_ERROR)
                    .content_type("text/plain; charset=utf-8")
                    .body("internal error");
            }
        };
        let mut response = Response::builder()
            .status(status)
            .content_type("text/html; charset=utf-8")
            .header(CACHE_CONTROL, "no-store")
            .header("x-frame-options", "DENY")
            .header("referrer-policy", "no-referrer")
            .header("x-content-type-options", "nosniff");
        if self.new_cookie {
            let secure = if self.https { "; Secure" } else { "" };
            response = response.header(
                SET_COOKIE,
                format!(
                    "{CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
                    self.cookie
                ),
            );
        }
        response.body(body)
    }

    /// A page of one message (`message_id` of `web.ftl`), with a link when given.
    pub(crate) fn message(
        &self,
        status: StatusCode,
        title_id: &str,
        message_id: &str,
        link: Option<(&str, &str)>,
    ) -> Response {
        let (link, link_id) = link.unzip();
        self.render(
            status,
            "message.html",
            title_id,
            minijinja::context! { message_id, link, link_id },
        )
    }

    pub(crate) fn not_found(&self) -> Response {
        self.message(
            StatusCode::NOT_FOUND,
            "web-not-found-title",
            "web-not-found",
            None,
        )
    }

    /// A form posted without our CSRF token.
    pub(crate) fn csrf_refused(&self) -> Response {
        self.message(StatusCode::FORBIDDEN, "web-csrf-title", "web-csrf", None)
    }

    /// A use case's error as the API would answer it (status and message), as a page.
    pub(crate) fn error(&self, e: ServiceError) -> Response {
        if matches!(e, ServiceError::RegistrationClosed) {
            return self.not_found();
        }
        let api = ApiError::from(e);
        let message = if api.field_errors.is_empty() {
            api.message.render(&self.lang)
        } else {
            api.field_errors
                .iter()
                .map(|(_, m)| m.render(&self.lang))
                .collect::<Vec<_>>()
                .join(" ")
        };
        self.render(
            api.status,
            "message.html",
            "web-error-title",
            minijinja::context! { message },
        )
    }
}

/// A posted field, trimmed; blank is absent.
pub(crate) fn field(form: &Fields, name: &str) -> Option<String> {
    form.get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The space a sealed flow was made in, checked against the request's, and the rest of it.
pub(crate) fn open_flow(page: &Page<'_>, purpose: &str, form: &Fields) -> Option<Vec<String>> {
    let payload = page.web.signer.open(purpose, form.get("flow")?)?;
    let mut parts: Vec<String> = payload.split('|').map(str::to_owned).collect();
    (parts.first().map(String::as_str) == Some(page.space.domain.as_str())).then(|| {
        parts.remove(0);
        parts
    })
}

/// A flow sealed for the request's space.
pub(crate) fn seal_flow(page: &Page<'_>, purpose: &str, parts: &[&str]) -> String {
    let mut payload = page.space.domain.as_str().to_owned();
    for part in parts {
        payload.push('|');
        payload.push_str(part);
    }
    page.web.signer.seal(purpose, &payload)
}

/// Shared by every page of one process.
pub(crate) type Shared = Arc<Web>;
