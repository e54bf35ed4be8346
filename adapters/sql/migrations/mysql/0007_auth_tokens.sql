-- Auth tokens of the QR-code login flow; `account_id` is set once a logged-in user attaches one.
CREATE TABLE auth_tokens (
    token VARCHAR(255) NOT NULL PRIMARY KEY,
    account_id BIGINT NULL,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at DATETIME(6) NOT NULL,
    CONSTRAINT auth_tokens_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    INDEX auth_tokens_account_id (account_id),
    INDEX auth_tokens_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
