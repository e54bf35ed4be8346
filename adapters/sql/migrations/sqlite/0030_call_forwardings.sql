-- Each account's call forwardings, at most one per type; Flexisip reads them through the search
-- and resolve answers. Deleted with the account, and with the account they forward to as a
-- contact (the original's foreign keys).
CREATE TABLE call_forwardings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    type VARCHAR(16) NOT NULL,
    forward_to VARCHAR(16) NOT NULL,
    sip_uri VARCHAR(255) NULL,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    contact_id INTEGER NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT call_forwardings_account_id_type_unique UNIQUE (account_id, type),
    CONSTRAINT call_forwardings_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT call_forwardings_contact_id_foreign FOREIGN KEY (contact_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX call_forwardings_contact_id ON call_forwardings (contact_id);
