-- The public web pages (issue #16): recovery codes, sign-ups waiting for their code,
-- reset-password links, the account recovery tokens pushed to apps, and the secret the pages
-- sign their forms with. An account's codes and links go with it; a space's with it.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    code VARCHAR(16) NULL,
    email VARCHAR(255) NULL,
    phone VARCHAR(64) NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT recovery_codes_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX recovery_codes_account_id_created_at ON recovery_codes (account_id, created_at);
CREATE TABLE registration_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain VARCHAR(255) NOT NULL,
    username VARCHAR(64) NOT NULL,
    password VARCHAR(255) NOT NULL,
    algorithm VARCHAR(10) NOT NULL,
    email VARCHAR(255) NULL,
    phone VARCHAR(64) NULL,
    code VARCHAR(16) NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT registration_codes_domain_foreign FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE
);
CREATE INDEX registration_codes_created_at ON registration_codes (created_at);
CREATE TABLE reset_password_email_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token VARCHAR(16) NOT NULL,
    account_id INTEGER NOT NULL,
    email VARCHAR(255) NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT reset_password_email_tokens_token_unique UNIQUE (token),
    CONSTRAINT reset_password_email_tokens_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX reset_password_email_tokens_account_id ON reset_password_email_tokens (account_id);
CREATE TABLE account_recovery_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token VARCHAR(255) NOT NULL,
    domain VARCHAR(255) NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    account_id INTEGER NULL,
    pn_provider VARCHAR(64) NULL,
    pn_param VARCHAR(255) NULL,
    pn_prid VARCHAR(255) NULL,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT account_recovery_tokens_token_unique UNIQUE (token),
    CONSTRAINT account_recovery_tokens_domain_foreign FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE,
    CONSTRAINT account_recovery_tokens_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX account_recovery_tokens_account_id ON account_recovery_tokens (account_id);
CREATE TABLE app_secrets (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    value VARCHAR(255) NOT NULL,
    created_at TEXT NOT NULL
);
