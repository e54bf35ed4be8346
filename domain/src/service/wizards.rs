//! Wizards (`POST /api/wizard`, `/wizard/{token}`) and SIP messages (`POST /api/messages`).
//!
//! A wizard is made by an admin of the request's space; the account it provisions must be of
//! that space too. Opening it spends it and, when it provisions an account, mints a fresh
//! provisioning token for the app to fetch, as the original's `provision()`.

use super::provisioning::is_kept_in_config;
use super::{Entity, ServiceError, ServiceResult, Services};
use crate::error::{Conflict, StoreError, TransportError};
use crate::model::{
    Account, AccountId, LinphoneAction, MAX_SIP_MESSAGE_BODY, NewWizard, OutgoingSipMessage,
    SipIdentity, Space, WIZARD_TOKEN_LENGTH, Wizard, WizardLink,
};
use crate::validation::{Rule, ValidationErrors};

/// `POST /api/wizard` input, unvalidated.
#[derive(Debug, Clone, Default)]
pub struct WizardInput {
    pub provisioning_account_id: Option<i64>,
    pub sip: Option<String>,
    pub linphone_action: Option<String>,
    pub linphone_use_sips: Option<bool>,
    /// Fields the JSON held with the wrong type, each with the rule it broke.
    pub unreadable: ValidationErrors,
}

/// `POST /api/messages` input, unvalidated.
#[derive(Debug, Clone, Default)]
pub struct SipMessageInput {
    /// `user@domain`, as the original's (`sip:` is added), or `sip:user@domain`.
    pub to: Option<String>,
    pub body: Option<String>,
    pub unreadable: ValidationErrors,
}

/// How many fresh tokens a creation tries before it gives up on a (most unlikely) collision.
const TOKEN_ATTEMPTS: usize = 3;

/// `sip:user@domain`, or the original's `user@domain`.
fn parse_address(raw: &str) -> Option<SipIdentity> {
    let raw = raw.trim();
    if raw.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("sip:"))
        || raw
            .get(..5)
            .is_some_and(|s| s.eq_ignore_ascii_case("sips:"))
    {
        SipIdentity::parse(raw).ok()
    } else {
        SipIdentity::parse_user_at_domain(raw).ok()
    }
}

impl Services {
    /// Makes a wizard of `space` for its admin `admin`.
    ///
    /// # Errors
    /// `Validation`: `provisioning_account_id` not an account of the space, `sip` missing for
    /// `call` or not a SIP URI, `linphone_action` not one of the actions.
    pub async fn create_wizard(
        &self,
        space: &Space,
        admin: &Account,
        input: WizardInput,
    ) -> ServiceResult<Wizard> {
        let mut errors = input.unreadable.clone();
        let skip = |f: &str| input.unreadable.has(f);
        let linphone_action = match input.linphone_action.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => LinphoneAction::parse(raw)
                .map_err(|rule| errors.add("linphone_action", rule))
                .ok(),
        };
        let sip = match input.sip.as_deref().map(str::trim) {
            None | Some("") if skip("sip") => None,
            None | Some("") => {
                if linphone_action == Some(LinphoneAction::Call) {
                    errors.add("sip", Rule::Required);
                }
                None
            }
            Some(raw) => SipIdentity::parse(raw)
                .map_err(|_| errors.add("sip", Rule::SipUri))
                .ok(),
        };
        let provisioning_account = match input.provisioning_account_id {
            None => None,
            Some(id) => match self.account_in_space(AccountId(id), space).await {
                Ok(account) => Some(account),
                Err(ServiceError::NotFound(Entity::Account)) => {
                    errors.add("provisioning_account_id", Rule::Exists);
                    None
                }
                Err(e) => return Err(e),
            },
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        for _ in 0..TOKEN_ATTEMPTS {
            let new = NewWizard {
                token: self.tokens.alphanumeric(WIZARD_TOKEN_LENGTH),
                domain: space.domain.clone(),
                account_id: admin.id,
                provisioning_account_id: provisioning_account.as_ref().map(|a| a.id),
                sip: sip.clone(),
                linphone_action,
                linphone_use_sips: input.linphone_use_sips,
            };
            match self.storage.create_wizard(new, self.now()).await {
                Err(StoreError::Conflict(Conflict::Wizard)) => {}
                other => return Ok(other?),
            }
        }
        Err(ServiceError::Conflict(Conflict::Wizard))
    }

