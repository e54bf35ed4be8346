//! Accounts: the rows with their identity and domain indexes, tombstones, and the cascade of
//! an account's deletion.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    Account, AccountChanges, AccountDetails, AccountId, AccountQuery, Domain, Email, NewAccount,
    Page, PhoneNumber, Username,
};
use flexiapi_domain::ports::{AccountRepository, StoreResult};

use crate::{MemoryStorage, Tables};

impl Tables {
    fn identity_key(username: &Username, domain: &Domain) -> (String, String) {
        (username.as_str().to_owned(), domain.as_str().to_owned())
    }

    fn account_id_by_identity(&self, username: &Username, domain: &Domain) -> Option<i64> {
        self.identities
            .get(&Self::identity_key(username, domain))
            .copied()
    }

    /// Stores the account (new, or replacing the row with its id) and keeps the indexes.
    fn put_account(&mut self, account: Account) {
        let id = account.id.0;
        if let Some(old) = self.accounts.get(&id) {
            let key = Self::identity_key(&old.username, &old.domain);
            self.identities.remove(&key);
        }
        self.identities
            .insert(Self::identity_key(&account.username, &account.domain), id);
        self.by_domain
            .entry(account.domain.as_str().to_owned())
            .or_default()
            .insert(id);
        self.accounts.insert(id, account);
    }

    pub(crate) fn delete_account_rows(&mut self, id: i64) {
        if let Some(old) = self.accounts.remove(&id) {
            self.identities
                .remove(&Self::identity_key(&old.username, &old.domain));
            if let Some(ids) = self.by_domain.get_mut(old.domain.as_str()) {
                ids.remove(&id);
            }
        }
        self.api_keys.retain(|_, k| k.account_id.0 != id);
        self.auth_tokens
            .retain(|_, t| t.account_id != Some(AccountId(id)));
        self.dictionary.remove(&id);
        self.provisioning_tokens
            .retain(|_, t| t.account_id != AccountId(id));
        self.creation_tokens
            .retain(|_, t| t.account_id != Some(AccountId(id)));
        self.drop_orphan_request_tokens();
        self.account_type_links.retain(|(a, _)| *a != id);
        self.account_actions
            .retain(|_, a| a.account_id != AccountId(id));
        self.contacts.retain(|(a, c)| *a != id && *c != id);
        self.contacts_list_members
            .retain(|(_, member)| *member != id);
        self.contacts_list_attachments.retain(|(a, _)| *a != id);
        self.email_change_codes
            .retain(|_, c| c.account_id != AccountId(id));
        self.phone_change_codes
            .retain(|_, c| c.account_id != AccountId(id));
        self.recovery_codes.retain(|_, c| c.account_id.0 != id);
        self.reset_password_tokens
            .retain(|_, t| t.account_id.0 != id);
        self.account_recovery_tokens
            .retain(|_, t| t.account_id != Some(AccountId(id)));
        // As the SQL foreign keys: its own forwardings and those to it as a contact go.
        self.call_forwardings
            .retain(|_, f| f.account_id.0 != id && f.contact_id != Some(AccountId(id)));
        self.external_accounts.remove(&id);
        self.voicemails.retain(|_, v| v.account_id.0 != id);
        let voicemails = &self.voicemails;
        self.voicemail_mailing
            .retain(|k, _| voicemails.contains_key(k));
        self.delete_statistics_of_account(id);
        self.wizards.retain(|_, w| {
            w.account_id.0 != id && w.provisioning_account_id != Some(AccountId(id))
        });
        self.vcards.retain(|(a, _), _| *a != id);
        self.carddav_credentials.retain(|(a, _), _| *a != id);
    }
}

fn contains_ci(haystack: Option<&str>, needle: &str) -> bool {
    haystack.is_some_and(|h| h.to_lowercase().contains(needle))
}

