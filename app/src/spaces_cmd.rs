//! `flexiapi spaces ...`: the space use cases from the command line.

use anyhow::{Context, anyhow, bail};
use flexiapi_domain::error::TransportError;
use flexiapi_domain::model::{JwtAlgorithm, JwtConfig, default_jwt_algorithms, default_leeway};
use flexiapi_domain::ports::Letterhead;
use flexiapi_domain::service::{CreateSpace, ServiceError, Services, parse_expiry};

use crate::cli::{JwtArgs, SpacesCommand};

/// Runs one `spaces` command and returns what to print on stdout; `explain` turns a use-case
/// error into the binary's one-line message.
///
/// # Errors
/// Bad options, unreadable key files, and the use cases' errors.
pub async fn run(
    command: SpacesCommand,
    services: &Services,
    explain: fn(ServiceError) -> anyhow::Error,
) -> anyhow::Result<String> {
    match command {
        SpacesCommand::Create(args) => {
            let expire_at = args
                .expire_at
                .as_deref()
                .map(|raw| parse_expiry(raw).ok_or_else(bad_expiry))
                .transpose()?;
            let jwt = apply_jwt(None, &args.jwt)?;
            let space = services
                .create_space(CreateSpace {
                    domain: args.domain,
                    host: args.host,
                    name: args.name,
                    super_space: args.super_space,
                    expire_at,
                    jwt,
                    ..CreateSpace::default()
                })
                .await
                .map_err(explain)?;
            Ok(format!(
                "created space {} on host {}\n",
                space.domain, space.host
            ))
        }
        SpacesCommand::List => {
            let spaces = services.list_spaces().await?;
            Ok(spaces
                .iter()
                .map(|s| {
                    let expire_at = s
                        .expire_at
                        .map_or_else(|| "-".to_owned(), |at| at.to_rfc3339());
                    format!(
                        "{}\t{}\t{}\t{}\t{expire_at}\n",
                        s.domain, s.host, s.name, s.super_space
                    )
                })
                .collect())
        }
        SpacesCommand::Update(args) => {
            let current = services.find_space(&args.domain).await.map_err(explain)?;
            let mut input = CreateSpace::from(&current);
            if let Some(host) = args.host {
                input.host = host;
            }
            if let Some(name) = args.name {
                input.name = Some(name);
            }
            if let Some(super_space) = args.super_space {
                input.super_space = super_space;
            }
            if let Some(raw) = args.expire_at.as_deref() {
                input.expire_at = if raw.eq_ignore_ascii_case("none") {
                    None
                } else {
                    Some(parse_expiry(raw).ok_or_else(bad_expiry)?)
                };
            }
            if let Some(max) = args.max_accounts {
                input.max_accounts = max;
            }
            input.jwt = apply_jwt(input.jwt.take(), &args.jwt)?;
            let space = services
                .update_space(&args.domain, input)
                .await
                .map_err(explain)?;
            Ok(format!("updated space {}\n", space.domain))
        }
        SpacesCommand::Delete { domain } => {
            services.delete_space(&domain).await.map_err(explain)?;
            Ok(format!("deleted space {domain} and its accounts\n"))
        }
        SpacesCommand::ExpirationEmails { days, language } => {
            expiration_emails(services, days, &language, explain).await
        }
    }
}

/// `spaces expiration-emails`: the summary on success; an error naming each failure (one line,
/// as every error of the binary) when something could not be sent, so that a scheduler notices.
async fn expiration_emails(
    services: &Services,
    days: u32,
    language: &str,
    explain: fn(ServiceError) -> anyhow::Error,
) -> anyhow::Result<String> {
    // Without `[mail]` only spaces with their own server can be told: with none either, this
    // is a configuration mistake, reported before anything else.
    let global = Letterhead {
        space_name: String::new(),
        space_domain: String::new(),
        email_server: None,
    };
    if !services.notifier.can_email(&global)
        && services
            .space_email_servers()
            .await
            .map_err(explain)?
            .is_empty()
    {
        bail!(
            "no mail transport: configure [mail] (smtp_url and from_address) in the configuration file"
        );
    }
    let report = services
        .send_expiration_emails(chrono::Duration::days(i64::from(days)), language)
        .await
        .map_err(explain)?;
    if report.failures.is_empty() {
        return Ok(format!(
            "{} space(s) expire within {days} day(s): {} e-mail(s) sent, 0 failed\n",
            report.spaces, report.sent
        ));
    }
    let failures: Vec<String> = report
        .failures
        .iter()
        .map(|f| {
            let why = match &f.error {
                TransportError::NotConfigured => {
                    "no mail transport for this space ([mail] or the space's e-mail server)"
                        .to_owned()
                }
                other => other.to_string().replace('\n', " "),
            };
            format!("{} -> {}: {why}", f.domain, f.to)
        })
        .collect();
    Err(anyhow!(
        "{} space(s) expire within {days} day(s): {} e-mail(s) sent, {} failed: {}",
        report.spaces,
        report.sent,
        failures.len(),
        failures.join("; ")
    ))
}

fn bad_expiry() -> anyhow::Error {
    anyhow!("--expire-at must be RFC 3339, e.g. 2030-01-01T00:00:00Z, or none")
}

/// `current` changed by the `--jwt-*` options given; a new configuration needs a public key.
fn apply_jwt(current: Option<JwtConfig>, args: &JwtArgs) -> anyhow::Result<Option<JwtConfig>> {
    if args.is_empty() {
        return Ok(current);
    }
    let public_key = args
        .jwt_public_key
        .as_ref()
        .map(|path| {
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read --jwt-public-key {}", path.display()))
        })
        .transpose()?;
    let mut jwt = match (current, public_key) {
        (Some(mut jwt), key) => {
            if let Some(key) = key {
                jwt.public_key = key;
            }
            jwt
        }
        (None, Some(public_key)) => JwtConfig {
            public_key,
            sip_identifier: None,
            algorithms: default_jwt_algorithms(),
            issuer: None,
            audience: None,
            leeway_seconds: default_leeway(),
            jwt_only: false,
            server_url: None,
            realm: None,
            client_id: None,
        },
        (None, None) => {
            return Err(anyhow!(
                "--jwt-public-key is required to configure JWT authentication"
            ));
        }
    };
    if let Some(list) = &args.jwt_algorithms {
        jwt.algorithms = list
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| {
                JwtAlgorithm::parse(a).ok_or_else(|| {
                    anyhow!(
                        "unknown JWT algorithm {a} (expected some of RS256, RS384, RS512, ES256, ES384, EdDSA)"
                    )
                })
            })
            .collect::<anyhow::Result<_>>()?;
        if jwt.algorithms.is_empty() {
            return Err(anyhow!("--jwt-algorithms needs at least one algorithm"));
        }
    }
    // An empty value clears an optional claim requirement.
    let text = |v: &Option<String>, old: Option<String>| match v {
        Some(v) if v.is_empty() => None,
        Some(v) => Some(v.clone()),
        None => old,
    };
    jwt.issuer = text(&args.jwt_issuer, jwt.issuer.take());
    jwt.audience = text(&args.jwt_audience, jwt.audience.take());
    jwt.sip_identifier = text(&args.jwt_sip_identifier, jwt.sip_identifier.take());
    if let Some(only) = args.jwt_only {
        jwt.jwt_only = only;
    }
    Ok(Some(jwt))
}
