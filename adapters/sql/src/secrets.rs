//! Server secrets: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_secrets {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl SecretStore for $storage {
            async fn secret_or_insert(&self, name: &str, candidate: &str) -> StoreResult<String> {
                // The primary key decides a race: the loser's insert fails, and everyone reads
                // the winner's value.
                let inserted = sqlx::query(Self::sql(
                    "INSERT INTO app_secrets (name, value, created_at) VALUES (?, ?, ?)",
                ))
                .bind(name)
                .bind(candidate)
                .bind(ts(Utc::now()))
                .execute(self.writer())
                .await;
                match inserted {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => {}
                    Err(e) => return Err(store_error(e)),
                }
                sqlx::query_scalar(Self::sql("SELECT value FROM app_secrets WHERE name = ?"))
                    .bind(name)
                    .fetch_one(self.writer())
                    .await
                    .map_err(store_error)
            }
        }
    };
}

pub(crate) use impl_secrets;
