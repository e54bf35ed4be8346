//! Contacts lists: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_contacts_lists {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl ContactsListRepository for $storage {
            async fn create_contacts_list(
                &self,
                space_id: SpaceId,
                title: &ContactsListTitle,
                description: Option<&str>,
                now: DateTime<Utc>,
            ) -> StoreResult<ContactsList> {
                let now = ts(now);
                let mut conn = self.write_conn().await?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO contacts_lists (title, description, space_id, created_at, \
                     updated_at) VALUES (?, ?, ?, ?, ?)",
                ))
                .bind(title.as_str())
                .bind(description)
                .bind(space_id.0)
                .bind(now)
                .bind(now);
                let id = Self::insert_id(&mut *conn, query).await.map_err(|e| {
                    if is_unique_violation(&e) {
                        StoreError::Conflict(Conflict::ContactsListTitle)
                    } else {
                        not_found_on_foreign_key(e)
                    }
                })?;
                Ok(ContactsList {
                    id: ContactsListId(id),
                    space_id,
                    title: title.clone(),
                    description: description.map(str::to_owned),
                    contacts_count: 0,
                    created_at: now,
                    updated_at: now,
                })
            }

            async fn contacts_lists_of(&self, space_id: SpaceId) -> StoreResult<Vec<ContactsList>> {
                let rows: Vec<ContactsListRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    contacts_list_columns!(),
                    " FROM contacts_lists l WHERE l.space_id = ? ORDER BY l.id"
                )))
                .bind(space_id.0)
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(rows.into_iter().map(ContactsList::from).collect())
            }

            async fn contacts_list(&self, id: ContactsListId) -> StoreResult<Option<ContactsList>> {
                let row: Option<ContactsListRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    contacts_list_columns!(),
                    " FROM contacts_lists l WHERE l.id = ?"
                )))
                .bind(id.0)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                Ok(row.map(ContactsList::from))
            }

            async fn update_contacts_list(
                &self,
                id: ContactsListId,
                title: &ContactsListTitle,
                description: Option<&str>,
                now: DateTime<Utc>,
            ) -> StoreResult<ContactsList> {
                sqlx::query(Self::sql(
                    "UPDATE contacts_lists SET title = ?, description = ?, updated_at = ? \
                     WHERE id = ?",
                ))
                .bind(title.as_str())
                .bind(description)
                .bind(ts(now))
                .bind(id.0)
                .execute(self.writer())
                .await
                .map_err(unique_as(Conflict::ContactsListTitle))?;
                // Read back: MySQL reports 0 rows for an update that changed nothing.
                self.contacts_list(id).await?.ok_or(StoreError::NotFound)
            }

            async fn delete_contacts_list(&self, id: ContactsListId) -> StoreResult<bool> {
                // Memberships and attachments go by cascade.
                Ok(sqlx::query(Self::sql("DELETE FROM contacts_lists WHERE id = ?"))
                    .bind(id.0)
                    .execute(self.writer())
                    .await
                    .map_err(store_error)?
                    .rows_affected()
                    > 0)
            }

            async fn add_to_contacts_list(
                &self,
                id: ContactsListId,
                contact_id: AccountId,
                now: DateTime<Utc>,
            ) -> StoreResult<bool> {
                self.insert_pair(
                    "INSERT INTO contacts_list_contact \
                     (contacts_list_id, contact_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    id.0,
                    contact_id.0,
                    now,
                )
                .await
            }

            async fn remove_from_contacts_list(
                &self,
                id: ContactsListId,
                contact_id: AccountId,
            ) -> StoreResult<bool> {
                self.delete_pair(
                    "DELETE FROM contacts_list_contact WHERE contacts_list_id = ? AND contact_id = ?",
                    id.0,
                    contact_id.0,
                )
                .await
            }

            async fn attach_contacts_list(
                &self,
                account_id: AccountId,
                id: ContactsListId,
                now: DateTime<Utc>,
            ) -> StoreResult<bool> {
                self.insert_pair(
                    "INSERT INTO account_contacts_list \
                     (account_id, contacts_list_id, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    account_id.0,
                    id.0,
                    now,
                )
                .await
            }

            async fn detach_contacts_list(
                &self,
                account_id: AccountId,
                id: ContactsListId,
            ) -> StoreResult<bool> {
                self.delete_pair(
                    "DELETE FROM account_contacts_list WHERE account_id = ? AND contacts_list_id = ?",
                    account_id.0,
                    id.0,
                )
                .await
            }

            async fn all_contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>> {
                let mut conn = self.conn().await?;
                // `IN` over a `UNION`: each account once, however many ways it is a contact.
                let rows: Vec<AccountRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    account_columns!(),
                    " FROM accounts WHERE id IN \
                     (SELECT contact_id FROM contacts WHERE account_id = ? \
                      UNION \
                      SELECT m.contact_id FROM contacts_list_contact m \
                      JOIN account_contacts_list a ON a.contacts_list_id = m.contacts_list_id \
                      WHERE a.account_id = ?) \
                     ORDER BY id"
                )))
                .bind(account_id.0)
                .bind(account_id.0)
                .fetch_all(&mut *conn)
                .await
                .map_err(store_error)?;
                Self::with_passwords(&mut conn, rows).await
            }
        }
    };
}

pub(crate) use impl_contacts_lists;
