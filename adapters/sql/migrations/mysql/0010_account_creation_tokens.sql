-- Account creation tokens: spent once by a public registration, or consumed by an account.
CREATE TABLE account_creation_tokens (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token VARCHAR(255) NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    account_id BIGINT NULL,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    expire_at DATETIME(6) NULL,
    CONSTRAINT account_creation_tokens_token_unique UNIQUE (token),
    CONSTRAINT account_creation_tokens_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    INDEX account_creation_tokens_account_id (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
