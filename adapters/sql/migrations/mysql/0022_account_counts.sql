-- How many accounts each domain holds, kept by triggers in the same transaction as the accounts,
-- so that a listing's total and the max_accounts check read one row instead of counting them all.
-- An account never changes domain (spaces keep theirs), so inserts and deletes are enough.
-- MySQL fires no trigger for foreign-key cascades: accounts are deleted by explicit statements
-- (a space's first), and a space's row here goes with the space.
CREATE TABLE account_counts (
    domain VARCHAR(255) NOT NULL PRIMARY KEY,
    accounts BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT account_counts_domain_foreign FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO account_counts (domain, accounts) SELECT domain, COUNT(*) FROM accounts GROUP BY domain;
CREATE TRIGGER accounts_count_insert AFTER INSERT ON accounts FOR EACH ROW
    INSERT INTO account_counts (domain, accounts) VALUES (NEW.domain, 1)
    ON DUPLICATE KEY UPDATE accounts = accounts + 1;
CREATE TRIGGER accounts_count_delete AFTER DELETE ON accounts FOR EACH ROW
    UPDATE account_counts SET accounts = accounts - 1 WHERE domain = OLD.domain;
