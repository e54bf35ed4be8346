-- Voicemails (the original's account_files): a slot per message, filled once by an upload whose
-- file lives in the [files] directory as `name`. Deleted with the account. The sending_by_mail
-- columns are the original's, kept for mailing voicemails with retry.
CREATE TABLE account_files (
    id VARCHAR(36) NOT NULL PRIMARY KEY,
    account_id BIGINT NOT NULL,
    name VARCHAR(255) NULL,
    size BIGINT NULL,
    content_type VARCHAR(32) NOT NULL,
    sip_from VARCHAR(255) NULL,
    uploaded_at DATETIME(6) NULL,
    sending_by_mail_at DATETIME(6) NULL,
    sent_by_mail_at DATETIME(6) NULL,
    sending_by_mail_tryouts INT NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT account_files_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    INDEX account_files_account_id (account_id, created_at),
    INDEX account_files_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
