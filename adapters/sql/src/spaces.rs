//! Spaces (tenants): the port implementation, written once over the backend type.
//! Expanded per backend by `storage`'s `impl_storage!`, which supplies imports and dialect hooks.

macro_rules! impl_spaces {
    ($storage:ident, $db:ty) => {
        #[async_trait]
        impl SpaceRepository for $storage {
            async fn create_space(&self, new: NewSpace, now: DateTime<Utc>) -> StoreResult<Space> {
                let now = ts(now);
                let settings = to_json(&new.settings)?;
                let jwt = new.jwt.as_ref().map(to_json).transpose()?;
                let mut conn = self.write_conn().await?;
                let query = sqlx::query(Self::insert_sql(
                    "INSERT INTO spaces (domain, host, name, super, max_accounts, expire_at, \
                     digest_realm, digest_default_password_algorithm, settings, jwt, \
                     created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(new.domain.as_str())
                .bind(&new.host)
                .bind(&new.name)
                .bind(new.super_space)
                .bind(new.max_accounts)
                .bind(new.expire_at.map(ts))
                .bind(&new.digest.realm)
                .bind(new.digest.default_password_algorithm.as_str())
                .bind(settings)
                .bind(jwt)
                .bind(now)
                .bind(now);
                let id = match Self::insert_id(&mut *conn, query).await {
                    Ok(id) => id,
                    Err(e) if is_unique_violation(&e) => {
                        drop(conn);
                        return Err(self
                            .space_conflict(-1, new.domain.as_str(), &new.host, &new.name)
                            .await);
                    }
                    Err(e) => return Err(store_error(e)),
                };
                Ok(Space {
                    id: flexiapi_domain::model::SpaceId(id),
                    domain: new.domain,
                    host: new.host,
                    name: new.name,
                    super_space: new.super_space,
                    max_accounts: new.max_accounts,
                    expire_at: new.expire_at.map(ts),
                    digest: new.digest,
                    jwt: new.jwt,
                    settings: new.settings,
                    created_at: now,
                    updated_at: now,
                })
            }

            async fn space_by_domain(&self, domain: &Domain) -> StoreResult<Option<Space>> {
                let row: Option<SpaceRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    space_columns!(),
                    " FROM spaces WHERE domain = ?"
                )))
                .bind(domain.as_str())
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                row.map(Space::try_from).transpose()
            }

            async fn space_by_host(&self, host: &str) -> StoreResult<Option<Space>> {
                let row: Option<SpaceRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    space_columns!(),
                    " FROM spaces WHERE host = ?"
                )))
                .bind(host)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
                row.map(Space::try_from).transpose()
            }

            async fn list_spaces(&self) -> StoreResult<Vec<Space>> {
                let rows: Vec<SpaceRow> = sqlx::query_as(Self::sql(concat!(
                    "SELECT ",
                    space_columns!(),
                    " FROM spaces ORDER BY domain"
                )))
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
                rows.into_iter().map(Space::try_from).collect()
            }

            async fn update_space(&self, space: Space, now: DateTime<Utc>) -> StoreResult<Space> {
                let settings = to_json(&space.settings)?;
                let jwt = space.jwt.as_ref().map(to_json).transpose()?;
                let mut tx = self.write().await?;
                if !space.super_space && Self::is_last_super_space(&mut tx, space.id.0).await? {
                    return Err(StoreError::LastSuperSpace);
                }
                let result = sqlx::query(Self::sql(
                    "UPDATE spaces SET host = ?, name = ?, super = ?, max_accounts = ?, \
                     expire_at = ?, digest_realm = ?, digest_default_password_algorithm = ?, \
                     settings = ?, jwt = ?, updated_at = ? WHERE id = ?",
                ))
                .bind(&space.host)
                .bind(&space.name)
                .bind(space.super_space)
                .bind(space.max_accounts)
                .bind(space.expire_at.map(ts))
                .bind(&space.digest.realm)
                .bind(space.digest.default_password_algorithm.as_str())
                .bind(settings)
                .bind(jwt)
                .bind(ts(now))
                .bind(space.id.0)
                .execute(&mut *tx)
                .await;
                match result {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => {
                        tx.rollback().await.map_err(store_error)?;
                        return Err(self
                            .space_conflict(space.id.0, "", &space.host, &space.name)
                            .await);
                    }
                    Err(e) => return Err(store_error(e)),
                }
                // Read back rather than trusting rows-affected, which MySQL reports as 0 for
                // an update that changed nothing.
                let updated = Self::space_by_id(&mut tx, space.id.0)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                tx.commit().await.map_err(store_error)?;
                Ok(updated)
            }

            async fn delete_space(&self, domain: &Domain) -> StoreResult<bool> {
                let mut tx = self.write().await?;
                let id: Option<i64> =
                    sqlx::query_scalar(Self::sql("SELECT id FROM spaces WHERE domain = ?"))
                        .bind(domain.as_str())
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(store_error)?;
                let Some(id) = id else {
                    return Ok(false);
                };
                if Self::is_last_super_space(&mut tx, id).await? {
                    return Err(StoreError::LastSuperSpace);
                }
                // Accounts first, explicitly: their passwords, keys and tokens go by cascade.
                sqlx::query(Self::sql("DELETE FROM accounts WHERE domain = ?"))
                    .bind(domain.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                // Contacts lists and account types go by cascade with the space.
                let deleted = sqlx::query(Self::sql("DELETE FROM spaces WHERE domain = ?"))
                    .bind(domain.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?
                    .rows_affected();
                tx.commit().await.map_err(store_error)?;
                Ok(deleted > 0)
            }
        }
    };
}

pub(crate) use impl_spaces;
