-- Auth tokens of the QR-code login flow; `account_id` is set once a logged-in user attaches one.
CREATE TABLE auth_tokens (
    token VARCHAR(255) NOT NULL PRIMARY KEY,
    account_id BIGINT NULL,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT auth_tokens_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX auth_tokens_account_id ON auth_tokens (account_id);
CREATE INDEX auth_tokens_created_at ON auth_tokens (created_at);