    /// Opens the wizard `token` of `space`: spends it and answers what the app is asked to do.
    /// An unknown, spent or foreign token opens the app on nothing (`show`), as the original's.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn open_wizard(&self, space: &Space, token: &str) -> ServiceResult<WizardLink> {
        let Some(wizard) = self
            .storage
            .use_wizard(token, &space.domain, self.now())
            .await?
        else {
            return Ok(WizardLink {
                sip: None,
                action: LinphoneAction::Show,
                provisioning_token: None,
                use_sips: false,
            });
        };
        let provisioning_token = match wizard.provisioning_account_id {
            None => None,
            Some(id) => match self.account_in_space(id, space).await {
                Ok(account) => Some(
                    self.new_provisioning_token(&account, None, None)
                        .await?
                        .token,
                ),
                Err(ServiceError::NotFound(Entity::Account)) => None,
                Err(e) => return Err(e),
            },
        };
        Ok(WizardLink {
            sip: wizard.sip,
            action: wizard.linphone_action.unwrap_or(LinphoneAction::Show),
            provisioning_token,
            use_sips: wizard.linphone_use_sips.unwrap_or(false),
        })
    }

    /// `/wizard?sip=…&linphone-action=…&linphone-use-sips`: what a link without a token asks;
    /// a value that is not valid is left out, as the original's.
    pub fn wizard_link_from_query(
        sip: Option<&str>,
        action: Option<&str>,
        use_sips: bool,
    ) -> WizardLink {
        WizardLink {
            sip: sip.and_then(|s| SipIdentity::parse(s).ok()),
            action: action
                .and_then(|a| LinphoneAction::parse(a).ok())
                .unwrap_or(LinphoneAction::Show),
            provisioning_token: None,
            use_sips,
        }
    }

    /// Sends a SIP MESSAGE through linphone-daemon for an admin of `space` (`super_admin`:
    /// to any address; otherwise only to addresses of the space, so that one tenant cannot
    /// message another's users from the deployment's account). Returns the message's id.
    ///
    /// # Errors
    /// `NotFound(SipMessages)` when no daemon is configured (before anything else: the route
    /// does not exist then); `Validation` (`to` required, a SIP address, of the space; `body`
    /// required, one line, at most [`MAX_SIP_MESSAGE_BODY`] bytes); `SipMessageRefused` with
    /// the daemon's reason; `SipMessageNotSent` when the daemon cannot be reached.
    pub async fn send_sip_message(
        &self,
        space: &Space,
        super_admin: bool,
        input: SipMessageInput,
    ) -> ServiceResult<String> {
        if !self.sip_messenger.is_configured() {
            return Err(ServiceError::NotFound(Entity::SipMessages));
        }
        let mut errors = input.unreadable.clone();
        let skip = |f: &str| input.unreadable.has(f);
        let to = match input.to.as_deref().map(str::trim) {
            None | Some("") if skip("to") => None,
            None | Some("") => {
                errors.add("to", Rule::Required);
                None
            }
            Some(raw) => match parse_address(raw) {
                None => {
                    errors.add("to", Rule::SipUri);
                    None
                }
                Some(to) if !super_admin && to.domain != space.domain => {
                    errors.add("to", Rule::SpaceAddress);
                    None
                }
                Some(to) => Some(to),
            },
        };
        let body = match input.body {
            None if skip("body") => None,
            None => {
                errors.add("body", Rule::Required);
                None
            }
            Some(body) if body.trim().is_empty() => {
                errors.add("body", Rule::Required);
                None
            }
            // A line break would end the daemon's command and start another one.
            Some(body) if !body.chars().all(is_kept_in_config) => {
                errors.add("body", Rule::ForbiddenCharacters);
                None
            }
            Some(body) if body.len() > MAX_SIP_MESSAGE_BODY as usize => {
                errors.add("body", Rule::MaxLength(MAX_SIP_MESSAGE_BODY));
                None
            }
            Some(body) => Some(body),
        };
        let (Some(to), Some(body), true) = (to, body, errors.is_empty()) else {
            return Err(ServiceError::Validation(errors));
        };
        match self
            .sip_messenger
            .send(&OutgoingSipMessage { to, body })
            .await
        {
            Ok(id) => Ok(id),
            Err(TransportError::Refused(reason)) => Err(ServiceError::SipMessageRefused(reason)),
            Err(TransportError::NotConfigured) => Err(ServiceError::NotFound(Entity::SipMessages)),
            Err(e) => Err(ServiceError::SipMessageNotSent(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_taken_with_or_without_their_scheme() {
        let bare = parse_address("bob@sip.example.org").unwrap();
        assert_eq!(bare.to_string(), "sip:bob@sip.example.org");
        assert_eq!(parse_address("sip:bob@sip.example.org"), Some(bare));
        assert_eq!(parse_address("bob"), None);
        assert_eq!(parse_address("sip:bob@sip.example.org x"), None);
    }

    #[test]
    fn a_link_without_token_keeps_only_valid_values() {
        let link =
            Services::wizard_link_from_query(Some("sip:bob@example.org"), Some("decline"), true);
        assert_eq!(link.action, LinphoneAction::Decline);
        assert!(link.sip.is_some() && link.use_sips);
        let link = Services::wizard_link_from_query(Some("bob"), Some("explode"), false);
        assert_eq!(link.action, LinphoneAction::Show);
        assert!(link.sip.is_none() && !link.use_sips);
    }
}
