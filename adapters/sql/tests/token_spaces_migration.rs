//! Migration 0024 on rows written before it (SQLite): a token attached to an account gets the
//! account's domain; an unattached one keeps NULL, which no lookup (`WHERE domain = ?`) matches.

use std::path::Path;

const MIGRATION: &str = "0024_token_spaces.sql";

fn migrations() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|n| {
            let sql = std::fs::read_to_string(dir.join(&n)).unwrap();
            (n, sql)
        })
        .collect()
}

#[test]
fn existing_tokens_get_their_accounts_domain_or_none() {
    let db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let all = migrations();
    assert!(all.iter().any(|(n, _)| n == MIGRATION));
    for (name, sql) in all.iter().filter(|(n, _)| n.as_str() < MIGRATION) {
        db.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let at = "2026-01-01T00:00:00.000000Z";
    db.execute_batch(&format!(
        "INSERT INTO spaces (domain, host, name, super, max_accounts, settings, created_at, \
         updated_at) VALUES ('b.example.org', 'b.example.org', 'B', 0, 0, '{{}}', '{at}', '{at}');
         INSERT INTO accounts (id, username, domain, created_at, updated_at)
             VALUES (7, 'bob', 'b.example.org', '{at}', '{at}');
         INSERT INTO account_creation_tokens (token, used, account_id, created_at, updated_at)
             VALUES ('consumed', 1, 7, '{at}', '{at}'), ('loose', 0, NULL, '{at}', '{at}');
         INSERT INTO auth_tokens (token, account_id, created_at)
             VALUES ('attached', 7, '{at}'), ('unattached', NULL, '{at}');"
    ))
    .unwrap();
    let (_, sql) = all.iter().find(|(n, _)| n == MIGRATION).unwrap();
    db.execute_batch(sql).unwrap();

    let domain = |table: &str, token: &str| -> Option<String> {
        db.query_row(
            &format!("SELECT domain FROM {table} WHERE token = ?1"),
            [token],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(
        domain("account_creation_tokens", "consumed").as_deref(),
        Some("b.example.org")
    );
    assert_eq!(domain("account_creation_tokens", "loose"), None);
    assert_eq!(
        domain("auth_tokens", "attached").as_deref(),
        Some("b.example.org")
    );
    assert_eq!(domain("auth_tokens", "unattached"), None);

    // A space's tokens go with it.
    db.execute_batch(
        "DELETE FROM accounts WHERE domain = 'b.example.org';
         INSERT INTO auth_tokens (token, domain, created_at)
             VALUES ('fresh', 'b.example.org', '2026-01-01');
         DELETE FROM spaces WHERE domain = 'b.example.org';",
    )
    .unwrap();
    let left: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM auth_tokens WHERE domain IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}
