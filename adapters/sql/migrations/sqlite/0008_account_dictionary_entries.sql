-- Free-form key/value pairs of an account (the `dictionary` of the account object).
CREATE TABLE account_dictionary_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    value VARCHAR(255) NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT account_dictionary_entries_account_id_key_unique UNIQUE (account_id, "key"),
    CONSTRAINT account_dictionary_entries_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
