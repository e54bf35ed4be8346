-- API keys, by SHA-256 hash. `kind` is `user` (bound to `ip`, expires when idle) or `admin`.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    key_hash VARCHAR(255) NOT NULL,
    name VARCHAR(255) NULL,
    kind VARCHAR(8) NOT NULL,
    ip VARCHAR(64) NULL,
    last_used_at TEXT NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    CONSTRAINT api_keys_key_hash_unique UNIQUE (key_hash),
    CONSTRAINT api_keys_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX api_keys_account_id ON api_keys (account_id);
