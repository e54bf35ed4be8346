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
                let mut conn = self.conn().await?;
                let mut out = Vec::with_capacity(keys.len());
                for key in keys {
                    let (count, oldest): (i64, Option<DateTime<Utc>>) = sqlx::query_as(Self::sql(
                        "SELECT COUNT(*), MIN(created_at) FROM auth_failures \
                             WHERE failure_key = ? AND created_at > ?",
                    ))
                    .bind(*key)
                    .bind(ts(since))
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(store_error)?;
                    out.push((count.max(0) as u64, oldest));
                }
                Ok(out)
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
