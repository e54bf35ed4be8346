//! The Linphone apps' own sign-up and recovery: the app asks for a creation (or recovery) token
//! to be pushed to it, or asks for a creation request token that a person validates on the
//! space's page before the app exchanges it; and `POST /push_notification`, a user's push to a
//! device.
//!
//! Every token belongs to the request's space. Sending by push follows the rules of every send
//! (`notices`): nothing is stored when nothing can push; the token is stored before the push (a
//! fast app may spend it the moment the push lands) and deleted again when the push fails, so a
//! failed push leaves nothing behind, throttle included.

use chrono::{DateTime, Duration, Utc};

use super::registration::Origin;
use super::{Entity, ServiceError, ServiceResult, Services};
use crate::error::TransportError;
use crate::model::{
    ACCOUNT_RECOVERY_TOKEN_LENGTH, AccountCreationRequestToken, AccountCreationToken,
    CREATION_REQUEST_TOKEN_LENGTH, NewAccountCreationRequestToken, NewAccountRecoveryToken,
    PushCallId, PushKind, PushNotification, PushParam, PushPrid, PushProvider, PushTarget, Space,
};
use crate::ports::StoreResult;
use crate::validation::{Rule, ValidationErrors};

/// The field naming a request token in `using-account-creation-request-token`.
const REQUEST_TOKEN_FIELD: &str = "account_creation_request_token";

/// Where a push goes, as the app sent it (unvalidated).
#[derive(Debug, Clone, Default)]
pub struct PushRequest {
    pub pn_provider: Option<String>,
    pub pn_param: Option<String>,
    pub pn_prid: Option<String>,
}

/// `POST /push_notification` input, unvalidated.
#[derive(Debug, Clone, Default)]
pub struct NotificationRequest {
    pub target: PushRequest,
    /// `background`, `message` or `call`.
    pub kind: Option<String>,
    pub call_id: Option<String>,
}

/// The target of `request`, each field required and matching the original's pattern (a null is
/// a 422 here, where the original crashed).
fn parse_target(request: PushRequest, errors: &mut ValidationErrors) -> Option<PushTarget> {
    let provider = match request.pn_provider.as_deref() {
        None => {
            errors.add("pn_provider", Rule::Required);
            None
        }
        Some(raw) => PushProvider::parse(raw).or_else(|| {
            errors.add(
                "pn_provider",
                Rule::OneOf(PushProvider::ALL.map(|p| p.as_str().to_owned()).to_vec()),
            );
            None
        }),
    };
    let param = match request.pn_param.as_deref() {
        None => {
            errors.add("pn_param", Rule::Required);
            None
        }
        Some(raw) => PushParam::parse(raw).or_else(|| {
            errors.add("pn_param", Rule::Format);
            None
        }),
    };
    let prid = match request.pn_prid.as_deref() {
        None => {
            errors.add("pn_prid", Rule::Required);
            None
        }
        Some(raw) => PushPrid::parse(raw).or_else(|| {
            errors.add("pn_prid", Rule::Format);
            None
        }),
    };
    Some(PushTarget {
        provider: provider?,
        param: param?,
        prid: prid?,
    })
}

/// Refuses a push when `latest` (the newest token pushed to the device within `window`) exists.
fn throttle(
    latest: Option<DateTime<Utc>>,
    window: Duration,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    match latest {
        Some(latest) => Err(ServiceError::TokenRequestedTooRecently {
            retry_after_seconds: retry_after(latest, window, now),
        }),
        None => Ok(()),
    }
}

/// The whole seconds until `latest + window` (at least 1: the newest token is still in it).
fn retry_after(latest: DateTime<Utc>, window: Duration, now: DateTime<Utc>) -> u64 {
    let millis = (latest + window - now).num_milliseconds();
    u64::try_from((millis + 999) / 1000).unwrap_or(0).max(1)
}

impl Services {
    /// The target of `request`.
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    fn push_target(request: PushRequest) -> ServiceResult<PushTarget> {
        let mut errors = ValidationErrors::new();
        let target = parse_target(request, &mut errors);
        errors.into_result()?;
        target.ok_or_else(|| ServiceError::Validation(ValidationErrors::new()))
    }

    /// Refuses a token push when nothing pushes to the provider (before anything is stored).
    fn ensure_token_push(&self, target: &PushTarget) -> ServiceResult<()> {
        if self.pusher.can_push(target.provider) {
            Ok(())
        } else {
            Err(ServiceError::TokenNotSent(TransportError::NotConfigured))
        }
    }

