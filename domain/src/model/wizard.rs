//! Wizards: one-time links (`/wizard/{token}`) an admin hands out that open a Linphone app on a
//! `sip-linphone:` URI, optionally configuring it with an account's provisioning and asking it to
//! call, show, hang up, accept or decline.

use chrono::{DateTime, Utc};

use super::{AccountId, Domain, SipIdentity};
use crate::validation::Rule;

/// A wizard token's length, as the original's.
pub const WIZARD_TOKEN_LENGTH: usize = 8;

/// What the app is asked to do (`linphone-action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinphoneAction {
    Call,
    Show,
    Bye,
    Accept,
    Decline,
}

impl LinphoneAction {
    pub const ALL: [Self; 5] = [
        Self::Call,
        Self::Show,
        Self::Bye,
        Self::Accept,
        Self::Decline,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Show => "show",
            Self::Bye => "bye",
            Self::Accept => "accept",
            Self::Decline => "decline",
        }
    }

    /// # Errors
    /// `OneOf` the actions.
    pub fn parse(raw: &str) -> Result<Self, Rule> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == raw)
            .ok_or_else(|| Rule::OneOf(Self::ALL.iter().map(|a| a.as_str().into()).collect()))
    }
}

impl std::fmt::Display for LinphoneAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A wizard of one space, made by one of its admins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wizard {
    pub token: String,
    pub domain: Domain,
    /// The admin who made it.
    pub account_id: AccountId,
    /// The account whose provisioning the app fetches, when any.
    pub provisioning_account_id: Option<AccountId>,
    /// The address the action is about (`sip:user@domain`).
    pub sip: Option<SipIdentity>,
    pub linphone_action: Option<LinphoneAction>,
    pub linphone_use_sips: Option<bool>,
    pub used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A wizard to store, its fields validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWizard {
    pub token: String,
    pub domain: Domain,
    pub account_id: AccountId,
    pub provisioning_account_id: Option<AccountId>,
    pub sip: Option<SipIdentity>,
    pub linphone_action: Option<LinphoneAction>,
    pub linphone_use_sips: Option<bool>,
}

/// What `/wizard/{token}` (or `/wizard?sip=…`) opens: the `sip-linphone:` URI's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WizardLink {
    pub sip: Option<SipIdentity>,
    pub action: LinphoneAction,
    /// The provisioning token the app fetches its configuration with.
    pub provisioning_token: Option<String>,
    pub use_sips: bool,
}

/// The longest message `POST /api/messages` hands to linphone-daemon, in bytes.
pub const MAX_SIP_MESSAGE_BODY: u32 = 4096;

/// A SIP MESSAGE to send through linphone-daemon (`POST /api/messages`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSipMessage {
    pub to: SipIdentity,
    /// One line: the daemon's protocol ends a command at a line break.
    pub body: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_parse_by_their_names_only() {
        for action in LinphoneAction::ALL {
            assert_eq!(LinphoneAction::parse(action.as_str()), Ok(action));
        }
        assert!(matches!(LinphoneAction::parse("Call"), Err(Rule::OneOf(v)) if v.len() == 5));
        assert!(LinphoneAction::parse("").is_err());
    }
}
