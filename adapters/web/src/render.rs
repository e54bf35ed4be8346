//! The templates (`templates/*.html`, embedded at build time) and their rendering: every page
//! extends `base.html`, and `t("web-…", name=value)` looks the text up in the Fluent catalogues
//! (`locales/<lang>/web.ftl`) in the request's language.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use flexiapi_adapters_http::i18n::LOCALES;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind, State};

/// Every template, by name.
pub(crate) const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("register.html", include_str!("../templates/register.html")),
    ("code.html", include_str!("../templates/code.html")),
    (
        "registered.html",
        include_str!("../templates/registered.html"),
    ),
    ("recovery.html", include_str!("../templates/recovery.html")),
    ("password.html", include_str!("../templates/password.html")),
    ("message.html", include_str!("../templates/message.html")),
    (
        "creation_token.html",
        include_str!("../templates/creation_token.html"),
    ),
    ("wizard.html", include_str!("../templates/wizard.html")),
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                // A broken template is a build mistake the template test catches first.
                tracing::error!(template = name, error = %e, "template does not parse");
            }
        }
        env.add_function("t", translate);
        env
    })
}

/// `t(id, name=value, …)`: the message `id` in the page's language (`lang` of the context).
fn translate(state: &State, id: &str, args: Kwargs) -> Result<String, Error> {
    let lang: LanguageIdentifier = state
        .lookup("lang")
        .and_then(|l| l.as_str().and_then(|l| l.parse().ok()))
        .unwrap_or_else(|| "en".parse().unwrap_or_default());
    let mut fluent_args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
    for name in args.args() {
        let value: Value = args.get(name)?;
        let value = match value.as_i64() {
            Some(n) => FluentValue::from(n),
            None => FluentValue::from(value.to_string()),
        };
        fluent_args.insert(Cow::Owned(name.to_owned()), value);
    }
    LOCALES
        .try_lookup_with_args(&lang, id, &fluent_args)
        .ok_or_else(|| Error::new(ErrorKind::UndefinedError, format!("no message {id}")))
}

/// Renders `template` with `context`; a failure is logged and rendered as a bare error text.
pub(crate) fn render(template: &str, context: Value) -> Result<String, String> {
    environment()
        .get_template(template)
        .and_then(|t| t.render(context))
        .map_err(|e| {
            tracing::error!(template, error = %e, "cannot render a page");
            e.to_string()
        })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    /// The ids of a `web.ftl`.
    fn catalogue(lang: &str) -> BTreeSet<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../locales")
            .join(lang)
            .join("web.ftl");
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with(['#', ' ']) && !l.trim().is_empty())
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect()
    }

    /// The ids the templates and the handlers use: `t("…")` and `"web-…"` literals.
    fn used_ids() -> BTreeSet<String> {
        let sources = TEMPLATES.iter().map(|(_, s)| (*s).to_owned()).chain(
            [
                "lib.rs",
                "pages.rs",
                "recovery.rs",
                "register.rs",
                "reset.rs",
                "creation_token.rs",
                "wizard.rs",
            ]
            .iter()
            .filter_map(|f| {
                std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(f))
                    .ok()
            }),
        );
        let mut ids = BTreeSet::new();
        for source in sources {
            // A quoted `web-…` id: `"web-x"` or `'web-x'`.
            for (at, _) in source.match_indices("web-") {
                let Some(quote) = source[..at]
                    .chars()
                    .last()
                    .filter(|c| matches!(c, '"' | '\''))
                else {
                    continue;
                };
                let id: String = source[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                    .collect();
                if source[at + id.len()..].starts_with(quote) {
                    ids.insert(id);
                }
            }
        }
        ids
    }

    #[test]
    fn every_id_in_use_is_in_both_catalogues_and_every_entry_is_used() {
        let used = used_ids();
        assert!(used.len() > 20, "{used:?}");
        for lang in ["en", "fr"] {
            let ids = catalogue(lang);
            let missing: Vec<_> = used.difference(&ids).collect();
            let unused: Vec<_> = ids.difference(&used).collect();
            assert!(missing.is_empty(), "{lang}: missing {missing:?}");
            assert!(unused.is_empty(), "{lang}: unused {unused:?}");
        }
    }

    #[test]
    fn every_template_parses() {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn texts_are_looked_up_in_the_pages_language_with_their_arguments() {
        let en = render(
            "message.html",
            minijinja::context! {
                lang => "en", title_id => "web-not-found-title", message_id => "web-not-found",
                space_name => "Example <b>", hue => 200,
            },
        )
        .unwrap();
        assert!(en.contains("Page not found"), "{en}");
        assert!(en.contains("Example &lt;b&gt;"), "names are escaped: {en}");
        let fr = render(
            "message.html",
            minijinja::context! {
                lang => "fr", title_id => "web-not-found-title", message_id => "web-not-found",
                space_name => "Example", hue => 200,
            },
        )
        .unwrap();
        assert!(fr.contains("lang=\"fr\""), "{fr}");
        assert!(fr.contains("Page introuvable"), "{fr}");
    }
}