    /// Pushes the stored `token` to `target`; when the push fails, runs `forget` (the deletion
    /// of the token, a future that does nothing until awaited) so that nothing is left behind.
    async fn push_token(
        &self,
        target: PushTarget,
        token: &str,
        forget: impl Future<Output = StoreResult<bool>>,
    ) -> ServiceResult<()> {
        let push = PushNotification::token(target, token);
        if let Err(e) = self.pusher.push(&push).await {
            forget.await?;
            return Err(ServiceError::TokenNotSent(e));
        }
        Ok(())
    }

    /// Creates a creation token of `space` and pushes it to the app's device; the token is the
    /// app's to register with (`/accounts/with-account-creation-token`). Refused on a space
    /// closed to public registration.
    ///
    /// # Errors
    /// `RegistrationClosed`; `Validation`; `TokenNotSent` when nothing pushes to the provider,
    /// or the push failed (nothing is stored then); `TokenRequestedTooRecently` when a token
    /// was pushed to the device within `account_creation_token_retry`.
    pub async fn send_creation_token_by_push(
        &self,
        space: &Space,
        request: PushRequest,
        origin: Origin,
    ) -> ServiceResult<()> {
        self.ensure_public_registration(space)?;
        let target = Self::push_target(request)?;
        self.ensure_token_push(&target)?;
        let now = self.now();
        if let Some(window) = self.settings.account_creation_token_retry {
            let latest = self
                .storage
                .latest_pushed_creation_token(&space.domain, &target, now - window)
                .await?;
            throttle(latest, window, now)?;
        }
        let token = self
            .storage
            .create_creation_token(
                self.new_creation_token(space, origin, Some(target.clone()), now),
                now,
            )
            .await?;
        let forget = self
            .storage
            .delete_unused_creation_token(&token.token, &space.domain);
        self.push_token(target, &token.token, forget).await
    }

    /// Creates an account recovery token of `space` and pushes it to the app's device, which
    /// opens `/recovery/phone/{token}` with it (until `account_recovery_token_ttl`).
    ///
    /// # Errors
    /// `Validation`; `TokenNotSent` (nothing stored); `TokenRequestedTooRecently` when a token
    /// was pushed to the device within `account_recovery_token_retry`.
    pub async fn send_recovery_token_by_push(
        &self,
        space: &Space,
        request: PushRequest,
        origin: Origin,
    ) -> ServiceResult<()> {
        let target = Self::push_target(request)?;
        self.ensure_token_push(&target)?;
        let now = self.now();
        if let Some(window) = self.settings.account_recovery_token_retry {
            let latest = self
                .storage
                .latest_pushed_account_recovery_token(&space.domain, &target, now - window)
                .await?;
            throttle(latest, window, now)?;
        }
        let token = self
            .storage
            .create_account_recovery_token(
                NewAccountRecoveryToken {
                    token: self.tokens.alphanumeric(ACCOUNT_RECOVERY_TOKEN_LENGTH),
                    domain: space.domain.clone(),
                    pn_provider: Some(target.provider.as_str().to_owned()),
                    pn_param: Some(target.param.as_str().to_owned()),
                    pn_prid: Some(target.prid.as_str().to_owned()),
                    ip: origin.ip,
                    user_agent: origin.user_agent,
                },
                now,
            )
            .await?;
        let forget = self
            .storage
            .delete_unused_account_recovery_token(&token.token, &space.domain);
        self.push_token(target, &token.token, forget).await
    }

    /// A new creation request token of `space`, for a person to validate on its page.
    ///
    /// # Errors
    /// `RegistrationClosed`; storage failures.
    pub async fn create_creation_request_token(
        &self,
        space: &Space,
        origin: Origin,
    ) -> ServiceResult<AccountCreationRequestToken> {
        self.ensure_public_registration(space)?;
        Ok(self
            .storage
            .create_creation_request_token(
                NewAccountCreationRequestToken {
                    token: self.tokens.alphanumeric(CREATION_REQUEST_TOKEN_LENGTH),
                    domain: space.domain.clone(),
                    ip: origin.ip,
                    user_agent: origin.user_agent,
                },
                self.now(),
            )
            .await?)
    }

