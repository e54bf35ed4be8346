//! In-memory implementation of every flexiapi port: `--database memory`, and the fast backend of
//! the HTTP tests. One mutex guards all tables, so every operation is trivially atomic (no await
//! happens while it is held).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use flexiapi_domain::error::{Conflict, StoreError};
use flexiapi_domain::model::{
    Account, AccountAction, AccountActionId, AccountChanges, AccountCreationToken,
    AccountCreationTokenId, AccountDetails, AccountId, AccountQuery, AccountType, AccountTypeId,
    ApiKey, ApiKeyId, ApiKeyKind, ApiKeyUsage, AuditEvent, AuthToken, ContactsList, ContactsListId,
    DigestNonce, Domain, NewAccount, NewAccountCreationToken, NewApiKey, NewAuditEvent,
    NewProvisioningToken, NewSpace, PHONE_COUNTRIES, Page, PhoneCountry, ProvisioningToken,
    ProvisioningTokenId, Space, SpaceId, Username,
};
use flexiapi_domain::ports::{
    AccountActionRepository, AccountCreationTokenRepository, AccountRepository,
    AccountTypeRepository, ApiKeyRepository, AuditRepository, AuthFailureStore,
    AuthTokenRepository, ContactRepository, ContactsListRepository, DictionaryRepository,
    NonceStore, PhoneCountryRepository, ProvisioningTokenRepository, SpaceRepository, Storage,
    StoreResult,
};

#[derive(Debug)]
struct Tables {
    next_id: i64,
    spaces: BTreeMap<i64, Space>,
    accounts: BTreeMap<i64, Account>,
    /// (username, domain) to id: the unique identity, as the SQL unique key, so that lookups by
    /// identity do not scan every account.
    identities: HashMap<(String, String), i64>,
    /// Each domain's account ids, in id order: listings and counts do not scan other domains.
    by_domain: HashMap<String, BTreeSet<i64>>,
    tombstones: BTreeMap<(String, String), DateTime<Utc>>,
    api_keys: BTreeMap<i64, ApiKey>,
    nonces: BTreeMap<String, DigestNonce>,
    auth_failures: Vec<(String, DateTime<Utc>)>,
    audit: Vec<AuditEvent>,
    auth_tokens: BTreeMap<String, AuthToken>,
    /// By account id.
    dictionary: BTreeMap<i64, BTreeMap<String, String>>,
    provisioning_tokens: BTreeMap<i64, ProvisioningToken>,
    creation_tokens: BTreeMap<i64, AccountCreationToken>,
    /// By id, with the domain of the space each belongs to.
    account_types: BTreeMap<i64, (Domain, AccountType)>,
    /// (account id, type id).
    account_type_links: BTreeSet<(i64, i64)>,
    account_actions: BTreeMap<i64, AccountAction>,
    /// By code.
    phone_countries: BTreeMap<String, PhoneCountry>,
    /// (account id, contact id).
    contacts: BTreeSet<(i64, i64)>,
    /// By id; `contacts_count` is computed when read.
    contacts_lists: BTreeMap<i64, ContactsList>,
    /// (list id, member account id).
    contacts_list_members: BTreeSet<(i64, i64)>,
    /// (account id, list id).
    contacts_list_attachments: BTreeSet<(i64, i64)>,
}

impl Default for Tables {
    fn default() -> Self {
        Self {
            next_id: 0,
            spaces: BTreeMap::new(),
            accounts: BTreeMap::new(),
            identities: HashMap::new(),
            by_domain: HashMap::new(),
            tombstones: BTreeMap::new(),
            api_keys: BTreeMap::new(),
            nonces: BTreeMap::new(),
            auth_failures: Vec::new(),
            audit: Vec::new(),
            auth_tokens: BTreeMap::new(),
            dictionary: BTreeMap::new(),
            provisioning_tokens: BTreeMap::new(),
            creation_tokens: BTreeMap::new(),
            account_types: BTreeMap::new(),
            account_type_links: BTreeSet::new(),
            account_actions: BTreeMap::new(),
            contacts: BTreeSet::new(),
            contacts_lists: BTreeMap::new(),
            contacts_list_members: BTreeSet::new(),
            contacts_list_attachments: BTreeSet::new(),
            // The seed the SQL migrations insert.
            phone_countries: PHONE_COUNTRIES
                .iter()
                .map(|(code, country_code)| {
                    (
                        (*code).to_owned(),
                        PhoneCountry {
                            code: (*code).to_owned(),
                            country_code: (*country_code).to_owned(),
                            activated: false,
                        },
                    )
                })
                .collect(),
        }
    }
}

