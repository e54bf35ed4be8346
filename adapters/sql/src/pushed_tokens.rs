//! What creation and recovery tokens share as tokens pushed to a device (migration 0029): the
//! send-by-push throttle's lookup and the deletion of a token whose push failed. Expression
//! macros (`#[async_trait]` rewrites the methods before a macro in item position would expand),
//! used in each repository's methods with the table's name.

/// The newest `created_at` at or after `since` of a token of `domain` pushed to `target`.
macro_rules! latest_pushed {
    ($storage:expr, $table:literal, $domain:expr, $target:expr, $since:expr) => {{
        let latest: Option<DateTime<Utc>> = sqlx::query_scalar(Self::sql(concat!(
            "SELECT MAX(created_at) FROM ",
            $table,
            " WHERE pn_provider = ? AND pn_param = ? AND pn_prid = ? \
             AND domain = ? AND created_at >= ?"
        )))
        .bind($target.provider.as_str())
        .bind($target.param.as_str())
        .bind($target.prid.as_str())
        .bind($domain.as_str())
        .bind(ts($since))
        .fetch_one($storage.writer())
        .await
        .map_err(store_error)?;
        Ok(latest)
    }};
}

/// Deletes the token of `domain` if it is still unused; whether it did.
macro_rules! delete_unused {
    ($storage:expr, $table:literal, $token:expr, $domain:expr) => {{
        let deleted = sqlx::query(Self::sql(concat!(
            "DELETE FROM ",
            $table,
            " WHERE token = ? AND domain = ? AND used = ?"
        )))
        .bind($token)
        .bind($domain.as_str())
        .bind(false)
        .execute($storage.writer())
        .await
        .map_err(store_error)?;
        Ok(deleted.rows_affected() > 0)
    }};
}

pub(crate) use {delete_unused, latest_pushed};
