-- Failed authentications per key (ip:..., account:...), counted over a sliding window by every
-- server process sharing the database.
CREATE TABLE auth_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    failure_key VARCHAR(255) NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX auth_failures_key_created_at ON auth_failures (failure_key, created_at);
CREATE INDEX auth_failures_created_at ON auth_failures (created_at);
