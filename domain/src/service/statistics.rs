//! Call and message statistics: what Flexisip's statistics hooks report (admin routes) and each
//! account's call history. Records belong to the request's space: a hook retried there finds its
//! record by id, and listings read only that space's records.

use chrono::{DateTime, Duration, Utc};

use super::accounts::present;
use super::spaces::parse_expiry;
use super::{Entity, ServiceError, ServiceResult, Services};
use crate::model::{
    Account, AccountId, InviteTerminatedState, MAX_STATISTICS_ADDRESS_LENGTH,
    MAX_STATISTICS_ID_LENGTH, Page, Space, StatisticsAddress, StatisticsCall, StatisticsCallDevice,
    StatisticsMessage, StatisticsMessageDevice, is_statistics_id,
};
use crate::validation::{Rule, ValidationErrors};

/// The original's page size for call histories.
pub const STATISTICS_PAGE_SIZE: u64 = 30;
/// The longest `conference_id` kept (its column).
const MAX_CONFERENCE_ID_LENGTH: usize = 255;

/// `POST /statistics/messages`, every field as sent.
#[derive(Debug, Default, Clone)]
pub struct StatisticsMessageInput {
    pub id: Option<String>,
    pub from: Option<String>,
    pub sent_at: Option<String>,
    pub encrypted: Option<bool>,
    pub conference_id: Option<String>,
    /// Fields the adapter could not read (their rule is already recorded).
    pub unreadable: ValidationErrors,
}

/// `PATCH /statistics/messages/{id}/to/{to}/devices/{device}` body.
#[derive(Debug, Default, Clone)]
pub struct StatisticsMessageDeviceInput {
    pub last_status: Option<i64>,
    pub received_at: Option<String>,
    pub unreadable: ValidationErrors,
}

/// `POST /statistics/calls`, every field as sent.
#[derive(Debug, Default, Clone)]
pub struct StatisticsCallInput {
    pub id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub initiated_at: Option<String>,
    pub ended_at: Option<String>,
    pub conference_id: Option<String>,
    pub unreadable: ValidationErrors,
}

/// `PATCH /statistics/calls/{id}/devices/{device}` body (`invite_terminated.at` and `.state`
/// come together or not at all).
#[derive(Debug, Default, Clone)]
pub struct StatisticsCallDeviceInput {
    pub rang_at: Option<String>,
    pub terminated_at: Option<String>,
    pub terminated_state: Option<String>,
    pub unreadable: ValidationErrors,
}

/// An ISO-8601 instant (RFC 3339, or `YYYY-MM-DD HH:MM:SS` / `YYYY-MM-DD` in UTC).
fn instant(
    field: &str,
    raw: Option<String>,
    required: bool,
    errors: &mut ValidationErrors,
) -> Option<DateTime<Utc>> {
    if errors.has(field) {
        return None;
    }
    match present(raw) {
        None => {
            if required {
                errors.add(field, Rule::Required);
            }
            None
        }
        Some(raw) => {
            let at = parse_expiry(&raw);
            if at.is_none() {
                errors.add(field, Rule::Date);
            }
            at
        }
    }
}

/// A hook's id: required, at most 64 characters, no control characters.
fn hook_id(field: &str, raw: Option<String>, errors: &mut ValidationErrors) -> Option<String> {
    if errors.has(field) {
        return None;
    }
    let Some(raw) = present(raw) else {
        errors.add(field, Rule::Required);
        return None;
    };
    if raw.chars().count() > MAX_STATISTICS_ID_LENGTH {
        errors.add(field, Rule::MaxLength(MAX_STATISTICS_ID_LENGTH as u32));
        None
    } else if !is_statistics_id(&raw) {
        errors.add(field, Rule::Format);
        None
    } else {
        Some(raw)
    }
}

/// `username@domain`: required, at most 256 characters.
fn address(
    field: &str,
    raw: Option<String>,
    errors: &mut ValidationErrors,
) -> Option<StatisticsAddress> {
    if errors.has(field) {
        return None;
    }
    let Some(raw) = present(raw) else {
        errors.add(field, Rule::Required);
        return None;
    };
    if raw.chars().count() > MAX_STATISTICS_ADDRESS_LENGTH {
        errors.add(field, Rule::MaxLength(MAX_STATISTICS_ADDRESS_LENGTH as u32));
        return None;
    }
    let parsed = StatisticsAddress::parse(&raw);
    if parsed.is_none() {
        errors.add(field, Rule::Format);
    }
    parsed
}

