//! Deterministic `Clock` and `TokenSource`, and a `Notifier` that records, for tests.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Duration, Utc};

use crate::error::TransportError;
use crate::model::{Email, PhoneNumber};
use crate::ports::{Clock, Letterhead, Notice, Notifier, TokenSource};
use crate::service::Channel;

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Tokens that differ on every call and are predictable in tests.
#[derive(Debug, Default)]
pub struct SequenceTokens(AtomicU64);

impl TokenSource for SequenceTokens {
    fn alphanumeric(&self, len: usize) -> String {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        format!("{n:0>len$}").chars().rev().take(len).collect()
    }

    fn hex(&self, bytes: usize) -> String {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        format!("{n:0>width$x}", width = bytes * 2)
    }
}

/// One message a [`RecordingNotifier`] was asked to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub channel: Channel,
    /// The e-mail address or the phone number.
    pub to: String,
    pub language: String,
    pub notice: Notice,
    /// The letterhead's space name.
    pub space_name: String,
}

impl Sent {
    /// The code the notice carries, if it carries one.
    pub fn code(&self) -> Option<&str> {
        match &self.notice {
            Notice::EmailChangeCode { code, .. }
            | Notice::PhoneChangeCode { code, .. }
            | Notice::RegistrationCode { code, .. }
            | Notice::RecoveryCode { code, .. } => Some(code),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct Recording {
    sent: Vec<Sent>,
    failure: Option<TransportError>,
    can_email: bool,
    can_sms: bool,
}

/// A notifier that keeps what it is asked to send instead of sending it. It can email and SMS
/// until told otherwise, and can be told to fail every send.
#[derive(Debug)]
pub struct RecordingNotifier(Mutex<Recording>);

impl Default for RecordingNotifier {
    fn default() -> Self {
        Self(Mutex::new(Recording {
            sent: Vec::new(),
            failure: None,
            can_email: true,
            can_sms: true,
        }))
    }
}

impl RecordingNotifier {
    fn state(&self) -> std::sync::MutexGuard<'_, Recording> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every send answers `failure` (nothing is recorded); `None`: sends succeed again.
    pub fn fail_with(&self, failure: Option<TransportError>) {
        self.state().failure = failure;
    }

    /// What `can_email` answers.
    pub fn set_can_email(&self, can: bool) {
        self.state().can_email = can;
    }

    /// What `can_sms` answers.
    pub fn set_can_sms(&self, can: bool) {
        self.state().can_sms = can;
    }

    /// What was sent, oldest first.
    pub fn sent(&self) -> Vec<Sent> {
        self.state().sent.clone()
    }

    /// The latest message sent.
    pub fn last(&self) -> Option<Sent> {
        self.state().sent.last().cloned()
    }

    fn record(
        &self,
        channel: Channel,
        letterhead: &Letterhead,
        to: &str,
        language: &str,
        notice: &Notice,
    ) -> Result<(), TransportError> {
        let mut state = self.state();
        if let Some(failure) = &state.failure {
            return Err(failure.clone());
        }
        state.sent.push(Sent {
            channel,
            to: to.to_owned(),
            language: language.to_owned(),
            notice: notice.clone(),
            space_name: letterhead.space_name.clone(),
        });
        Ok(())
    }
}

#[async_trait::async_trait]
impl Notifier for RecordingNotifier {
    fn can_email(&self, _: &Letterhead) -> bool {
        self.state().can_email
    }

    fn can_sms(&self) -> bool {
        self.state().can_sms
    }

    async fn email(
        &self,
        letterhead: &Letterhead,
        to: &Email,
        _to_name: Option<&str>,
        language: &str,
        notice: &Notice,
    ) -> Result<(), TransportError> {
        self.record(Channel::Email, letterhead, to.as_str(), language, notice)
    }

    async fn sms(
        &self,
        letterhead: &Letterhead,
        to: &PhoneNumber,
        language: &str,
        notice: &Notice,
    ) -> Result<(), TransportError> {
        self.record(Channel::Sms, letterhead, to.as_str(), language, notice)
    }
}
