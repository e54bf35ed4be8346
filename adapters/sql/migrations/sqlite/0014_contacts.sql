-- Direct contacts: accounts an account lists as its contacts.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT contacts_account_id_contact_id_unique UNIQUE (account_id, contact_id),
    CONSTRAINT contacts_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT contacts_contact_id_foreign FOREIGN KEY (contact_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX contacts_contact_id ON contacts (contact_id);