#[async_trait]
impl AccountRepository for MemoryStorage {
    async fn create_account(
        &self,
        mut new: NewAccount,
        max_accounts: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Account> {
        let mut t = self.lock();
        if t.account_id_by_identity(&new.username, &new.domain)
            .is_some()
        {
            return Err(StoreError::Conflict(Conflict::AccountIdentity));
        }
        if max_accounts > 0 {
            let count = t
                .by_domain
                .get(new.domain.as_str())
                .map_or(0, BTreeSet::len);
            if count as i64 >= max_accounts {
                return Err(StoreError::SpaceFull);
            }
        }
        let token_id = match &new.creation_token {
            Some(token) => Some(
                t.creation_tokens
                    .iter()
                    .find(|(_, c)| {
                        c.token == *token && c.domain == new.domain && !c.used && !c.is_expired(now)
                    })
                    .map(|(id, _)| *id)
                    .ok_or(StoreError::TokenSpent)?,
            ),
            None => None,
        };
        let id = t.next_id();
        let dictionary = std::mem::take(&mut new.dictionary);
        let account = new.into_account(AccountId(id), now);
        t.put_account(account.clone());
        if !dictionary.is_empty() {
            t.dictionary.insert(id, dictionary);
        }
        if let Some(token) = token_id.and_then(|tid| t.creation_tokens.get_mut(&tid)) {
            token.used = true;
            token.account_id = Some(account.id);
        }
        Ok(account)
    }

    async fn insert_accounts(
        &self,
        accounts: Vec<NewAccount>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut t = self.lock();
        // Check everything first: all or nothing.
        let mut seen = std::collections::HashSet::with_capacity(accounts.len());
        for new in &accounts {
            if !t.spaces.values().any(|s| s.domain == new.domain) {
                return Err(StoreError::NotFound);
            }
            if t.account_id_by_identity(&new.username, &new.domain)
                .is_some()
                || !seen.insert((new.username.as_str(), new.domain.as_str()))
            {
                return Err(StoreError::Conflict(Conflict::AccountIdentity));
            }
        }
        let inserted = accounts.len() as u64;
        for mut new in accounts {
            let id = t.next_id();
            let dictionary = std::mem::take(&mut new.dictionary);
            let account = new.into_account(AccountId(id), now);
            if !dictionary.is_empty() {
                t.dictionary.insert(id, dictionary);
            }
            t.put_account(account);
        }
        Ok(inserted)
    }

    async fn account_by_id(&self, id: AccountId) -> StoreResult<Option<Account>> {
        Ok(self.lock().accounts.get(&id.0).cloned())
    }

    async fn account_by_identity(
        &self,
        username: &Username,
        domain: &Domain,
    ) -> StoreResult<Option<Account>> {
        let t = self.lock();
        Ok(t.account_id_by_identity(username, domain)
            .and_then(|id| t.accounts.get(&id))
            .cloned())
    }

    async fn account_by_email(
        &self,
        domain: &Domain,
        email: &Email,
    ) -> StoreResult<Option<Account>> {
        let t = self.lock();
        Ok(t.by_domain
            .get(domain.as_str())
            .into_iter()
            .flatten()
            .filter_map(|id| t.accounts.get(id))
            .find(|a| a.email.as_ref() == Some(email))
            .cloned())
    }

    async fn account_by_phone(
        &self,
        domain: &Domain,
        phone: &PhoneNumber,
    ) -> StoreResult<Option<Account>> {
        Ok(self
            .lock()
            .accounts
            .values()
            .find(|a| {
                &a.domain == domain
                    && (a.phone.as_ref() == Some(phone) || a.username.as_str() == phone.as_str())
            })
            .cloned())
    }

    async fn list_accounts(&self, query: &AccountQuery) -> StoreResult<Page<Account>> {
        let t = self.lock();
        let needle = query.search.as_deref().map(str::to_lowercase);
        let per_page = query.per_page.max(1);
        let skip = usize::try_from(query.page.saturating_sub(1).saturating_mul(per_page))
            .unwrap_or(usize::MAX);
        let take = usize::try_from(per_page).unwrap_or(usize::MAX);
        let empty = BTreeSet::new();
        let ids = t.by_domain.get(query.domain.as_str()).unwrap_or(&empty);
        let domain_accounts = ids.iter().filter_map(|id| t.accounts.get(id));
        let (total, items) = match &needle {
            // Without a search, the index gives the count and the page directly (the skipped
            // ids are not looked up).
            None => (
                ids.len(),
                ids.iter()
                    .skip(skip)
                    .take(take)
                    .filter_map(|id| t.accounts.get(id))
                    .cloned()
                    .collect(),
            ),
            Some(n) => {
                let matching: Vec<&Account> = domain_accounts
                    .filter(|a| {
                        contains_ci(Some(a.username.as_str()), n)
                            || contains_ci(a.email.as_ref().map(Email::as_str), n)
                            || contains_ci(a.phone.as_ref().map(PhoneNumber::as_str), n)
                    })
                    .collect();
                let items = matching.iter().skip(skip).take(take).map(|a| (*a).clone());
                (matching.len(), items.collect())
            }
        };
        Ok(Page {
            total: total as u64,
            items,
            page: query.page,
            per_page,
        })
    }

    async fn count_accounts(&self, domain: &Domain) -> StoreResult<u64> {
        Ok(self
            .lock()
            .by_domain
            .get(domain.as_str())
            .map_or(0, BTreeSet::len) as u64)
    }

    async fn account_details(
        &self,
        ids: &[AccountId],
    ) -> StoreResult<BTreeMap<AccountId, AccountDetails>> {
        let t = self.lock();
        let mut details: BTreeMap<AccountId, AccountDetails> = ids
            .iter()
            .map(|id| (*id, AccountDetails::default()))
            .collect();
        for (id, d) in &mut details {
            d.dictionary = t.dictionary.get(&id.0).cloned().unwrap_or_default();
            d.types = t
                .account_type_links
                .range((id.0, i64::MIN)..=(id.0, i64::MAX))
                .filter_map(|(_, type_id)| t.account_types.get(type_id).map(|(_, k)| k.clone()))
                .collect();
        }
        for action in t.account_actions.values() {
            if let Some(d) = details.get_mut(&action.account_id) {
                d.actions.push(action.clone());
            }
        }
        // Newest first: the first unused one met is the current one.
        for token in t.provisioning_tokens.values().rev().filter(|p| !p.used) {
            if let Some(d) = details.get_mut(&token.account_id) {
                d.provisioning_token.get_or_insert_with(|| token.clone());
            }
        }
        for code in t.email_change_codes.values().filter(|c| c.is_pending()) {
            if let Some(d) = details.get_mut(&code.account_id) {
                d.has_pending_email_change = true;
            }
        }
        for code in t.phone_change_codes.values().filter(|c| c.is_pending()) {
            if let Some(d) = details.get_mut(&code.account_id) {
                d.has_pending_phone_change = true;
            }
        }
        for (id, d) in &mut details {
            d.has_carddav_credentials = t
                .carddav_credentials
                .range((id.0, i64::MIN)..=(id.0, i64::MAX))
                .next()
                .is_some();
        }
        Ok(details)
    }

    async fn update_account(
        &self,
        id: AccountId,
        changes: AccountChanges,
        now: DateTime<Utc>,
    ) -> StoreResult<Account> {
        let mut t = self.lock();
        let Some(existing) = t.accounts.get(&id.0).cloned() else {
            return Err(StoreError::NotFound);
        };
        if t.account_id_by_identity(&changes.username, &existing.domain)
            .is_some_and(|other| other != id.0)
        {
            return Err(StoreError::Conflict(Conflict::AccountIdentity));
        }
        let updated = Account {
            username: changes.username,
            email: changes.email,
            display_name: changes.display_name,
            activated: changes.activated,
            blocked: changes.blocked,
            admin: changes.admin,
            dtmf_protocol: changes.dtmf_protocol,
            phone: changes.phone,
            user_agent: changes.user_agent,
            passwords: changes.passwords.unwrap_or(existing.passwords.clone()),
            deactivated_at: changes.deactivated_at,
            updated_at: now,
            ..existing
        };
        t.put_account(updated.clone());
        if let Some(dictionary) = changes.dictionary {
            t.dictionary.insert(id.0, dictionary);
        }
        Ok(updated)
    }

    async fn move_account(
        &self,
        id: AccountId,
        username: &Username,
        to: &Domain,
        max_accounts: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut t = self.lock();
        let Some(existing) = t.accounts.get(&id.0).cloned() else {
            return Err(StoreError::NotFound);
        };
        if t.account_id_by_identity(username, to)
            .is_some_and(|other| other != id.0)
        {
            return Err(StoreError::Conflict(Conflict::AccountIdentity));
        }
        let held = t.by_domain.get(to.as_str()).map_or(0, BTreeSet::len) as i64;
        if max_accounts > 0 && &existing.domain != to && held >= max_accounts {
            return Err(StoreError::SpaceFull);
        }
        if let Some(ids) = t.by_domain.get_mut(existing.domain.as_str()) {
            ids.remove(&id.0);
        }
        t.account_type_links.retain(|(a, _)| *a != id.0);
        t.contacts_list_members
            .retain(|(_, member)| *member != id.0);
        t.contacts_list_attachments.retain(|(a, _)| *a != id.0);
        t.put_account(Account {
            username: username.clone(),
            domain: to.clone(),
            updated_at: now,
            ..existing
        });
        Ok(())
    }

    async fn delete_account(&self, id: AccountId, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut t = self.lock();
        let Some(account) = t.accounts.get(&id.0).cloned() else {
            return Ok(false);
        };
        t.tombstones
            .entry((
                account.username.as_str().to_owned(),
                account.domain.as_str().to_owned(),
            ))
            .or_insert(now);
        t.delete_account_rows(id.0);
        Ok(true)
    }

    async fn is_tombstoned(&self, username: &Username, domain: &Domain) -> StoreResult<bool> {
        Ok(self
            .lock()
            .tombstones
            .contains_key(&(username.as_str().to_owned(), domain.as_str().to_owned())))
    }

    async fn add_tombstone(
        &self,
        username: &Username,
        domain: &Domain,
        created_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let key = (username.as_str().to_owned(), domain.as_str().to_owned());
        let mut t = self.lock();
        if t.tombstones.contains_key(&key) {
            return Ok(false);
        }
        t.tombstones.insert(key, created_at);
        Ok(true)
    }

    async fn purge_tombstones(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let len = t.tombstones.len();
        t.tombstones.retain(|_, at| *at >= before);
        Ok((len - t.tombstones.len()) as u64)
    }

    async fn delete_unconfirmed_accounts(
        &self,
        domain: &Domain,
        created_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let mut t = self.lock();
        let unconfirmed: Vec<(i64, (String, String))> = t
            .by_domain
            .get(domain.as_str())
            .into_iter()
            .flatten()
            .filter_map(|id| t.accounts.get(id))
            .filter(|a| !a.activated && a.deactivated_at.is_none() && a.created_at < created_before)
            .map(|a| (a.id.0, Tables::identity_key(&a.username, &a.domain)))
            .collect();
        for (id, identity) in &unconfirmed {
            t.tombstones.entry(identity.clone()).or_insert(now);
            t.delete_account_rows(*id);
        }
        Ok(unconfirmed.len() as u64)
    }
}
