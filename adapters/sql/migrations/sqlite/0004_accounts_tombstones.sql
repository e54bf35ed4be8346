-- What remains of deleted accounts, so their username is not handed out again too soon.
CREATE TABLE accounts_tombstones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(255) NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT accounts_tombstones_username_domain_unique UNIQUE (username, domain)
);
CREATE INDEX accounts_tombstones_created_at ON accounts_tombstones (created_at);
