//! A space's own SMTP server, for super admins; and the letterhead every message about a space
//! is sent with.

use std::collections::BTreeMap;

use super::{Entity, ServiceError, ServiceResult, Services};
use crate::error::StoreError;
use crate::model::{
    Domain, Email, MAX_EMAIL_SERVER_SIGNATURE_LENGTH, MAX_EMAIL_SERVER_TEXT_LENGTH, Space,
    SpaceEmailServer, is_mail_host,
};
use crate::ports::Letterhead;
use crate::validation::{Rule, ValidationErrors};

/// `POST /spaces/{domain}/email`, unvalidated.
#[derive(Clone, Default)]
pub struct SpaceEmailServerInput {
    pub host: Option<String>,
    pub port: Option<i64>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub signature: Option<String>,
    /// Fields a loosely typed request (the JSON API) held with the wrong type, each with the rule
    /// it broke; reported with every other broken rule. Empty for typed callers.
    pub unreadable: ValidationErrors,
}

impl std::fmt::Debug for SpaceEmailServerInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpaceEmailServerInput")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("from_address", &self.from_address)
            .field("from_name", &self.from_name)
            .field("signature", &self.signature)
            .field("unreadable", &self.unreadable)
            .finish()
    }
}

impl SpaceEmailServerInput {
    /// `host` (a domain name or an IP address) and `port` (1 to 65535) are required;
    /// `from_address` is an e-mail address; texts have at most 255 characters, the signature
    /// 1000. Blank optional texts are none.
    ///
    /// # Errors
    /// Every broken rule, by field.
    pub fn validate(self) -> Result<SpaceEmailServer, ValidationErrors> {
        // A field sent with the wrong type has said all there is to say about it.
        let unreadable = |field: &str| self.unreadable.0.iter().any(|e| e.field == field);
        let (host_unreadable, port_unreadable) = (unreadable("host"), unreadable("port"));
        let mut errors = self.unreadable;
        let text = |v: Option<String>| v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let host = text(self.host);
        match &host {
            None if host_unreadable => {}
            None => errors.add("host", Rule::Required),
            Some(h) if !is_mail_host(h) => errors.add("host", Rule::Domain),
            Some(_) => {}
        }
        let port = match self.port {
            None => {
                if !port_unreadable {
                    errors.add("port", Rule::Required);
                }
                None
            }
            Some(p) => {
                let port = u16::try_from(p).ok().filter(|p| *p > 0);
                if port.is_none() {
                    errors.add("port", Rule::IntegerBetween(1, 65535));
                }
                port
            }
        };
        let from_address = text(self.from_address);
        if let Some(address) = &from_address
            && Email::parse(address).is_err()
        {
            errors.add("from_address", Rule::Email);
        }
        // The password is kept as typed (spaces are characters of a password); empty is none.
        let password = self.password.filter(|p| !p.is_empty());
        let mut limited = |field: &str, value: Option<String>, max: usize| {
            if value.as_ref().is_some_and(|v| v.chars().count() > max) {
                errors.add(field, Rule::MaxLength(max as u32));
            }
            value
        };
        let username = limited(
            "username",
            text(self.username),
            MAX_EMAIL_SERVER_TEXT_LENGTH,
        );
        let password = limited("password", password, MAX_EMAIL_SERVER_TEXT_LENGTH);
        let from_address = limited("from_address", from_address, MAX_EMAIL_SERVER_TEXT_LENGTH);
        let from_name = limited(
            "from_name",
            text(self.from_name),
            MAX_EMAIL_SERVER_TEXT_LENGTH,
        );
        let signature = limited(
            "signature",
            text(self.signature),
            MAX_EMAIL_SERVER_SIGNATURE_LENGTH,
        );
        match (host, port) {
            (Some(host), Some(port)) if errors.is_empty() => Ok(SpaceEmailServer {
                host,
                port,
                username,
                password,
                from_address,
                from_name,
                signature,
            }),
            _ => Err(errors),
        }
    }
}

impl Services {
    /// The server of the space with that domain.
    ///
    /// # Errors
    /// `UnknownSpace`; `NotFound(SpaceEmailServer)` when it has none.
    pub async fn space_email_server(&self, domain: &str) -> ServiceResult<SpaceEmailServer> {
        let space = self.find_space(domain).await?;
        self.storage
            .space_email_server(&space.domain)
            .await?
            .ok_or(ServiceError::NotFound(Entity::SpaceEmailServer))
    }