fn conference_id(raw: Option<String>, errors: &mut ValidationErrors) -> Option<String> {
    let raw = present(raw)?;
    if raw.chars().count() > MAX_CONFERENCE_ID_LENGTH {
        errors.add(
            "conference_id",
            Rule::MaxLength(MAX_CONFERENCE_ID_LENGTH as u32),
        );
        None
    } else if raw.chars().any(char::is_control) {
        errors.add("conference_id", Rule::ForbiddenCharacters);
        None
    } else {
        Some(raw)
    }
}

impl Services {
    /// Records a message in `space`; a message of that id already there stays as it is (a
    /// retried hook). Returns whether it was new.
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    pub async fn record_statistics_message(
        &self,
        space: &Space,
        input: StatisticsMessageInput,
    ) -> ServiceResult<bool> {
        let mut errors = input.unreadable;
        let id = hook_id("id", input.id, &mut errors);
        let from = address("from", input.from, &mut errors);
        let sent_at = instant("sent_at", input.sent_at, true, &mut errors);
        if input.encrypted.is_none() && !errors.has("encrypted") {
            errors.add("encrypted", Rule::Required);
        }
        let conference_id = conference_id(input.conference_id, &mut errors);
        errors.into_result().map_err(ServiceError::Validation)?;
        let (Some(id), Some(from), Some(sent_at), Some(encrypted)) =
            (id, from, sent_at, input.encrypted)
        else {
            return Err(ServiceError::Validation(ValidationErrors::new()));
        };
        let now = self.now();
        Ok(self
            .storage
            .record_statistics_message(&StatisticsMessage {
                space: space.domain.clone(),
                id,
                from,
                sent_at,
                encrypted,
                conference_id,
                devices: Vec::new(),
                created_at: now,
                updated_at: now,
            })
            .await?)
    }

    /// Creates or updates what device `device_id` of recipient `to` reported for message
    /// `message_id` of `space`. Returns the row and whether it was created.
    ///
    /// # Errors
    /// `Validation` (a malformed `to` or `device_id` path segment included);
    /// `NotFound(StatisticsMessage)` when `space` has no such message.
    pub async fn put_statistics_message_device(
        &self,
        space: &Space,
        message_id: &str,
        to: &str,
        device_id: &str,
        input: StatisticsMessageDeviceInput,
    ) -> ServiceResult<(StatisticsMessageDevice, bool)> {
        let mut errors = input.unreadable;
        let to = address("to", Some(to.to_owned()), &mut errors);
        let device_id = hook_id("device_id", Some(device_id.to_owned()), &mut errors);
        if input.last_status.is_none() && !errors.has("last_status") {
            errors.add("last_status", Rule::Required);
        }
        let received_at = instant("received_at", input.received_at, true, &mut errors);
        errors.into_result().map_err(ServiceError::Validation)?;
        let (Some(to), Some(device_id), Some(last_status), Some(received_at)) =
            (to, device_id, input.last_status, received_at)
        else {
            return Err(ServiceError::Validation(ValidationErrors::new()));
        };
        if !is_statistics_id(message_id) {
            return Err(ServiceError::NotFound(Entity::StatisticsMessage));
        }
        let now = self.now();
        let device = StatisticsMessageDevice {
            message_id: message_id.to_owned(),
            to,
            device_id,
            last_status,
            received_at,
            created_at: now,
            updated_at: now,
        };
        self.storage
            .put_statistics_message_device(&space.domain, &device)
            .await
            .map_err(|e| not_found_as(e, Entity::StatisticsMessage))
    }

    /// Records a call in `space`; a call of that id already there stays as it is (a retried
    /// hook). Returns whether it was new.
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    pub async fn record_statistics_call(
        &self,
        space: &Space,
        input: StatisticsCallInput,
    ) -> ServiceResult<bool> {
        let mut errors = input.unreadable;
        let id = hook_id("id", input.id, &mut errors);
        let from = address("from", input.from, &mut errors);
        let to = address("to", input.to, &mut errors);
        let initiated_at = instant("initiated_at", input.initiated_at, true, &mut errors);
        let ended_at = instant("ended_at", input.ended_at, false, &mut errors);
        let conference_id = conference_id(input.conference_id, &mut errors);
        errors.into_result().map_err(ServiceError::Validation)?;
        let (Some(id), Some(from), Some(to), Some(initiated_at)) = (id, from, to, initiated_at)
        else {
            return Err(ServiceError::Validation(ValidationErrors::new()));
        };
        let now = self.now();
        Ok(self
            .storage
            .record_statistics_call(&StatisticsCall {
                space: space.domain.clone(),
                id,
                from,
                to,
                initiated_at,
                ended_at,
                conference_id,
                devices: Vec::new(),
                created_at: now,
                updated_at: now,
            })
            .await?)
    }