impl Tables {
    fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// Whether the type `id` exists and belongs to the space of `domain`.
    fn type_in(&self, domain: &Domain, id: AccountTypeId) -> bool {
        self.account_types
            .get(&id.0)
            .is_some_and(|(d, _)| d == domain)
    }

    /// Whether the space of `domain` is super and no other space is.
    fn is_last_super_space(&self, domain: &Domain) -> bool {
        let mut supers = self.spaces.values().filter(|s| s.super_space);
        supers.next().is_some_and(|s| &s.domain == domain) && supers.next().is_none()
    }

    fn space_conflict(
        &self,
        space_id: Option<SpaceId>,
        domain: &Domain,
        host: &str,
        name: &str,
    ) -> Option<Conflict> {
        self.spaces
            .values()
            .filter(|s| Some(s.id) != space_id)
            .find_map(|s| {
                if &s.domain == domain {
                    Some(Conflict::SpaceDomain)
                } else if s.host == host {
                    Some(Conflict::SpaceHost)
                } else if s.name == name {
                    Some(Conflict::SpaceName)
                } else {
                    None
                }
            })
    }

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

    fn delete_account_rows(&mut self, id: i64) {
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
        self.account_type_links.retain(|(a, _)| *a != id);
        self.account_actions
            .retain(|_, a| a.account_id != AccountId(id));
        self.contacts.retain(|(a, c)| *a != id && *c != id);
        self.contacts_list_members
            .retain(|(_, member)| *member != id);
        self.contacts_list_attachments.retain(|(a, _)| *a != id);
    }

    fn delete_contacts_list_rows(&mut self, id: i64) -> bool {
        self.contacts_list_members.retain(|(list, _)| *list != id);
        self.contacts_list_attachments
            .retain(|(_, list)| *list != id);
        self.contacts_lists.remove(&id).is_some()
    }

    /// The stored list with its current `contacts_count`.
    fn counted(&self, list: &ContactsList) -> ContactsList {
        let members = self
            .contacts_list_members
            .range((list.id.0, i64::MIN)..=(list.id.0, i64::MAX))
            .count();
        ContactsList {
            contacts_count: members as u64,
            ..list.clone()
        }
    }

    fn title_taken(&self, title: &str, except: Option<i64>) -> bool {
        self.contacts_lists
            .values()
            .any(|l| l.title == title && Some(l.id.0) != except)
    }
}

/// Every port, in memory. Cloning is not offered: share it in an `Arc`.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    tables: Mutex<Tables>,
}

