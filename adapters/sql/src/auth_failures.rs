//! Authentication failure budgets: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_auth_failures {
    ($storage:ident, $db:ty) => {
        /// The request path's statement on the pool (see [`crate::dialect::RequestPath`]).
        impl $storage {
            async fn pooled_auth_failures_since(
                &self,
                keys: &[&str],
                since: DateTime<Utc>,
            ) -> StoreResult<Vec<(u64, Option<DateTime<Utc>>)>> {
                if keys.is_empty() {
                    return Ok(Vec::new());
                }
                // Every key's count in one round trip (Digest checks three on each answer).
                let mut builder = sqlx::QueryBuilder::<$db>::new(
                    "SELECT failure_key, COUNT(*), MIN(created_at) FROM auth_failures \
                     WHERE created_at > ",
                );
                builder.push_bind(ts(since));
                builder.push(" AND failure_key IN (");
                let mut list = builder.separated(", ");
                for key in keys {
                    list.push_bind(*key);
                }
                builder.push(") GROUP BY failure_key");
                let rows: Vec<(String, i64, Option<DateTime<Utc>>)> = builder
                    .build_query_as()
                    .fetch_all(&self.pool)
                    .await
                    .map_err(store_error)?;
                Ok(keys
                    .iter()
                    .map(|key| {
                        rows.iter()
                            .find(|(k, _, _)| k == key)
                            .map_or((0, None), |(_, count, oldest)| {
                                ((*count).max(0) as u64, *oldest)
                            })
                    })
                    .collect())
            }
        }

        #[async_trait]
        impl AuthFailureStore for $storage {
            async fn record_auth_failure(&self, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
                sqlx::query(Self::sql(
                    "INSERT INTO auth_failures (failure_key, created_at) VALUES (?, ?)",
                ))
                .bind(key)
                .bind(ts(at))
                .execute(self.writer())
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn auth_failures_since(
                &self,
                keys: &[&str],
                since: DateTime<Utc>,
            ) -> StoreResult<Vec<(u64, Option<DateTime<Utc>>)>> {
                self.request_auth_failures_since(keys, since).await
            }

            async fn purge_auth_failures(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                Ok(
                    sqlx::query(Self::sql("DELETE FROM auth_failures WHERE created_at < ?"))
                        .bind(ts(before))
                        .execute(self.writer())
                        .await
                        .map_err(store_error)?
                        .rows_affected(),
                )
            }
        }
    };
}

pub(crate) use impl_auth_failures;
