-- Codes that confirm a new e-mail address or phone number (the original's tables, plus the wrong
-- tries of each code). `code` NULL: spent. An account has at most one pending code of a kind.
CREATE TABLE email_change_codes (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    code VARCHAR(16) NULL,
    email VARCHAR(255) NOT NULL,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT email_change_codes_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    INDEX email_change_codes_account_id_created_at (account_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE phone_change_codes (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    code VARCHAR(16) NULL,
    phone VARCHAR(64) NOT NULL,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT phone_change_codes_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    INDEX phone_change_codes_account_id_created_at (account_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
