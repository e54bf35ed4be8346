-- Each account's stored vCards, one per UID (the original's vcards_storage); the text is the
-- card as the vCard library wrote it back. Deleted with the account.
CREATE TABLE vcards_storage (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    uuid VARCHAR(45) NOT NULL,
    vcard TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT vcards_storage_account_id_uuid_unique UNIQUE (account_id, uuid),
    CONSTRAINT vcards_storage_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
