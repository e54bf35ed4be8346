-- Each account's stored vCards, one per UID (the original's vcards_storage); the text is the
-- card as the vCard library wrote it back. Deleted with the account.
CREATE TABLE vcards_storage (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    uuid VARCHAR(45) NOT NULL,
    vcard TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT vcards_storage_account_id_uuid_unique UNIQUE (account_id, uuid),
    CONSTRAINT vcards_storage_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
