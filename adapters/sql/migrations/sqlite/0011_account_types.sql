-- Account types: global labels, attached to accounts through account_account_type.
CREATE TABLE account_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    "key" VARCHAR(64) NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT account_types_key_unique UNIQUE ("key")
);
CREATE TABLE account_account_type (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    account_type_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT account_account_type_unique UNIQUE (account_id, account_type_id),
    CONSTRAINT account_account_type_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT account_account_type_account_type_id_foreign FOREIGN KEY (account_type_id) REFERENCES account_types (id) ON DELETE CASCADE
);
CREATE INDEX account_account_type_type ON account_account_type (account_type_id);