    /// The server of `space`, if it has one.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn email_server_of(&self, space: &Space) -> ServiceResult<Option<SpaceEmailServer>> {
        Ok(self.storage.space_email_server(&space.domain).await?)
    }

    /// Every space's server, by domain (the spaces listing shows them).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn space_email_servers(&self) -> ServiceResult<BTreeMap<Domain, SpaceEmailServer>> {
        Ok(self.storage.space_email_servers().await?)
    }

    /// Creates or replaces the space's server; returns it and whether it was created. The
    /// input is validated before the space is looked up, as the original does.
    ///
    /// # Errors
    /// `Validation`; `UnknownSpace`.
    pub async fn put_space_email_server(
        &self,
        domain: &str,
        input: SpaceEmailServerInput,
    ) -> ServiceResult<(SpaceEmailServer, bool)> {
        let server = input.validate()?;
        let space = self.find_space(domain).await?;
        let created = self
            .storage
            .put_space_email_server(&space.domain, &server, self.now())
            .await
            .map_err(|e| match e {
                // Deleted meanwhile.
                StoreError::NotFound => ServiceError::UnknownSpace(domain.into()),
                e => e.into(),
            })?;
        Ok((server, created))
    }

    /// Deletes the space's server: its messages go through the global one again.
    ///
    /// # Errors
    /// `UnknownSpace`; `NotFound(SpaceEmailServer)` when it has none.
    pub async fn delete_space_email_server(&self, domain: &str) -> ServiceResult<()> {
        let space = self.find_space(domain).await?;
        if self
            .storage
            .delete_space_email_server(&space.domain)
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound(Entity::SpaceEmailServer))
        }
    }

    /// Who a message about `space` is from: its name and, when it has one, its own SMTP server
    /// (which wins over the global one). Every use case that sends builds its letterhead here.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn letterhead(&self, space: &Space) -> ServiceResult<Letterhead> {
        Ok(Letterhead {
            space_name: space.name.clone(),
            space_domain: space.domain.to_string(),
            email_server: self.email_server_of(space).await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SpaceEmailServerInput {
        SpaceEmailServerInput {
            host: Some(" mail.example.org ".into()),
            port: Some(587),
            username: Some("relay".into()),
            password: Some(" secret ".into()),
            from_address: Some("noreply@example.org".into()),
            from_name: Some("  ".into()),
            signature: None,
            unreadable: ValidationErrors::new(),
        }
    }

    fn rules(input: SpaceEmailServerInput) -> Vec<(String, Rule)> {
        input
            .validate()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.rule))
            .collect()
    }

    #[test]
    fn a_valid_server_is_trimmed_except_its_password() {
        let server = input().validate().unwrap();
        assert_eq!(
            (server.host.as_str(), server.port),
            ("mail.example.org", 587)
        );
        assert_eq!(server.password.as_deref(), Some(" secret "));
        assert_eq!(server.from_name, None);
    }

    #[test]
    fn every_broken_rule_is_reported() {
        assert_eq!(
            rules(SpaceEmailServerInput::default()),
            [
                ("host".into(), Rule::Required),
                ("port".into(), Rule::Required)
            ]
        );
        for port in [0, -1, 65536] {
            assert_eq!(
                rules(SpaceEmailServerInput {
                    port: Some(port),
                    ..input()
                }),
                [("port".into(), Rule::IntegerBetween(1, 65535))]
            );
        }
        assert_eq!(
            rules(SpaceEmailServerInput {
                host: Some("not a host".into()),
                from_address: Some("nobody".into()),
                signature: Some("x".repeat(1001)),
                ..input()
            }),
            [
                ("host".into(), Rule::Domain),
                ("from_address".into(), Rule::Email),
                ("signature".into(), Rule::MaxLength(1000)),
            ]
        );
        // A wrongly typed field is reported once, as the reader found it.
        assert_eq!(
            rules(SpaceEmailServerInput {
                port: None,
                unreadable: ValidationErrors::single("port", Rule::Integer),
                ..input()
            }),
            [("port".into(), Rule::Integer)]
        );
        let server = SpaceEmailServerInput {
            host: Some("192.0.2.25".into()),
            port: Some(65535),
            ..input()
        }
        .validate()
        .unwrap();
        assert_eq!(server.host, "192.0.2.25");
    }
}