    /// Sets when call `call_id` of `space` ended (`ended_at`, required).
    ///
    /// # Errors
    /// `Validation`; `NotFound(StatisticsCall)`.
    pub async fn end_statistics_call(
        &self,
        space: &Space,
        call_id: &str,
        ended_at: Option<String>,
        unreadable: ValidationErrors,
    ) -> ServiceResult<StatisticsCall> {
        let mut errors = unreadable;
        let ended_at = instant("ended_at", ended_at, true, &mut errors);
        errors.into_result().map_err(ServiceError::Validation)?;
        let Some(ended_at) = ended_at else {
            return Err(ServiceError::Validation(ValidationErrors::new()));
        };
        if !is_statistics_id(call_id) {
            return Err(ServiceError::NotFound(Entity::StatisticsCall));
        }
        self.storage
            .end_statistics_call(&space.domain, call_id, ended_at, self.now())
            .await?
            .ok_or(ServiceError::NotFound(Entity::StatisticsCall))
    }

    /// Creates or updates what device `device_id` reported for call `call_id` of `space`;
    /// fields not sent keep what an earlier report stored. Returns the row and whether it was
    /// created.
    ///
    /// # Errors
    /// `Validation`; `NotFound(StatisticsCall)`.
    pub async fn put_statistics_call_device(
        &self,
        space: &Space,
        call_id: &str,
        device_id: &str,
        input: StatisticsCallDeviceInput,
    ) -> ServiceResult<(StatisticsCallDevice, bool)> {
        let mut errors = input.unreadable;
        let device_id = hook_id("device_id", Some(device_id.to_owned()), &mut errors);
        let rang_at = instant("rang_at", input.rang_at, false, &mut errors);
        let at_sent = present(input.terminated_at.clone()).is_some();
        let state_sent = present(input.terminated_state.clone()).is_some();
        // Each of `invite_terminated.at` and `.state` is required with the other.
        let terminated_at = instant(
            "invite_terminated.at",
            input.terminated_at,
            state_sent,
            &mut errors,
        );
        let terminated_state = match present(input.terminated_state) {
            None => {
                if at_sent && !errors.has("invite_terminated.state") {
                    errors.add("invite_terminated.state", Rule::Required);
                }
                None
            }
            Some(raw) => {
                let state = InviteTerminatedState::parse(&raw);
                if state.is_none() {
                    errors.add(
                        "invite_terminated.state",
                        Rule::OneOf(
                            InviteTerminatedState::ALL
                                .iter()
                                .map(|s| s.as_str().to_owned())
                                .collect(),
                        ),
                    );
                }
                state
            }
        };
        errors.into_result().map_err(ServiceError::Validation)?;
        let Some(device_id) = device_id else {
            return Err(ServiceError::Validation(ValidationErrors::new()));
        };
        if !is_statistics_id(call_id) {
            return Err(ServiceError::NotFound(Entity::StatisticsCall));
        }
        let now = self.now();
        let device = StatisticsCallDevice {
            call_id: call_id.to_owned(),
            device_id,
            rang_at,
            invite_terminated: terminated_at.zip(terminated_state),
            created_at: now,
            updated_at: now,
        };
        self.storage
            .put_statistics_call_device(&space.domain, &device)
            .await
            .map_err(|e| not_found_as(e, Entity::StatisticsCall))
    }

    /// The calls from or to `account` recorded in its space, newest first.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn statistics_calls_of(
        &self,
        account: &Account,
        page: u64,
        per_page: u64,
    ) -> ServiceResult<Page<StatisticsCall>> {
        let party = StatisticsAddress::new(account.username.as_str(), account.domain.as_str());
        Ok(self
            .storage
            .statistics_calls_of(&account.domain, &party, page.max(1), per_page.clamp(1, 100))
            .await?)
    }

    /// [`Self::statistics_calls_of`] an account of `space`.
    ///
    /// # Errors
    /// `NotFound(Account)`.
    pub async fn account_statistics_calls(
        &self,
        space: &Space,
        account_id: AccountId,
        page: u64,
        per_page: u64,
    ) -> ServiceResult<Page<StatisticsCall>> {
        let account = self.account_in_space(account_id, space).await?;
        self.statistics_calls_of(&account, page, per_page).await
    }

    /// Deletes the messages sent and calls initiated more than `older_than` ago, in every
    /// space (the command line's `statistics clear`). Returns how many went.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn clear_statistics(&self, older_than: Duration) -> ServiceResult<u64> {
        Ok(self
            .storage
            .clear_statistics(self.now() - older_than)
            .await?)
    }
}

/// A storage `NotFound` names the parent record the write needed.
fn not_found_as(e: crate::error::StoreError, entity: Entity) -> ServiceError {
    match e {
        crate::error::StoreError::NotFound => ServiceError::NotFound(entity),
        e => e.into(),
    }
}
