-- Accounts: names and types of the columns Flexisip reads are the original's.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(255) NOT NULL,
    email VARCHAR(255) NULL,
    display_name VARCHAR(255) NULL,
    activated BOOLEAN NOT NULL DEFAULT FALSE,
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    admin BOOLEAN NOT NULL DEFAULT FALSE,
    dtmf_protocol VARCHAR(255) NULL,
    phone VARCHAR(64) NULL,
    ip_address VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT accounts_username_domain_unique UNIQUE (username, domain),
    CONSTRAINT accounts_domain_foreign FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE
);
CREATE INDEX accounts_domain_id ON accounts (domain, id);
CREATE INDEX accounts_domain_email ON accounts (domain, email);
CREATE INDEX accounts_phone ON accounts (phone);