impl MemoryStorage {
    fn lock(&self) -> MutexGuard<'_, Tables> {
        // A panic elsewhere while holding the lock cannot leave a half-written row: every
        // operation writes at its end, so the data is still consistent.
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl SpaceRepository for MemoryStorage {
    async fn create_space(&self, new: NewSpace, now: DateTime<Utc>) -> StoreResult<Space> {
        let mut t = self.lock();
        if let Some(c) = t.space_conflict(None, &new.domain, &new.host, &new.name) {
            return Err(StoreError::Conflict(c));
        }
        let id = t.next_id();
        let space = Space {
            id: SpaceId(id),
            domain: new.domain,
            host: new.host,
            name: new.name,
            super_space: new.super_space,
            max_accounts: new.max_accounts,
            expire_at: new.expire_at,
            digest: new.digest,
            jwt: new.jwt,
            settings: new.settings,
            created_at: now,
            updated_at: now,
        };
        t.spaces.insert(id, space.clone());
        Ok(space)
    }

    async fn space_by_domain(&self, domain: &Domain) -> StoreResult<Option<Space>> {
        Ok(self
            .lock()
            .spaces
            .values()
            .find(|s| &s.domain == domain)
            .cloned())
    }

    async fn space_by_host(&self, host: &str) -> StoreResult<Option<Space>> {
        Ok(self
            .lock()
            .spaces
            .values()
            .find(|s| s.host == host)
            .cloned())
    }

    async fn list_spaces(&self) -> StoreResult<Vec<Space>> {
        let mut spaces: Vec<_> = self.lock().spaces.values().cloned().collect();
        spaces.sort_by(|a, b| a.domain.cmp(&b.domain));
        Ok(spaces)
    }

    async fn update_space(&self, space: Space, now: DateTime<Utc>) -> StoreResult<Space> {
        let mut t = self.lock();
        let Some(existing) = t.spaces.get(&space.id.0).cloned() else {
            return Err(StoreError::NotFound);
        };
        if let Some(c) =
            t.space_conflict(Some(space.id), &existing.domain, &space.host, &space.name)
        {
            return Err(StoreError::Conflict(c));
        }
        if existing.super_space && !space.super_space && t.is_last_super_space(&existing.domain) {
            return Err(StoreError::LastSuperSpace);
        }
        let updated = Space {
            domain: existing.domain,
            created_at: existing.created_at,
            updated_at: now,
            ..space
        };
        t.spaces.insert(updated.id.0, updated.clone());
        Ok(updated)
    }

    async fn delete_space(&self, domain: &Domain) -> StoreResult<bool> {
        let mut t = self.lock();
        let Some(id) = t
            .spaces
            .values()
            .find(|s| &s.domain == domain)
            .map(|s| s.id.0)
        else {
            return Ok(false);
        };
        if t.is_last_super_space(domain) {
            return Err(StoreError::LastSuperSpace);
        }
        let account_ids: Vec<i64> = t
            .by_domain
            .remove(domain.as_str())
            .into_iter()
            .flatten()
            .collect();
        for account_id in account_ids {
            t.delete_account_rows(account_id);
        }
        let list_ids: Vec<i64> = t
            .contacts_lists
            .values()
            .filter(|l| l.space_id.0 == id)
            .map(|l| l.id.0)
            .collect();
        for list_id in list_ids {
            t.delete_contacts_list_rows(list_id);
        }
        let type_ids: Vec<i64> = t
            .account_types
            .iter()
            .filter(|(_, (d, _))| d == domain)
            .map(|(id, _)| *id)
            .collect();
        for type_id in type_ids {
            t.account_types.remove(&type_id);
            t.account_type_links.retain(|(_, k)| *k != type_id);
        }
        // Tokens belong to their space, as the SQL foreign keys say.
        t.auth_tokens.retain(|_, tok| &tok.domain != domain);
        t.creation_tokens.retain(|_, tok| &tok.domain != domain);
        t.spaces.remove(&id);
        Ok(true)
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

    async fn account_by_email(&self, domain: &Domain, email: &str) -> StoreResult<Option<Account>> {
        let t = self.lock();
        Ok(t.by_domain
            .get(domain.as_str())
            .into_iter()
            .flatten()
            .filter_map(|id| t.accounts.get(id))
            .find(|a| a.email.as_deref() == Some(email))
            .cloned())
    }

    async fn account_by_phone(&self, domain: &Domain, phone: &str) -> StoreResult<Option<Account>> {
        Ok(self
            .lock()
            .accounts
            .values()
            .find(|a| {
                &a.domain == domain
                    && (a.phone.as_deref() == Some(phone) || a.username.as_str() == phone)
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
            // Without a search, the index gives the count and the page directly.
            None => (
                ids.len(),
                domain_accounts.skip(skip).take(take).cloned().collect(),
            ),
            Some(n) => {
                let matching: Vec<&Account> = domain_accounts
                    .filter(|a| {
                        contains_ci(Some(a.username.as_str()), n)
                            || contains_ci(a.email.as_deref(), n)
                            || contains_ci(a.phone.as_deref(), n)
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

    async fn purge_tombstones(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let len = t.tombstones.len();
        t.tombstones.retain(|_, at| *at >= before);
        Ok((len - t.tombstones.len()) as u64)
    }
}

#[async_trait]
impl ApiKeyRepository for MemoryStorage {
    async fn create_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey> {
        let mut t = self.lock();
        insert_key(&mut t, new)
    }

    async fn replace_user_api_key(&self, new: NewApiKey) -> StoreResult<ApiKey> {
        let mut t = self.lock();
        let account_id = new.account_id;
        t.api_keys.retain(|_, k| {
            !(k.account_id == account_id && matches!(k.kind, ApiKeyKind::User { .. }))
        });
        insert_key(&mut t, new)
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
        Ok(self
            .lock()
            .api_keys
            .values()
            .find(|k| k.key_hash == key_hash)
            .cloned())
    }

    async fn api_keys_of(&self, account_id: AccountId) -> StoreResult<Vec<ApiKey>> {
        Ok(self
            .lock()
            .api_keys
            .values()
            .filter(|k| k.account_id == account_id)
            .cloned()
            .collect())
    }

    async fn delete_api_key(&self, id: ApiKeyId) -> StoreResult<bool> {
        Ok(self.lock().api_keys.remove(&id.0).is_some())
    }

    async fn record_api_key_usage(&self, usage: &[ApiKeyUsage]) -> StoreResult<()> {
        let mut t = self.lock();
        for u in usage {
            if let Some(key) = t.api_keys.get_mut(&u.id.0) {
                key.requests += u.requests;
                key.last_used_at = key.last_used_at.max(u.last_used_at);
            }
        }
        Ok(())
    }

    async fn purge_idle_user_api_keys(&self, idle_since: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let len = t.api_keys.len();
        t.api_keys.retain(|_, k| {
            !(matches!(k.kind, ApiKeyKind::User { .. }) && k.last_used_at < idle_since)
        });
        Ok((len - t.api_keys.len()) as u64)
    }
}

fn insert_key(t: &mut Tables, new: NewApiKey) -> StoreResult<ApiKey> {
    if t.api_keys.values().any(|k| k.key_hash == new.key_hash) {
        return Err(StoreError::Conflict(Conflict::ApiKey));
    }
    let id = t.next_id();
    let key = ApiKey {
        id: ApiKeyId(id),
        account_id: new.account_id,
        key_hash: new.key_hash,
        name: new.name,
        kind: new.kind,
        last_used_at: new.created_at,
        requests: 0,
        created_at: new.created_at,
    };
    t.api_keys.insert(id, key.clone());
    Ok(key)
}

#[async_trait]
impl AuditRepository for MemoryStorage {
    async fn record_audit_event(&self, event: NewAuditEvent) -> StoreResult<()> {
        let mut t = self.lock();
        let id = t.next_id();
        t.audit.push(AuditEvent {
            id,
            actor_id: Some(event.actor_id),
            actor: event.actor,
            method: event.method,
            path: event.path,
            status: event.status,
            ip: event.ip,
            created_at: event.created_at,
        });
        Ok(())
    }

    async fn list_audit_events(&self, page: u64, per_page: u64) -> StoreResult<Page<AuditEvent>> {
        let t = self.lock();
        let skip = page.saturating_sub(1).saturating_mul(per_page);
        let items = t
            .audit
            .iter()
            .rev()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .map(|e| AuditEvent {
                actor_id: e.actor_id.filter(|id| t.accounts.contains_key(&id.0)),
                ..e.clone()
            })
            .collect();
        Ok(Page {
            items,
            total: t.audit.len() as u64,
            page,
            per_page,
        })
    }
}

#[async_trait]
impl AuthFailureStore for MemoryStorage {
    async fn record_auth_failure(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
        self.lock().auth_failures.push((key.to_owned(), at));
        Ok(())
    }

    async fn auth_failures_since(
        &self,
        keys: &[&str],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(u64, Option<DateTime<Utc>>)>> {
        let t = self.lock();
        Ok(keys
            .iter()
            .map(|key| {
                let times = t
                    .auth_failures
                    .iter()
                    .filter(|(k, at)| k == key && *at > since)
                    .map(|(_, at)| *at);
                let (count, oldest) = times.fold((0u64, None), |(n, oldest), at| {
                    (n + 1, Some(oldest.map_or(at, |o: DateTime<Utc>| o.min(at))))
                });
                (count, oldest)
            })
            .collect())
    }

    async fn purge_auth_failures(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let len = t.auth_failures.len();
        t.auth_failures.retain(|(_, at)| *at >= before);
        Ok((len - t.auth_failures.len()) as u64)
    }
}

#[async_trait]
impl NonceStore for MemoryStorage {
    async fn insert_nonce(&self, nonce: DigestNonce) -> StoreResult<()> {
        let mut t = self.lock();
        if t.nonces.contains_key(&nonce.opaque) {
            return Err(StoreError::Conflict(Conflict::Nonce));
        }
        t.nonces.insert(nonce.opaque.clone(), nonce);
        Ok(())
    }

    async fn nonce_by_opaque(&self, opaque: &str) -> StoreResult<Option<DigestNonce>> {
        Ok(self.lock().nonces.get(opaque).cloned())
    }

    async fn advance_nonce(&self, opaque: &str, nc: i64) -> StoreResult<bool> {
        let mut t = self.lock();
        match t.nonces.get_mut(opaque) {
            Some(n) if n.nc < nc => {
                n.nc = nc;
                n.uses += 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete_nonce(&self, opaque: &str) -> StoreResult<()> {
        self.lock().nonces.remove(opaque);
        Ok(())
    }

    async fn purge_nonces(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let len = t.nonces.len();
        t.nonces.retain(|_, n| n.created_at >= before);
        Ok((len - t.nonces.len()) as u64)
    }
}

#[async_trait]
impl AuthTokenRepository for MemoryStorage {
    async fn create_auth_token(&self, token: AuthToken) -> StoreResult<()> {
        let mut t = self.lock();
        if t.auth_tokens.contains_key(&token.token) {
            return Err(StoreError::Conflict(Conflict::AuthToken));
        }
        if !t.spaces.values().any(|s| s.domain == token.domain) {
            return Err(StoreError::NotFound);
        }
        t.auth_tokens.insert(token.token.clone(), token);
        Ok(())
    }

    async fn auth_token(&self, token: &str, domain: &Domain) -> StoreResult<Option<AuthToken>> {
        Ok(self
            .lock()
            .auth_tokens
            .get(token)
            .filter(|tok| &tok.domain == domain)
            .cloned())
    }

    async fn attach_auth_token(
        &self,
        token: &str,
        domain: &Domain,
        account_id: AccountId,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        match t.auth_tokens.get_mut(token) {
            Some(tok) if &tok.domain == domain && tok.account_id.is_none() => {
                tok.account_id = Some(account_id);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn take_attached_auth_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AuthToken>> {
        let mut t = self.lock();
        if t.auth_tokens
            .get(token)
            .is_some_and(|tok| &tok.domain == domain && tok.account_id.is_some())
        {
            Ok(t.auth_tokens.remove(token))
        } else {
            Ok(None)
        }
    }

    async fn purge_auth_tokens(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut t = self.lock();
        let len = t.auth_tokens.len();
        t.auth_tokens.retain(|_, tok| tok.created_at >= before);
        Ok((len - t.auth_tokens.len()) as u64)
    }
}

#[async_trait]
impl DictionaryRepository for MemoryStorage {
    async fn dictionary_of(&self, account_id: AccountId) -> StoreResult<BTreeMap<String, String>> {
        Ok(self
            .lock()
            .dictionary
            .get(&account_id.0)
            .cloned()
            .unwrap_or_default())
    }

    async fn set_dictionary_entry(
        &self,
        account_id: AccountId,
        key: &str,
        value: &str,
        _now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account_id.0) {
            return Err(StoreError::NotFound);
        }
        t.dictionary
            .entry(account_id.0)
            .or_default()
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    async fn delete_dictionary_entry(&self, account_id: AccountId, key: &str) -> StoreResult<bool> {
        Ok(self
            .lock()
            .dictionary
            .get_mut(&account_id.0)
            .is_some_and(|d| d.remove(key).is_some()))
    }

    async fn clear_dictionary(&self, account_id: AccountId) -> StoreResult<u64> {
        Ok(self
            .lock()
            .dictionary
            .remove(&account_id.0)
            .map_or(0, |d| d.len() as u64))
    }
}

#[async_trait]
impl ProvisioningTokenRepository for MemoryStorage {
    async fn create_provisioning_token(
        &self,
        new: NewProvisioningToken,
        now: DateTime<Utc>,
    ) -> StoreResult<ProvisioningToken> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&new.account_id.0) {
            return Err(StoreError::NotFound);
        }
        if t.provisioning_tokens.values().any(|p| p.token == new.token) {
            return Err(StoreError::Conflict(Conflict::ProvisioningToken));
        }
        for p in t.provisioning_tokens.values_mut() {
            if p.account_id == new.account_id {
                p.used = true;
            }
        }
        let id = t.next_id();
        let token = ProvisioningToken {
            id: ProvisioningTokenId(id),
            account_id: new.account_id,
            token: new.token,
            used: false,
            ip: new.ip,
            user_agent: new.user_agent,
            created_at: now,
        };
        t.provisioning_tokens.insert(id, token.clone());
        Ok(token)
    }

    async fn current_provisioning_token(
        &self,
        account_id: AccountId,
    ) -> StoreResult<Option<ProvisioningToken>> {
        Ok(self
            .lock()
            .provisioning_tokens
            .values()
            .rev()
            .find(|p| p.account_id == account_id && !p.used)
            .cloned())
    }

    async fn provisioning_token(&self, token: &str) -> StoreResult<Option<ProvisioningToken>> {
        Ok(self
            .lock()
            .provisioning_tokens
            .values()
            .find(|p| p.token == token)
            .cloned())
    }

    async fn use_provisioning_token(
        &self,
        token: &str,
        issued_after: Option<DateTime<Utc>>,
    ) -> StoreResult<Option<ProvisioningToken>> {
        let mut t = self.lock();
        Ok(t.provisioning_tokens
            .values_mut()
            .find(|p| {
                p.token == token && !p.used && issued_after.is_none_or(|after| p.created_at > after)
            })
            .map(|p| {
                p.used = true;
                p.clone()
            }))
    }
}

#[async_trait]
impl AccountCreationTokenRepository for MemoryStorage {
    async fn create_creation_token(
        &self,
        new: NewAccountCreationToken,
        now: DateTime<Utc>,
    ) -> StoreResult<AccountCreationToken> {
        let mut t = self.lock();
        if t.creation_tokens.values().any(|c| c.token == new.token) {
            return Err(StoreError::Conflict(Conflict::AccountCreationToken));
        }
        if !t.spaces.values().any(|s| s.domain == new.domain) {
            return Err(StoreError::NotFound);
        }
        let id = t.next_id();
        let token = AccountCreationToken {
            id: AccountCreationTokenId(id),
            token: new.token,
            domain: new.domain,
            used: false,
            account_id: None,
            ip: new.ip,
            user_agent: new.user_agent,
            created_at: now,
            expire_at: new.expire_at,
        };
        t.creation_tokens.insert(id, token.clone());
        Ok(token)
    }

    async fn creation_token(
        &self,
        token: &str,
        domain: &Domain,
    ) -> StoreResult<Option<AccountCreationToken>> {
        Ok(self
            .lock()
            .creation_tokens
            .values()
            .find(|c| c.token == token && &c.domain == domain)
            .cloned())
    }

    async fn spend_creation_token(
        &self,
        token: &str,
        domain: &Domain,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountCreationToken>> {
        let mut t = self.lock();
        Ok(t.creation_tokens
            .values_mut()
            .find(|c| c.token == token && &c.domain == domain && !c.used && !c.is_expired(now))
            .map(|c| {
                c.used = true;
                c.clone()
            }))
    }

    async fn consume_creation_token(
        &self,
        token: &str,
        domain: &Domain,
        account_id: AccountId,
    ) -> StoreResult<Option<AccountCreationToken>> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account_id.0) {
            return Err(StoreError::NotFound);
        }
        Ok(t.creation_tokens
            .values_mut()
            .find(|c| c.token == token && &c.domain == domain && !c.used && c.account_id.is_none())
            .map(|c| {
                c.used = true;
                c.account_id = Some(account_id);
                c.clone()
            }))
    }
}

#[async_trait]
impl AccountTypeRepository for MemoryStorage {
    async fn create_account_type(
        &self,
        domain: &Domain,
        key: &str,
        _now: DateTime<Utc>,
    ) -> StoreResult<AccountType> {
        let mut t = self.lock();
        if !t.spaces.values().any(|s| &s.domain == domain) {
            return Err(StoreError::NotFound);
        }
        if t.account_types
            .values()
            .any(|(d, a)| d == domain && a.key == key)
        {
            return Err(StoreError::Conflict(Conflict::AccountTypeKey));
        }
        let id = t.next_id();
        let account_type = AccountType {
            id: AccountTypeId(id),
            key: key.to_owned(),
        };
        t.account_types
            .insert(id, (domain.clone(), account_type.clone()));
        Ok(account_type)
    }

    async fn list_account_types(&self, domain: &Domain) -> StoreResult<Vec<AccountType>> {
        Ok(self
            .lock()
            .account_types
            .values()
            .filter(|(d, _)| d == domain)
            .map(|(_, a)| a.clone())
            .collect())
    }

    async fn account_type(
        &self,
        domain: &Domain,
        id: AccountTypeId,
    ) -> StoreResult<Option<AccountType>> {
        Ok(self
            .lock()
            .account_types
            .get(&id.0)
            .filter(|(d, _)| d == domain)
            .map(|(_, a)| a.clone()))
    }

    async fn update_account_type(
        &self,
        domain: &Domain,
        id: AccountTypeId,
        key: &str,
        _now: DateTime<Utc>,
    ) -> StoreResult<AccountType> {
        let mut t = self.lock();
        if !t.type_in(domain, id) {
            return Err(StoreError::NotFound);
        }
        if t.account_types
            .values()
            .any(|(d, a)| d == domain && a.id != id && a.key == key)
        {
            return Err(StoreError::Conflict(Conflict::AccountTypeKey));
        }
        let updated = AccountType {
            id,
            key: key.to_owned(),
        };
        t.account_types
            .insert(id.0, (domain.clone(), updated.clone()));
        Ok(updated)
    }

    async fn delete_account_type(&self, domain: &Domain, id: AccountTypeId) -> StoreResult<bool> {
        let mut t = self.lock();
        if !t.type_in(domain, id) {
            return Ok(false);
        }
        t.account_type_links.retain(|(_, type_id)| *type_id != id.0);
        Ok(t.account_types.remove(&id.0).is_some())
    }

    async fn attach_account_type(
        &self,
        domain: &Domain,
        account_id: AccountId,
        type_id: AccountTypeId,
        _now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        let account_there = t
            .accounts
            .get(&account_id.0)
            .is_some_and(|a| &a.domain == domain);
        let type_there = t.type_in(domain, type_id);
        if !account_there || !type_there {
            return Err(StoreError::NotFound);
        }
        Ok(t.account_type_links.insert((account_id.0, type_id.0)))
    }

    async fn detach_account_type(
        &self,
        domain: &Domain,
        account_id: AccountId,
        type_id: AccountTypeId,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if !t.type_in(domain, type_id) {
            return Ok(false);
        }
        Ok(t.account_type_links.remove(&(account_id.0, type_id.0)))
    }

    async fn types_of(&self, account_id: AccountId) -> StoreResult<Vec<AccountType>> {
        let t = self.lock();
        Ok(t.account_type_links
            .range((account_id.0, i64::MIN)..=(account_id.0, i64::MAX))
            .filter_map(|(_, type_id)| t.account_types.get(type_id).map(|(_, a)| a.clone()))
            .collect())
    }
}

#[async_trait]
impl AccountActionRepository for MemoryStorage {
    async fn create_account_action(
        &self,
        account_id: AccountId,
        key: &str,
        code: &str,
        _now: DateTime<Utc>,
    ) -> StoreResult<AccountAction> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account_id.0) {
            return Err(StoreError::NotFound);
        }
        let id = t.next_id();
        let action = AccountAction {
            id: AccountActionId(id),
            account_id,
            key: key.to_owned(),
            code: code.to_owned(),
        };
        t.account_actions.insert(id, action.clone());
        Ok(action)
    }

    async fn account_actions(&self, account_id: AccountId) -> StoreResult<Vec<AccountAction>> {
        Ok(self
            .lock()
            .account_actions
            .values()
            .filter(|a| a.account_id == account_id)
            .cloned()
            .collect())
    }

    async fn account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
    ) -> StoreResult<Option<AccountAction>> {
        Ok(self
            .lock()
            .account_actions
            .get(&id.0)
            .filter(|a| a.account_id == account_id)
            .cloned())
    }

    async fn update_account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
        key: &str,
        code: &str,
        _now: DateTime<Utc>,
    ) -> StoreResult<AccountAction> {
        let mut t = self.lock();
        match t.account_actions.get_mut(&id.0) {
            Some(a) if a.account_id == account_id => {
                a.key = key.to_owned();
                a.code = code.to_owned();
                Ok(a.clone())
            }
            _ => Err(StoreError::NotFound),
        }
    }

    async fn delete_account_action(
        &self,
        account_id: AccountId,
        id: AccountActionId,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if t.account_actions
            .get(&id.0)
            .is_some_and(|a| a.account_id == account_id)
        {
            t.account_actions.remove(&id.0);
            Ok(true)
        } else {
            Ok(false)
        }
    }
}

#[async_trait]
impl PhoneCountryRepository for MemoryStorage {
    async fn list_phone_countries(&self) -> StoreResult<Vec<PhoneCountry>> {
        Ok(self.lock().phone_countries.values().cloned().collect())
    }

    async fn phone_country(&self, code: &str) -> StoreResult<Option<PhoneCountry>> {
        Ok(self.lock().phone_countries.get(code).cloned())
    }

    async fn set_phone_countries_activated(
        &self,
        country_code: &str,
        activated: bool,
    ) -> StoreResult<u64> {
        let mut t = self.lock();
        let mut count = 0;
        for c in t.phone_countries.values_mut() {
            if c.country_code == country_code {
                c.activated = activated;
                count += 1;
            }
        }
        Ok(count)
    }
}

#[async_trait]
impl ContactRepository for MemoryStorage {
    async fn add_contact(
        &self,
        account_id: AccountId,
        contact_id: AccountId,
        _now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account_id.0) || !t.accounts.contains_key(&contact_id.0) {
            return Err(StoreError::NotFound);
        }
        Ok(t.contacts.insert((account_id.0, contact_id.0)))
    }

    async fn remove_contact(
        &self,
        account_id: AccountId,
        contact_id: AccountId,
    ) -> StoreResult<bool> {
        Ok(self.lock().contacts.remove(&(account_id.0, contact_id.0)))
    }

    async fn contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>> {
        let t = self.lock();
        Ok(t.contacts
            .range((account_id.0, i64::MIN)..=(account_id.0, i64::MAX))
            .filter_map(|(_, contact)| t.accounts.get(contact).cloned())
            .collect())
    }
}

#[async_trait]
impl ContactsListRepository for MemoryStorage {
    async fn create_contacts_list(
        &self,
        space_id: SpaceId,
        title: &str,
        description: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<ContactsList> {
        let mut t = self.lock();
        if !t.spaces.contains_key(&space_id.0) {
            return Err(StoreError::NotFound);
        }
        if t.title_taken(title, None) {
            return Err(StoreError::Conflict(Conflict::ContactsListTitle));
        }
        let id = t.next_id();
        let list = ContactsList {
            id: ContactsListId(id),
            space_id,
            title: title.to_owned(),
            description: description.map(str::to_owned),
            contacts_count: 0,
            created_at: now,
            updated_at: now,
        };
        t.contacts_lists.insert(id, list.clone());
        Ok(list)
    }

    async fn contacts_lists_of(&self, space_id: SpaceId) -> StoreResult<Vec<ContactsList>> {
        let t = self.lock();
        Ok(t.contacts_lists
            .values()
            .filter(|l| l.space_id == space_id)
            .map(|l| t.counted(l))
            .collect())
    }

    async fn contacts_list(&self, id: ContactsListId) -> StoreResult<Option<ContactsList>> {
        let t = self.lock();
        Ok(t.contacts_lists.get(&id.0).map(|l| t.counted(l)))
    }

    async fn update_contacts_list(
        &self,
        id: ContactsListId,
        title: &str,
        description: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<ContactsList> {
        let mut t = self.lock();
        let Some(existing) = t.contacts_lists.get(&id.0).cloned() else {
            return Err(StoreError::NotFound);
        };
        if t.title_taken(title, Some(id.0)) {
            return Err(StoreError::Conflict(Conflict::ContactsListTitle));
        }
        let updated = ContactsList {
            title: title.to_owned(),
            description: description.map(str::to_owned),
            updated_at: now,
            ..existing
        };
        t.contacts_lists.insert(id.0, updated.clone());
        Ok(t.counted(&updated))
    }

    async fn delete_contacts_list(&self, id: ContactsListId) -> StoreResult<bool> {
        Ok(self.lock().delete_contacts_list_rows(id.0))
    }

    async fn add_to_contacts_list(
        &self,
        id: ContactsListId,
        contact_id: AccountId,
        _now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if !t.contacts_lists.contains_key(&id.0) || !t.accounts.contains_key(&contact_id.0) {
            return Err(StoreError::NotFound);
        }
        Ok(t.contacts_list_members.insert((id.0, contact_id.0)))
    }

    async fn remove_from_contacts_list(
        &self,
        id: ContactsListId,
        contact_id: AccountId,
    ) -> StoreResult<bool> {
        Ok(self
            .lock()
            .contacts_list_members
            .remove(&(id.0, contact_id.0)))
    }

    async fn attach_contacts_list(
        &self,
        account_id: AccountId,
        id: ContactsListId,
        _now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut t = self.lock();
        if !t.accounts.contains_key(&account_id.0) || !t.contacts_lists.contains_key(&id.0) {
            return Err(StoreError::NotFound);
        }
        Ok(t.contacts_list_attachments.insert((account_id.0, id.0)))
    }

    async fn detach_contacts_list(
        &self,
        account_id: AccountId,
        id: ContactsListId,
    ) -> StoreResult<bool> {
        Ok(self
            .lock()
            .contacts_list_attachments
            .remove(&(account_id.0, id.0)))
    }

    async fn all_contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>> {
        let t = self.lock();
        let mine = (account_id.0, i64::MIN)..=(account_id.0, i64::MAX);
        let direct = t.contacts.range(mine.clone()).map(|(_, contact)| *contact);
        let listed = t
            .contacts_list_attachments
            .range(mine)
            .flat_map(|(_, list)| {
                t.contacts_list_members
                    .range((*list, i64::MIN)..=(*list, i64::MAX))
                    .map(|(_, member)| *member)
            });
        // A set: each contact once, in id order.
        let ids: BTreeSet<i64> = direct.chain(listed).collect();
        Ok(ids
            .iter()
            .filter_map(|id| t.accounts.get(id).cloned())
            .collect())
    }
}

#[async_trait]
impl Storage for MemoryStorage {
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}
