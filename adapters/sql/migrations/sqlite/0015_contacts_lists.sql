-- Contacts lists: named sets of accounts of one space (titles unique across spaces, as the
-- original's), their members, and the accounts they are attached to.
CREATE TABLE contacts_lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title VARCHAR(255) NOT NULL,
    description TEXT NULL,
    space_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT contacts_lists_title_unique UNIQUE (title),
    CONSTRAINT contacts_lists_space_id_foreign FOREIGN KEY (space_id) REFERENCES spaces (id) ON DELETE CASCADE
);
CREATE INDEX contacts_lists_space_id ON contacts_lists (space_id);
CREATE TABLE account_contacts_list (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    contacts_list_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT account_contacts_list_unique UNIQUE (account_id, contacts_list_id),
    CONSTRAINT account_contacts_list_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT account_contacts_list_contacts_list_id_foreign FOREIGN KEY (contacts_list_id) REFERENCES contacts_lists (id) ON DELETE CASCADE
);
CREATE INDEX account_contacts_list_list ON account_contacts_list (contacts_list_id);
CREATE TABLE contacts_list_contact (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contacts_list_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT contacts_list_contact_unique UNIQUE (contacts_list_id, contact_id),
    CONSTRAINT contacts_list_contact_contacts_list_id_foreign FOREIGN KEY (contacts_list_id) REFERENCES contacts_lists (id) ON DELETE CASCADE,
    CONSTRAINT contacts_list_contact_contact_id_foreign FOREIGN KEY (contact_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX contacts_list_contact_contact ON contacts_list_contact (contact_id);
