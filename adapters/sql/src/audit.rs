//! The audit log: the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_audit {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl AuditRepository for $storage {
            async fn record_audit_event(
                &self,
                event: flexiapi_domain::model::NewAuditEvent,
            ) -> StoreResult<()> {
                sqlx::query(Self::sql(
                    "INSERT INTO audit_events \
                     (actor_id, actor, method, path, subject, status, ip, created_at) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(event.actor_id.0)
                .bind(&event.actor)
                .bind(&event.method)
                .bind(&event.path)
                .bind(&event.subject)
                .bind(i32::from(event.status))
                .bind(&event.ip)
                .bind(ts(event.created_at))
                .execute(self.writer())
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn list_audit_events(
                &self,
                page: u64,
                per_page: u64,
            ) -> StoreResult<Page<flexiapi_domain::model::AuditEvent>> {
                let mut conn = self.conn().await?;
                let total: i64 = sqlx::query_scalar(Self::sql("SELECT COUNT(*) FROM audit_events"))
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(store_error)?;
                let limit = i64::try_from(per_page).unwrap_or(i64::MAX);
                let offset = i64::try_from(page.saturating_sub(1).saturating_mul(per_page))
                    .unwrap_or(i64::MAX);
                // The actor's id is shown only while the account exists.
                let rows: Vec<(
                    i64,
                    Option<i64>,
                    String,
                    String,
                    String,
                    String,
                    i32,
                    String,
                    DateTime<Utc>,
                )> = sqlx::query_as(Self::sql(
                    "SELECT e.id, a.id, e.actor, e.method, e.path, e.subject, e.status, e.ip, \
                         e.created_at FROM audit_events e \
                         LEFT JOIN accounts a ON a.id = e.actor_id \
                         ORDER BY e.id DESC LIMIT ? OFFSET ?",
                ))
                .bind(limit)
                .bind(offset)
                .fetch_all(&mut *conn)
                .await
                .map_err(store_error)?;
                Ok(Page {
                    items: rows
                        .into_iter()
                        .map(
                            |(
                                id,
                                actor_id,
                                actor,
                                method,
                                path,
                                subject,
                                status,
                                ip,
                                created_at,
                            )| {
                                flexiapi_domain::model::AuditEvent {
                                    id,
                                    actor_id: actor_id.map(AccountId),
                                    actor,
                                    method,
                                    path,
                                    subject,
                                    status: u16::try_from(status).unwrap_or_default(),
                                    ip,
                                    created_at,
                                }
                            },
                        )
                        .collect(),
                    total: u64::try_from(total).unwrap_or_default(),
                    page,
                    per_page,
                })
            }
        }
    };
}

pub(crate) use impl_audit;
