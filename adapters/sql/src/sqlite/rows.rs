//! Rows as a plain SQLite connection reads them: by column position, in the order of the lists
//! `crate::rows::columns!` declares (the same list gives the `SELECT` and the decoding), and the
//! SQLite forms of times and errors.

use chrono::{DateTime, SecondsFormat, Utc};
use flexiapi_domain::error::StoreError;
use rusqlite::Row;
use rusqlite::types::FromSql;

use crate::rows::{ColumnSource, ts};

/// A result row, read from its first column on.
pub(super) struct Columns<'a, 'r> {
    row: &'a Row<'r>,
    next: usize,
}

impl Columns<'_, '_> {
    fn next<T: FromSql>(&mut self) -> Result<T, StoreError> {
        let value = self.row.get(self.next).map_err(sqlite_error);
        self.next += 1;
        value
    }
}

impl ColumnSource for Columns<'_, '_> {
    fn integer(&mut self, _label: &'static str) -> Result<Option<i64>, StoreError> {
        self.next()
    }

    fn text(&mut self, _label: &'static str) -> Result<Option<String>, StoreError> {
        self.next()
    }

    fn time(&mut self, label: &'static str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.next::<Option<String>>()?
            .map(|t| decode_ts(label, &t))
            .transpose()
    }
}

/// `row` decoded by `read` (a `read_columns` of `crate::rows`), which must use every column.
pub(super) fn read_row<'a, 'r, T>(
    row: &'a Row<'r>,
    read: impl FnOnce(&mut Columns<'a, 'r>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut columns = Columns { row, next: 0 };
    let value = read(&mut columns)?;
    debug_assert_eq!(
        columns.next,
        row.as_ref().column_count(),
        "a SELECT list longer than its row"
    );
    Ok(value)
}

/// Busy or locked past the busy timeout: the database is there but cannot answer now.
pub(super) fn sqlite_error(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    match e.sqlite_error_code() {
        Some(DatabaseBusy | DatabaseLocked) => StoreError::Unavailable(e.to_string()),
        _ => StoreError::Backend(e.to_string()),
    }
}

/// A time as sqlx writes it to SQLite, so that comparisons in SQL see the same text.
pub(super) fn encode_ts(t: DateTime<Utc>) -> String {
    ts(t).to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// A time as sqlx reads it from SQLite: RFC 3339, or SQLite's own `YYYY-MM-DD HH:MM:SS.fff`.
pub(super) fn decode_ts(what: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(text, "%F %T%.f")
        .map(|t| t.and_utc())
        .map_err(|e| crate::error::bad_row(what, e))
}

#[cfg(test)]
mod tests {
    use super::{decode_ts, encode_ts};
    use chrono::{TimeZone, Utc};

    #[test]
    fn times_round_trip_in_sqlx_text_form() {
        let t = Utc.with_ymd_and_hms(2026, 11, 29, 12, 30, 5).unwrap()
            + chrono::Duration::microseconds(123_456);
        let text = encode_ts(t);
        assert_eq!(text, "2026-11-29T12:30:05.123456+00:00");
        assert_eq!(decode_ts("t", &text).unwrap(), t);
        assert_eq!(
            decode_ts("t", "2026-11-29 12:30:05.5").unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 29, 12, 30, 5).unwrap()
                + chrono::Duration::milliseconds(500)
        );
        assert!(decode_ts("t", "yesterday").is_err());
    }
}
