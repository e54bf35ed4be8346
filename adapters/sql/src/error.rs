//! The one translation from `sqlx::Error` to the domain's `StoreError`.
//!
//! Which uniqueness rule broke is decided by the repository method that ran the statement (it
//! knows which unique key the statement can hit), never from constraint names, which only
//! PostgreSQL reports.

use flexiapi_domain::error::{Conflict, StoreError};

/// Maps an error of a statement that can only break the `on_unique` rule.
pub(crate) fn unique_as(on_unique: Conflict) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(on_unique),
        _ => store_error(e),
    }
}

/// Whether the error is a unique violation (the caller then works out which rule broke).
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// The result of an insert that a concurrent twin may have beaten (a retried hook): `false` when
/// the row was already there, a missing parent is `NotFound`.
pub(crate) fn inserted_once<T>(result: Result<T, sqlx::Error>) -> Result<bool, StoreError> {
    match result {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(not_found_on_foreign_key(e)),
    }
}

/// For a write that references an account (or another parent) by id: a missing parent is
/// `NotFound`.
pub(crate) fn not_found_on_foreign_key(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
        _ => store_error(e),
    }
}

/// What an `Unavailable` error's text starts with when the connection itself was lost (a server
/// restart closed it): [`retry_if_connection_lost`] runs such a read again.
const CONNECTION_LOST: &str = "connection lost: ";

/// Whether the statement failed because its connection is gone, not because of the statement.
fn is_connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
        // PostgreSQL class 08 (connection exception) and 57P01-03 (the server shut down).
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

/// Every other error: unreachable database → `Unavailable`, the rest → `Backend`.
pub(crate) fn store_error(e: sqlx::Error) -> StoreError {
    if is_connection_lost(&e) {
        return StoreError::Unavailable(format!("{CONNECTION_LOST}{e}"));
    }
    let unavailable = match &e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Class 40 (deadlock, serialization failure: retrying is the fix) on PostgreSQL and
            // MySQL; SQLite 5/6 (busy/locked beyond the busy timeout).
            code.starts_with("40") || code == "5" || code == "6"
        }),
        _ => false,
    };
    if unavailable {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Backend(e.to_string())
    }
}

/// Runs a read again when its connection turned out to be lost. The server pools do not ping a
/// busy connection before each use (one round trip per statement saved), so after a database
/// restart each pooled connection fails once, and is then closed: the read is made again on the
/// next one, at most once per connection the pool holds, so the request gets a fresh connection
/// instead of an error. Only for reads: a write whose answer was lost may have been applied.
pub(crate) async fn retry_if_connection_lost<T, F, Fut>(read: F) -> Result<T, StoreError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut attempts = 0;
    loop {
        match read().await {
            Err(StoreError::Unavailable(m))
                if m.starts_with(CONNECTION_LOST) && attempts < crate::SERVER_POOL_SIZE =>
            {
                attempts += 1;
                tracing::warn!(error = %m, "a database connection was lost; reading again");
            }
            other => return other,
        }
    }
}

/// A row that does not make a valid entity (edited by hand, or a bug): never a panic.
pub(crate) fn bad_row(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("invalid {what} row: {detail}"))
}
