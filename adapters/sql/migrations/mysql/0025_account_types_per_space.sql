-- Account types belong to a space: the key is unique per space, and each space sees, renames
-- and deletes only its own types. Existing types are placed where they are used: a type attached
-- to accounts of several spaces becomes one copy per space (its attachments follow the copy of
-- their account's space), and an unattached type goes to every space (before, every admin saw
-- it). The first of a type's spaces (by domain) keeps its id; the other copies get new ids.
CREATE TABLE account_type_spaces_0025 (
    type_id BIGINT NOT NULL,
    domain VARCHAR(255) NOT NULL,
    PRIMARY KEY (type_id, domain)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO account_type_spaces_0025 (type_id, domain)
    SELECT DISTINCT l.account_type_id, a.domain
    FROM account_account_type l JOIN accounts a ON a.id = l.account_id;
INSERT INTO account_type_spaces_0025 (type_id, domain)
    SELECT t.id, s.domain FROM account_types t CROSS JOIN spaces s
    WHERE NOT EXISTS (SELECT 1 FROM account_account_type l WHERE l.account_type_id = t.id);
ALTER TABLE account_types ADD COLUMN domain VARCHAR(255) NULL AFTER id;
ALTER TABLE account_types DROP INDEX account_types_key_unique;
UPDATE account_types t
    SET domain = (SELECT MIN(p.domain) FROM account_type_spaces_0025 p WHERE p.type_id = t.id);
INSERT INTO account_types (domain, `key`, created_at, updated_at)
    SELECT p.domain, t.`key`, t.created_at, t.updated_at
    FROM account_types t JOIN account_type_spaces_0025 p ON p.type_id = t.id
    WHERE p.domain <> t.domain
    ORDER BY t.id, p.domain;
-- Old keys were unique: a key and a domain name the copy of an attachment's type.
UPDATE account_account_type l
    JOIN accounts a ON a.id = l.account_id
    JOIN account_types o ON o.id = l.account_type_id
    JOIN account_types n ON n.`key` = o.`key` AND n.domain = a.domain AND n.id <> o.id
    SET l.account_type_id = n.id;
-- Unattached types of a database without spaces have nowhere to go.
DELETE FROM account_types WHERE domain IS NULL;
ALTER TABLE account_types MODIFY domain VARCHAR(255) NOT NULL;
ALTER TABLE account_types ADD CONSTRAINT account_types_domain_key_unique UNIQUE (domain, `key`);
ALTER TABLE account_types ADD CONSTRAINT account_types_domain_foreign
    FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE;
DROP TABLE account_type_spaces_0025;
