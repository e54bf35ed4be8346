-- Account types belong to a space: the key is unique per space, and each space sees, renames
-- and deletes only its own types. Existing types are placed where they are used: a type attached
-- to accounts of several spaces becomes one copy per space (its attachments follow the copy of
-- their account's space), and an unattached type goes to every space (before, every admin saw
-- it). The first of a type's spaces (by domain) keeps its id; the other copies get new ids.
-- SQLite cannot change a table's constraints: both tables are rebuilt, the attachments first
-- (dropping account_types while attachments point to it would cascade).
CREATE TABLE account_types_0025 AS SELECT id, "key", created_at, updated_at FROM account_types;
CREATE TABLE account_type_links_0025 AS
    SELECT l.id, l.account_id, l.account_type_id, a.domain, l.created_at, l.updated_at
    FROM account_account_type l JOIN accounts a ON a.id = l.account_id;
CREATE TABLE account_type_spaces_0025 (
    type_id INTEGER NOT NULL,
    domain VARCHAR(255) NOT NULL,
    PRIMARY KEY (type_id, domain)
);
INSERT INTO account_type_spaces_0025 (type_id, domain)
    SELECT DISTINCT account_type_id, domain FROM account_type_links_0025;
INSERT INTO account_type_spaces_0025 (type_id, domain)
    SELECT t.id, s.domain FROM account_types_0025 t CROSS JOIN spaces s
    WHERE NOT EXISTS (SELECT 1 FROM account_type_links_0025 l WHERE l.account_type_id = t.id);
DROP INDEX account_account_type_type;
DROP TABLE account_account_type;
DROP TABLE account_types;
CREATE TABLE account_types (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain VARCHAR(255) NOT NULL,
    "key" VARCHAR(64) NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT account_types_domain_key_unique UNIQUE (domain, "key"),
    CONSTRAINT account_types_domain_foreign FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE
);
INSERT INTO account_types (id, domain, "key", created_at, updated_at)
    SELECT t.id, MIN(p.domain), t."key", t.created_at, t.updated_at
    FROM account_types_0025 t JOIN account_type_spaces_0025 p ON p.type_id = t.id
    GROUP BY t.id, t."key", t.created_at, t.updated_at
    ORDER BY t.id;
INSERT INTO account_types (domain, "key", created_at, updated_at)
    SELECT p.domain, t."key", t.created_at, t.updated_at
    FROM account_types_0025 t JOIN account_type_spaces_0025 p ON p.type_id = t.id
    WHERE p.domain <> (SELECT MIN(q.domain) FROM account_type_spaces_0025 q WHERE q.type_id = t.id)
    ORDER BY t.id, p.domain;
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
-- Old keys were unique: a key and a domain name the copy of an attachment's type.
INSERT INTO account_account_type (id, account_id, account_type_id, created_at, updated_at)
    SELECT l.id, l.account_id, n.id, l.created_at, l.updated_at
    FROM account_type_links_0025 l
    JOIN account_types_0025 o ON o.id = l.account_type_id
    JOIN account_types n ON n.domain = l.domain AND n."key" = o."key";
DROP TABLE account_type_spaces_0025;
DROP TABLE account_type_links_0025;
DROP TABLE account_types_0025;
