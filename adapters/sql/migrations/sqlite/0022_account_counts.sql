-- How many accounts each domain holds, kept by triggers in the same transaction as the accounts,
-- so that a listing's total and the max_accounts check read one row instead of counting them all.
-- An account never changes domain (spaces keep theirs), so inserts and deletes are enough.
CREATE TABLE account_counts (
    domain VARCHAR(255) NOT NULL PRIMARY KEY,
    accounts INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT account_counts_domain_foreign FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE
);
INSERT INTO account_counts (domain, accounts) SELECT domain, COUNT(*) FROM accounts GROUP BY domain;
CREATE TRIGGER accounts_count_insert AFTER INSERT ON accounts BEGIN
    INSERT OR IGNORE INTO account_counts (domain, accounts) VALUES (NEW.domain, 0);
    UPDATE account_counts SET accounts = accounts + 1 WHERE domain = NEW.domain;
END;
CREATE TRIGGER accounts_count_delete AFTER DELETE ON accounts BEGIN
    UPDATE account_counts SET accounts = accounts - 1 WHERE domain = OLD.domain;
END;
