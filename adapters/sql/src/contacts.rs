//! Contacts: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_contacts {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl ContactRepository for $storage {
            async fn add_contact(
                &self,
                account_id: AccountId,
                contact_id: AccountId,
                now: DateTime<Utc>,
            ) -> StoreResult<bool> {
                self.insert_pair(
                    "INSERT INTO contacts (account_id, contact_id, created_at, updated_at) \
                     VALUES (?, ?, ?, ?)",
                    account_id.0,
                    contact_id.0,
                    now,
                )
                .await
            }

            async fn remove_contact(
                &self,
                account_id: AccountId,
                contact_id: AccountId,
            ) -> StoreResult<bool> {
                self.delete_pair(
                    "DELETE FROM contacts WHERE account_id = ? AND contact_id = ?",
                    account_id.0,
                    contact_id.0,
                )
                .await
            }

            async fn contacts_of(&self, account_id: AccountId) -> StoreResult<Vec<Account>> {
                let mut conn = self.conn().await?;
                let rows: Vec<AccountRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    account_columns!(),
                    " FROM accounts WHERE id IN \
                     (SELECT contact_id FROM contacts WHERE account_id = ?) ORDER BY id"
                )))
                .bind(account_id.0)
                .fetch_all(&mut *conn)
                .await
                .map_err(store_error)?;
                Self::with_passwords(&mut conn, rows).await
            }
        }
    };
}

pub(crate) use impl_contacts;
