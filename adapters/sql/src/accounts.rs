//! Accounts and their passwords: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_accounts {
    ($storage:ident, $db:ty) => {
        /// The request path's statements on the pool (see [`crate::dialect::RequestPath`]).
        impl $storage {
            async fn pooled_account_by_id(&self, id: AccountId) -> StoreResult<Option<Account>> {
                let mut conn = self.conn().await?;
                Self::account_in(&mut conn, id.0).await
            }

            async fn pooled_account_by_identity(
                &self,
                username: &Username,
                domain: &Domain,
            ) -> StoreResult<Option<Account>> {
                // One query: the account and its passwords (Digest and JWT need both).
                let rows: Vec<AccountPasswordRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    account_password_columns!(),
                    " FROM accounts a LEFT JOIN passwords p ON p.account_id = a.id \
                     WHERE a.username = ? AND a.domain = ? ORDER BY p.algorithm"
                )))
                .bind(username.as_str())
                .bind(domain.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                account_from_joined(rows)
            }

            async fn pooled_account_details(
                &self,
                ids: &[AccountId],
            ) -> StoreResult<BTreeMap<AccountId, AccountDetails>> {
                let mut details: BTreeMap<AccountId, AccountDetails> =
                    ids.iter().map(|id| (*id, AccountDetails::default())).collect();
                if ids.is_empty() {
                    return Ok(details);
                }
                // The four relations and the three markers (pending change codes, CardDAV
                // credentials) in one round trip, as rows of (account, kind, id, a, b).
                let parts: [&'static str; 7] = [
                    "SELECT account_id, 'd' AS kind, id, \"key\" AS a, value AS b \
                     FROM account_dictionary_entries WHERE account_id IN (",
                    ") UNION ALL SELECT l.account_id, 't', t.id, t.\"key\", NULL \
                     FROM account_account_type l \
                     JOIN account_types t ON t.id = l.account_type_id WHERE l.account_id IN (",
                    ") UNION ALL SELECT account_id, 'a', id, \"key\", code \
                     FROM account_actions WHERE account_id IN (",
                    ") UNION ALL SELECT account_id, 'p', id, token, NULL \
                     FROM provisioning_tokens WHERE used = FALSE AND account_id IN (",
                    ") UNION ALL SELECT account_id, 'e', id, '', NULL \
                     FROM email_change_codes WHERE code IS NOT NULL AND account_id IN (",
                    ") UNION ALL SELECT account_id, 'f', id, '', NULL \
                     FROM phone_change_codes WHERE code IS NOT NULL AND account_id IN (",
                    ") UNION ALL SELECT account_id, 'c', space_carddav_server_id, '', NULL \
                     FROM account_carddav_credentials WHERE account_id IN (",
                ];
                let mut builder = sqlx::QueryBuilder::<$db>::new("");
                for part in parts {
                    builder.push(Self::identifiers(part));
                    let mut list = builder.separated(", ");
                    for id in ids {
                        list.push_bind(id.0);
                    }
                }
                builder.push(") ORDER BY 1, 2, 3");
                let rows: Vec<(i64, String, i64, String, Option<String>)> = builder
                    .build_query_as()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                let mut tokens = Vec::new();
                for row in rows {
                    add_detail_row(&mut details, &mut tokens, row);
                }
                // Only accounts with a token pay this second round trip.
                if !tokens.is_empty() {
                    let mut builder = sqlx::QueryBuilder::<$db>::new(concat!(
                        "SELECT ",
                        provisioning_token_columns!(),
                        " FROM provisioning_tokens WHERE id IN ("
                    ));
                    let mut list = builder.separated(", ");
                    for (_, id) in &tokens {
                        list.push_bind(*id);
                    }
                    builder.push(")");
                    let rows: Vec<ProvisioningTokenRow> = builder
                        .build_query_as()
                        .fetch_all(&self.pool)
                        .await
                        .map_err(store_error)?;
                    for token in rows.into_iter().map(ProvisioningToken::from) {
                        if let Some(d) = details.get_mut(&token.account_id) {
                            d.provisioning_token = Some(token);
                        }
                    }
                }
                Ok(details)
            }
        }

        #[async_trait]
        impl AccountRepository for $storage {
            async fn create_account(
                &self,
                new: NewAccount,
                max_accounts: i64,
                now: DateTime<Utc>,
            ) -> StoreResult<Account> {
                let now = ts(now);
                let mut tx = self.write().await?;
                if max_accounts > 0 {
                    // Serializes creations in this space until commit, so the count below
                    // stays true (SQLite: the IMMEDIATE transaction already does).
                    sqlx::query(Self::sql(Self::LOCK_SPACE))
                        .bind(new.domain.as_str())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    let taken: i64 = sqlx::query_scalar(Self::sql(
                        "SELECT COUNT(*) FROM accounts WHERE username = ? AND domain = ?",
                    ))
                    .bind(new.username.as_str())
                    .bind(new.domain.as_str())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(store_error)?;
                    if taken > 0 {
                        return Err(StoreError::Conflict(Conflict::AccountIdentity));
                    }
                    let count = Self::account_count(&mut tx, new.domain.as_str()).await?;
                    if count >= max_accounts {
                        return Err(StoreError::SpaceFull);
                    }
                }
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO accounts (username, domain, email, display_name, activated, \
                     blocked, admin, dtmf_protocol, phone, ip_address, user_agent, created_at, \
                     updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(new.username.as_str())
                .bind(new.domain.as_str())
                .bind(new.email.as_ref().map(Email::as_str))
                .bind(&new.display_name)
                .bind(new.activated)
                .bind(new.blocked)
                .bind(new.admin)
                .bind(new.dtmf_protocol.as_ref().map(DtmfProtocol::as_str))
                .bind(new.phone.as_ref().map(PhoneNumber::as_str))
                .bind(&new.ip_address)
                .bind(&new.user_agent)
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut *tx, query).await.map_err(|e| match &e {
                    sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                        // No space has this domain.
                        StoreError::NotFound
                    }
                    _ => unique_as(Conflict::AccountIdentity)(e),
                })?;
                Self::insert_passwords(&mut tx, id, &new.passwords).await?;
                Self::insert_dictionary(&mut tx, id, &new.dictionary, now).await?;
                if let Some(token) = &new.creation_token {
                    // Spent in the account's transaction: if it is gone, so is the account.
                    let spent = sqlx::query(Self::sql(
                        "UPDATE account_creation_tokens SET used = ?, account_id = ?, \
                         updated_at = ? WHERE token = ? AND domain = ? AND used = ? \
                         AND (expire_at IS NULL OR expire_at > ?)",
                    ))
                    .bind(true)
                    .bind(id)
                    .bind(now)
                    .bind(token)
                    .bind(new.domain.as_str())
                    .bind(false)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?
                    .rows_affected();
                    if spent != 1 {
                        return Err(StoreError::TokenSpent);
                    }
                }
                tx.commit().await.map_err(store_error)?;
                Ok(new.into_account(AccountId(id), now))
            }

            async fn insert_accounts(
                &self,
                accounts: Vec<NewAccount>,
                now: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let now = ts(now);
                let mut tx = self.write().await?;
                // 13 parameters a row: well under every backend's limit per statement.
                for chunk in accounts.chunks(BULK_ROWS) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO accounts (username, domain, email, display_name, \
                         activated, blocked, admin, dtmf_protocol, phone, ip_address, \
                         user_agent, created_at, updated_at) ",
                    );
                    insert.push_values(chunk, |mut row, new| {
                        row.push_bind(new.username.as_str())
                            .push_bind(new.domain.as_str())
                            .push_bind(new.email.as_ref().map(Email::as_str))
                            .push_bind(&new.display_name)
                            .push_bind(new.activated)
                            .push_bind(new.blocked)
                            .push_bind(new.admin)
                            .push_bind(new.dtmf_protocol.as_ref().map(DtmfProtocol::as_str))
                            .push_bind(new.phone.as_ref().map(PhoneNumber::as_str))
                            .push_bind(&new.ip_address)
                            .push_bind(&new.user_agent)
                            .push_bind(now)
                            .push_bind(now);
                    });
                    let on_error = |e: sqlx::Error| match &e {
                        sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                            StoreError::NotFound
                        }
                        _ => unique_as(Conflict::AccountIdentity)(e),
                    };
                    // The ids, by identity: a multi-row insert's rows come back in no
                    // promised order.
                    let rows: Vec<(i64, String, String)> = if Self::RETURNING {
                        insert.push(" RETURNING id, username, domain");
                        insert
                            .build_query_as()
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(on_error)?
                    } else {
                        insert.build().execute(&mut *tx).await.map_err(on_error)?;
                        let mut select = sqlx::QueryBuilder::<$db>::new(
                            "SELECT id, username, domain FROM accounts WHERE username IN (",
                        );
                        let mut list = select.separated(", ");
                        for new in chunk {
                            list.push_bind(new.username.as_str());
                        }
                        select.push(")");
                        select
                            .build_query_as()
                            .fetch_all(&mut *tx)
                            .await
                            .map_err(store_error)?
                    };
                    let ids: std::collections::HashMap<(&str, &str), i64> = rows
                        .iter()
                        .map(|(id, u, d)| ((u.as_str(), d.as_str()), *id))
                        .collect();
                    let id_of = |new: &NewAccount| {
                        ids.get(&(new.username.as_str(), new.domain.as_str()))
                            .copied()
                            .ok_or_else(|| StoreError::Backend("inserted account not found".into()))
                    };
                    let mut passwords = Vec::new();
                    for new in chunk {
                        let id = id_of(new)?;
                        passwords.extend(new.passwords.iter().map(|p| (id, p)));
                    }
                    for rows in passwords.chunks(BULK_ROWS) {
                        let mut insert = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO passwords (account_id, password, algorithm) ",
                        );
                        insert.push_values(rows, |mut row, (id, p)| {
                            row.push_bind(*id)
                                .push_bind(&p.hash)
                                .push_bind(p.algorithm.as_str());
                        });
                        insert.build().execute(&mut *tx).await.map_err(store_error)?;
                    }
                    for new in chunk.iter().filter(|n| !n.dictionary.is_empty()) {
                        Self::insert_dictionary(&mut tx, id_of(new)?, &new.dictionary, now)
                            .await?;
                    }
                }
                tx.commit().await.map_err(store_error)?;
                self.analyze_accounts().await.map_err(store_error)?;
                Ok(accounts.len() as u64)
            }

            async fn account_by_id(&self, id: AccountId) -> StoreResult<Option<Account>> {
                self.request_account_by_id(id).await
            }

            async fn account_by_identity(
                &self,
                username: &Username,
                domain: &Domain,
            ) -> StoreResult<Option<Account>> {
                self.request_account_by_identity(username, domain).await
            }

            async fn account_by_email(
                &self,
                domain: &Domain,
                email: &Email,
            ) -> StoreResult<Option<Account>> {
                let mut conn = self.conn().await?;
                let row: Option<AccountRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    account_columns!(),
                    " FROM accounts WHERE domain = ? AND email = ? ORDER BY id LIMIT 1"
                )))
                .bind(domain.as_str())
                .bind(email.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(store_error)?;
                Self::one_account(&mut conn, row).await
            }

            async fn account_by_phone(
                &self,
                domain: &Domain,
                phone: &PhoneNumber,
            ) -> StoreResult<Option<Account>> {
                let mut conn = self.conn().await?;
                let row: Option<AccountRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    account_columns!(),
                    " FROM accounts WHERE domain = ? AND (phone = ? OR username = ?) \
                     ORDER BY id LIMIT 1"
                )))
                .bind(domain.as_str())
                .bind(phone.as_str())
                .bind(phone.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(store_error)?;
                Self::one_account(&mut conn, row).await
            }

            async fn list_accounts(&self, query: &AccountQuery) -> StoreResult<Page<Account>> {
                let per_page = query.per_page.max(1);
                let offset = query.page.saturating_sub(1).saturating_mul(per_page);
                let pattern = like_pattern(query.search.as_deref());
                let mut conn = self.conn().await?;
                let total = match query.search.as_deref().filter(|s| !s.is_empty()) {
                    // The kept count: counting a million rows per page is not an option.
                    None => Self::account_count(&mut conn, query.domain.as_str()).await?,
                    // A substring search reads every account of the domain anyway.
                    Some(_) => sqlx::query_scalar(Self::sql(concat!(
                        "SELECT COUNT(*) FROM accounts WHERE domain = ? AND ",
                        crate::storage::search_condition!()
                    )))
                    .bind(query.domain.as_str())
                    .bind(&pattern)
                    .bind(&pattern)
                    .bind(&pattern)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(store_error)?,
                };
                let limit = i64::try_from(per_page).unwrap_or(i64::MAX);
                let offset = i64::try_from(offset).unwrap_or(i64::MAX);
                let rows: Vec<AccountRow> = if query.search.as_deref().is_none_or(str::is_empty) {
                    // Without a search, a plain walk of the (domain, id) index: a LIKE '%'
                    // the planner cannot see through made PostgreSQL sort the whole domain.
                    // The page's ids first, from the index alone, then their rows: the OFFSET
                    // skips index entries, not rows fetched and thrown away.
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        account_columns!(a),
                        " FROM accounts a JOIN (SELECT id FROM accounts WHERE domain = ? \
                         ORDER BY id LIMIT ? OFFSET ?) page ON page.id = a.id ORDER BY a.id"
                    )))
                    .bind(query.domain.as_str())
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&mut *conn)
                    .await
                } else {
                    sqlx::query_as(Self::sql(concat!(
                        "SELECT ",
                        account_columns!(),
                        " FROM accounts WHERE domain = ? AND ",
                        crate::storage::search_condition!(),
                        " ORDER BY id LIMIT ? OFFSET ?"
                    )))
                    .bind(query.domain.as_str())
                    .bind(&pattern)
                    .bind(&pattern)
                    .bind(&pattern)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(&mut *conn)
                    .await
                }
                .map_err(store_error)?;
                Ok(Page {
                    items: Self::with_passwords(&mut conn, rows).await?,
                    total: u64::try_from(total).unwrap_or_default(),
                    page: query.page,
                    per_page,
                })
            }

            async fn count_accounts(&self, domain: &Domain) -> StoreResult<u64> {
                let mut conn = self.conn().await?;
                let count = Self::account_count(&mut conn, domain.as_str()).await?;
                Ok(u64::try_from(count).unwrap_or_default())
            }

            async fn account_details(
                &self,
                ids: &[AccountId],
            ) -> StoreResult<BTreeMap<AccountId, AccountDetails>> {
                self.request_account_details(ids).await
            }

            async fn update_account(
                &self,
                id: AccountId,
                changes: AccountChanges,
                now: DateTime<Utc>,
            ) -> StoreResult<Account> {
                let mut tx = self.write().await?;
                let exists: i64 =
                    sqlx::query_scalar(Self::sql("SELECT COUNT(*) FROM accounts WHERE id = ?"))
                        .bind(id.0)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(store_error)?;
                if exists == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query(Self::sql(
                    "UPDATE accounts SET username = ?, email = ?, display_name = ?, \
                     activated = ?, blocked = ?, admin = ?, dtmf_protocol = ?, phone = ?, \
                     user_agent = ?, deactivated_at = ?, updated_at = ? WHERE id = ?",
                ))
                .bind(changes.username.as_str())
                .bind(changes.email.as_ref().map(Email::as_str))
                .bind(&changes.display_name)
                .bind(changes.activated)
                .bind(changes.blocked)
                .bind(changes.admin)
                .bind(changes.dtmf_protocol.as_ref().map(DtmfProtocol::as_str))
                .bind(changes.phone.as_ref().map(PhoneNumber::as_str))
                .bind(&changes.user_agent)
                .bind(changes.deactivated_at.map(ts))
                .bind(ts(now))
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(unique_as(Conflict::AccountIdentity))?;
                if let Some(passwords) = &changes.passwords {
                    sqlx::query(Self::sql("DELETE FROM passwords WHERE account_id = ?"))
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    Self::insert_passwords(&mut tx, id.0, passwords).await?;
                }
                if let Some(dictionary) = &changes.dictionary {
                    sqlx::query(Self::sql(
                        "DELETE FROM account_dictionary_entries WHERE account_id = ?",
                    ))
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                    Self::insert_dictionary(&mut tx, id.0, dictionary, ts(now)).await?;
                }
                let account = Self::account_in(&mut tx, id.0)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                tx.commit().await.map_err(store_error)?;
                Ok(account)
            }

            async fn move_account(
                &self,
                id: AccountId,
                username: &Username,
                to: &Domain,
                max_accounts: i64,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                let mut tx = self.write().await?;
                let from: Option<String> =
                    sqlx::query_scalar(Self::sql("SELECT domain FROM accounts WHERE id = ?"))
                        .bind(id.0)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(store_error)?;
                let Some(from) = from else {
                    return Err(StoreError::NotFound);
                };
                let moves = from != to.as_str();
                if moves {
                    // Serializes with creations in the target space, so the count stays true.
                    sqlx::query(Self::sql(Self::LOCK_SPACE))
                        .bind(to.as_str())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    if max_accounts > 0
                        && Self::account_count(&mut tx, to.as_str()).await? >= max_accounts
                    {
                        return Err(StoreError::SpaceFull);
                    }
                }
                sqlx::query(Self::sql(
                    "UPDATE accounts SET username = ?, domain = ?, updated_at = ? WHERE id = ?",
                ))
                .bind(username.as_str())
                .bind(to.as_str())
                .bind(ts(now))
                .bind(id.0)
                .execute(&mut *tx)
                .await
                .map_err(unique_as(Conflict::AccountIdentity))?;
                if moves {
                    // The counts' triggers see inserts and deletes only.
                    sqlx::query(Self::sql(
                        "UPDATE account_counts SET accounts = accounts - 1 WHERE domain = ?",
                    ))
                    .bind(&from)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                    let counted = sqlx::query(Self::sql(
                        "UPDATE account_counts SET accounts = accounts + 1 WHERE domain = ?",
                    ))
                    .bind(to.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?
                    .rows_affected();
                    if counted == 0 {
                        sqlx::query(Self::sql(
                            "INSERT INTO account_counts (domain, accounts) VALUES (?, 1)",
                        ))
                        .bind(to.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                    }
                    // The old space's resources stay there.
                    for unlink in [
                        "DELETE FROM account_account_type WHERE account_id = ?",
                        "DELETE FROM account_contacts_list WHERE account_id = ?",
                        "DELETE FROM contacts_list_contact WHERE contact_id = ?",
                    ] {
                        sqlx::query(Self::sql(unlink))
                            .bind(id.0)
                            .execute(&mut *tx)
                            .await
                            .map_err(store_error)?;
                    }
                }
                tx.commit().await.map_err(store_error)?;
                Ok(())
            }

            async fn delete_account(&self, id: AccountId, now: DateTime<Utc>) -> StoreResult<bool> {
                let mut tx = self.write().await?;
                let row = sqlx::query(Self::sql(
                    "SELECT username, domain FROM accounts WHERE id = ?",
                ))
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
                let Some(row) = row else {
                    return Ok(false);
                };
                let username: String = row.try_get("username").map_err(store_error)?;
                let domain: String = row.try_get("domain").map_err(store_error)?;
                // Passwords, keys and tokens go by cascade.
                sqlx::query(Self::sql("DELETE FROM accounts WHERE id = ?"))
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                // An older tombstone for the same identity is kept, as its date counts.
                let tombstones: i64 = sqlx::query_scalar(Self::sql(
                    "SELECT COUNT(*) FROM accounts_tombstones WHERE username = ? AND domain = ?",
                ))
                .bind(&username)
                .bind(&domain)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                if tombstones == 0 {
                    sqlx::query(Self::sql(
                        "INSERT INTO accounts_tombstones (username, domain, created_at) \
                         VALUES (?, ?, ?)",
                    ))
                    .bind(&username)
                    .bind(&domain)
                    .bind(ts(now))
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                }
                tx.commit().await.map_err(store_error)?;
                Ok(true)
            }

            async fn is_tombstoned(&self, username: &Username, domain: &Domain) -> StoreResult<bool> {
                let count: i64 = sqlx::query_scalar(Self::sql(
                    "SELECT COUNT(*) FROM accounts_tombstones WHERE username = ? AND domain = ?",
                ))
                .bind(username.as_str())
                .bind(domain.as_str())
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(count > 0)
            }

            async fn add_tombstone(
                &self,
                username: &Username,
                domain: &Domain,
                created_at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                // One statement: the check and the insert cannot be split by another writer.
                let inserted = sqlx::query(Self::sql(
                    "INSERT INTO accounts_tombstones (username, domain, created_at) \
                     SELECT ?, ?, ? FROM (SELECT 1 AS one) AS seed WHERE NOT EXISTS \
                     (SELECT 1 FROM accounts_tombstones WHERE username = ? AND domain = ?)",
                ))
                .bind(username.as_str())
                .bind(domain.as_str())
                .bind(ts(created_at))
                .bind(username.as_str())
                .bind(domain.as_str())
                .execute(self.writer())
                .await
                .map_err(store_error);
                match inserted {
                    Ok(done) => Ok(done.rows_affected() > 0),
                    // Another writer's tombstone won: one is kept, as asked.
                    Err(StoreError::Conflict(_)) => Ok(false),
                    Err(e) => Err(e),
                }
            }

            async fn purge_tombstones(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                Ok(sqlx::query(Self::sql("DELETE FROM accounts_tombstones WHERE created_at < ?"))
                    .bind(ts(before))
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?
                    .rows_affected())
            }

            async fn delete_unconfirmed_accounts(
                &self,
                domain: &Domain,
                created_before: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let mut tx = self.write().await?;
                // Tombstones first, while the accounts are still there to name them; an older
                // tombstone for the same identity is kept, as its date counts.
                sqlx::query(Self::sql(
                    "INSERT INTO accounts_tombstones (username, domain, created_at) \
                     SELECT a.username, a.domain, ? FROM accounts a \
                     WHERE a.domain = ? AND a.activated = ? AND a.deactivated_at IS NULL \
                     AND a.created_at < ? AND NOT EXISTS (SELECT 1 FROM accounts_tombstones t \
                     WHERE t.username = a.username AND t.domain = a.domain)",
                ))
                .bind(ts(now))
                .bind(domain.as_str())
                .bind(false)
                .bind(ts(created_before))
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
                // What belongs to the accounts goes by cascade.
                let deleted = sqlx::query(Self::sql(
                    "DELETE FROM accounts WHERE domain = ? AND activated = ? \
                     AND deactivated_at IS NULL AND created_at < ?",
                ))
                .bind(domain.as_str())
                .bind(false)
                .bind(ts(created_before))
                .execute(&mut *tx)
                .await
                .map_err(store_error)?
                .rows_affected();
                tx.commit().await.map_err(store_error)?;
                Ok(deleted)
            }
        }
    };
}

pub(crate) use impl_accounts;
