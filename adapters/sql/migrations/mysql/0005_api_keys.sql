-- API keys, by SHA-256 hash. `kind` is `user` (bound to `ip`, expires when idle) or `admin`.
CREATE TABLE api_keys (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    key_hash VARCHAR(255) NOT NULL,
    name VARCHAR(255) NULL,
    kind VARCHAR(8) NOT NULL,
    ip VARCHAR(64) NULL,
    last_used_at DATETIME(6) NOT NULL,
    requests BIGINT NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL,
    CONSTRAINT api_keys_key_hash_unique UNIQUE (key_hash),
    CONSTRAINT api_keys_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    INDEX api_keys_account_id (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