    /// The unused request token of `space` (what the validation page shows), `None` for an
    /// unknown, used or foreign one.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn pending_creation_request_token(
        &self,
        space: &Space,
        token: &str,
    ) -> ServiceResult<Option<AccountCreationRequestToken>> {
        if token.len() != CREATION_REQUEST_TOKEN_LENGTH {
            return Ok(None);
        }
        Ok(self
            .storage
            .creation_request_token(token, &space.domain)
            .await?
            .filter(|t| !t.used))
    }

    /// Marks the request token of `space` validated (a person passed the page, and its captcha).
    ///
    /// # Errors
    /// `NotFound(AccountCreationRequestToken)` for an unknown, used or foreign token.
    pub async fn validate_creation_request_token(
        &self,
        space: &Space,
        token: &str,
    ) -> ServiceResult<AccountCreationRequestToken> {
        if token.len() != CREATION_REQUEST_TOKEN_LENGTH {
            return Err(ServiceError::NotFound(Entity::AccountCreationRequestToken));
        }
        self.storage
            .validate_creation_request_token(token, &space.domain, self.now())
            .await?
            .ok_or(ServiceError::NotFound(Entity::AccountCreationRequestToken))
    }

    /// Exchanges a validated request token of `space` for a new creation token, once.
    ///
    /// # Errors
    /// `RegistrationClosed`; `Validation` on `account_creation_request_token` when it is
    /// missing, unknown, foreign or used; `NotFound(AccountCreationRequestToken)` when nobody
    /// validated it yet.
    pub async fn exchange_creation_request_token(
        &self,
        space: &Space,
        token: Option<&str>,
        origin: Origin,
    ) -> ServiceResult<AccountCreationToken> {
        self.ensure_public_registration(space)?;
        let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
            return Err(ValidationErrors::single(REQUEST_TOKEN_FIELD, Rule::Required).into());
        };
        let invalid = || {
            ServiceError::from(ValidationErrors::single(
                REQUEST_TOKEN_FIELD,
                Rule::ValidToken,
            ))
        };
        let found = self
            .pending_creation_request_token(space, token)
            .await?
            .ok_or_else(invalid)?;
        if found.validated_at.is_none() {
            return Err(ServiceError::NotFound(Entity::AccountCreationRequestToken));
        }
        let now = self.now();
        // `None` here: a concurrent exchange won the race.
        self.storage
            .exchange_creation_request_token(
                token,
                &space.domain,
                self.new_creation_token(space, origin, None, now),
                now,
            )
            .await?
            .ok_or_else(invalid)
    }

    /// Sends a push of `kind` to a device (`POST /push_notification`, any logged-in user).
    ///
    /// # Errors
    /// `Validation`; `PushNotSent` when nothing pushes to the provider or the push failed.
    pub async fn push_notification(&self, request: NotificationRequest) -> ServiceResult<()> {
        let mut errors = ValidationErrors::new();
        let target = parse_target(request.target, &mut errors);
        let kind = match request.kind.as_deref() {
            None => {
                errors.add("type", Rule::Required);
                None
            }
            Some(raw) => PushKind::parse(raw).or_else(|| {
                errors.add(
                    "type",
                    Rule::OneOf(PushKind::ALL.map(|k| k.as_str().to_owned()).to_vec()),
                );
                None
            }),
        };
        let call_id = match request.call_id.as_deref() {
            None => None,
            Some(raw) => PushCallId::parse(raw).or_else(|| {
                errors.add("call_id", Rule::Format);
                None
            }),
        };
        errors.into_result()?;
        let (Some(target), Some(kind)) = (target, kind) else {
            return Err(ServiceError::Validation(ValidationErrors::new()));
        };
        if !self.pusher.can_push(target.provider) {
            return Err(ServiceError::PushNotSent(TransportError::NotConfigured));
        }
        self.pusher
            .push(&PushNotification {
                target,
                kind,
                payload: Vec::new(),
                call_id,
            })
            .await
            .map_err(ServiceError::PushNotSent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_counts_whole_seconds_left_and_at_least_one() {
        let t = DateTime::<Utc>::UNIX_EPOCH;
        let hour = Duration::minutes(60);
        assert_eq!(retry_after(t, hour, t), 3600);
        assert_eq!(retry_after(t, hour, t + Duration::milliseconds(1500)), 3599);
        assert_eq!(retry_after(t, hour, t + hour), 1);
    }

    #[test]
    fn a_target_needs_every_field_with_the_originals_patterns() {
        let mut errors = ValidationErrors::new();
        assert!(parse_target(PushRequest::default(), &mut errors).is_none());
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["pn_provider", "pn_param", "pn_prid"]);
        let mut errors = ValidationErrors::new();
        let target = parse_target(
            PushRequest {
                pn_provider: Some("apns".into()),
                pn_param: Some("ABCD.org.linphone.phone.voip".into()),
                pn_prid: Some("a1b2:remote".into()),
            },
            &mut errors,
        );
        assert!(errors.0.is_empty());
        assert_eq!(target.map(|t| t.provider), Some(PushProvider::Apns));
    }
}
