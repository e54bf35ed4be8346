//! Account types: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_account_types {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl AccountTypeRepository for $storage {
            async fn create_account_type(
                &self,
                domain: &Domain,
                key: &AccountTypeKey,
                now: DateTime<Utc>,
            ) -> StoreResult<AccountType> {
                let now = ts(now);
                let mut conn = self.write_conn().await?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO account_types (domain, \"key\", created_at, updated_at) \
                     VALUES (?, ?, ?, ?)",
                ))
                .bind(domain.as_str())
                .bind(key.as_str())
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut *conn, query).await.map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(Conflict::AccountTypeKey)
                    } else {
                        // No space with that domain.
                        not_found_on_foreign_key(e)
                    }
                })?;
                Ok(AccountType {
                    id: AccountTypeId(id),
                    key: key.clone(),
                })
            }

            async fn list_account_types(&self, domain: &Domain) -> StoreResult<Vec<AccountType>> {
                let rows: Vec<AccountTypeRow> = sqlx::query_as(Self::sql(
                    "SELECT id, \"key\" FROM account_types WHERE domain = ? ORDER BY id",
                ))
                .bind(domain.as_str())
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(AccountType::from).collect())
            }

            async fn account_type(
                &self,
                domain: &Domain,
                id: AccountTypeId,
            ) -> StoreResult<Option<AccountType>> {
                let row: Option<AccountTypeRow> = sqlx::query_as(Self::sql(
                    "SELECT id, \"key\" FROM account_types WHERE id = ? AND domain = ?",
                ))
                .bind(id.0)
                .bind(domain.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(AccountType::from))
            }

            async fn update_account_type(
                &self,
                domain: &Domain,
                id: AccountTypeId,
                key: &AccountTypeKey,
                now: DateTime<Utc>,
            ) -> StoreResult<AccountType> {
                sqlx::query(Self::sql(
                    "UPDATE account_types SET \"key\" = ?, updated_at = ? \
                     WHERE id = ? AND domain = ?",
                ))
                .bind(key.as_str())
                .bind(ts(now))
                .bind(id.0)
                .bind(domain.as_str())
                .execute(self.writer())
                .await
                .map_err(unique_as(Conflict::AccountTypeKey))?;
                // Read back: MySQL reports 0 rows for an update that changed nothing.
                self.account_type(domain, id).await?.ok_or(StoreError::NotFound)
            }

            async fn delete_account_type(
                &self,
                domain: &Domain,
                id: AccountTypeId,
            ) -> StoreResult<bool> {
                // Attachments go by cascade.
                Ok(sqlx::query(Self::sql(
                    "DELETE FROM account_types WHERE id = ? AND domain = ?",
                ))
                .bind(id.0)
                .bind(domain.as_str())
                .execute(self.writer())
                .await
                .map_err(store_error)?
                .rows_affected()
                    > 0)
            }

            async fn attach_account_type(
                &self,
                domain: &Domain,
                account_id: AccountId,
                type_id: AccountTypeId,
                now: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let now = ts(now);
                // Inserts nothing unless the account and the type are both of the space.
                let result = sqlx::query(Self::sql(
                    "INSERT INTO account_account_type \
                     (account_id, account_type_id, created_at, updated_at) \
                     SELECT a.id, t.id, ?, ? FROM accounts a \
                     JOIN account_types t ON t.domain = a.domain \
                     WHERE a.id = ? AND t.id = ? AND a.domain = ?",
                ))
                .bind(now)
                .bind(now)
                .bind(account_id.0)
                .bind(type_id.0)
                .bind(domain.as_str())
                .execute(self.writer())
                .await;
                match result {
                    Ok(done) if done.rows_affected() > 0 => Ok(true),
                    Ok(_) => Err(StoreError::NotFound),
                    Err(e) if is_unique_violation(&e) => Ok(false),
                    Err(e) => Err(not_found_on_foreign_key(e)),
                }
            }

            async fn detach_account_type(
                &self,
                domain: &Domain,
                account_id: AccountId,
                type_id: AccountTypeId,
            ) -> StoreResult<bool> {
                Ok(sqlx::query(Self::sql(
                    "DELETE FROM account_account_type WHERE account_id = ? \
                     AND account_type_id = ? \
                     AND account_type_id IN (SELECT id FROM account_types WHERE domain = ?)",
                ))
                .bind(account_id.0)
                .bind(type_id.0)
                .bind(domain.as_str())
                .execute(self.writer())
                .await
                .map_err(store_error)?
                .rows_affected()
                    > 0)
            }

            async fn types_of(&self, account_id: AccountId) -> StoreResult<Vec<AccountType>> {
                let rows: Vec<AccountTypeRow> = sqlx::query_as(Self::sql(
                    "SELECT t.id, t.\"key\" FROM account_types t \
                     JOIN account_account_type l ON l.account_type_id = t.id \
                     WHERE l.account_id = ? ORDER BY t.id",
                ))
                .bind(account_id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(AccountType::from).collect())
            }
        }
    };
}

pub(crate) use impl_account_types;
