-- Account creation tokens: spent once by a public registration, or consumed by an account.
CREATE TABLE account_creation_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token VARCHAR(255) NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    account_id INTEGER NULL,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expire_at TEXT NULL,
    CONSTRAINT account_creation_tokens_token_unique UNIQUE (token),
    CONSTRAINT account_creation_tokens_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX account_creation_tokens_account_id ON account_creation_tokens (account_id);
