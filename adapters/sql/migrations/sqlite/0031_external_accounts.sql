-- Each account's external account (issue #18): the B2BUA's account on another SIP provider, at
-- most one per account, deleted with it. `password` is the MD5 HA1; (username, domain) is unique
-- across spaces, as the B2BUA keys its accounts by that address.
CREATE TABLE external_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(64) NOT NULL,
    password VARCHAR(255) NOT NULL,
    algorithm VARCHAR(10) NOT NULL DEFAULT 'MD5',
    realm VARCHAR(64) NULL,
    registrar VARCHAR(64) NULL,
    outbound_proxy VARCHAR(64) NULL,
    protocol VARCHAR(4) NOT NULL DEFAULT 'UDP',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT external_accounts_username_domain_unique UNIQUE (username, domain),
    CONSTRAINT external_accounts_account_id_unique UNIQUE (account_id),
    CONSTRAINT external_accounts_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
