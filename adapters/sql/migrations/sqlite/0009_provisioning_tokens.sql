-- Provisioning tokens: the latest unused one of an account fetches its configuration once.
CREATE TABLE provisioning_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    token VARCHAR(255) NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT provisioning_tokens_token_unique UNIQUE (token),
    CONSTRAINT provisioning_tokens_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX provisioning_tokens_account_id_used ON provisioning_tokens (account_id, used);
