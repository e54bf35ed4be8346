-- Codes that confirm a new e-mail address or phone number (the original's tables, plus the wrong
-- tries of each code). `code` NULL: spent. An account has at most one pending code of a kind.
CREATE TABLE email_change_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    code VARCHAR(16) NULL,
    email VARCHAR(255) NOT NULL,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT email_change_codes_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX email_change_codes_account_id_created_at ON email_change_codes (account_id, created_at);
CREATE TABLE phone_change_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    code VARCHAR(16) NULL,
    phone VARCHAR(64) NOT NULL,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT phone_change_codes_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX phone_change_codes_account_id_created_at ON phone_change_codes (account_id, created_at);
