-- How many accounts each domain holds, kept by triggers in the same transaction as the accounts,
-- so that a listing's total and the max_accounts check read one row instead of counting them all.
-- An account never changes domain (spaces keep theirs), so inserts and deletes are enough.
-- Statement-level triggers: a multi-row insert updates each domain's row once.
CREATE TABLE account_counts (
    domain VARCHAR(255) NOT NULL PRIMARY KEY,
    accounts BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT account_counts_domain_foreign FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE
);
INSERT INTO account_counts (domain, accounts) SELECT domain, COUNT(*) FROM accounts GROUP BY domain;
CREATE FUNCTION account_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_counts (domain, accounts)
        SELECT domain, COUNT(*) FROM new_accounts GROUP BY domain
        ON CONFLICT (domain) DO UPDATE SET accounts = account_counts.accounts + EXCLUDED.accounts;
    RETURN NULL;
END
$$;
CREATE FUNCTION account_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account_counts c SET accounts = c.accounts - gone.n
        FROM (SELECT domain, COUNT(*) AS n FROM old_accounts GROUP BY domain) gone
        WHERE c.domain = gone.domain;
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_count_insert AFTER INSERT ON accounts
    REFERENCING NEW TABLE AS new_accounts FOR EACH STATEMENT EXECUTE FUNCTION account_counts_add();
CREATE TRIGGER accounts_count_delete AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS old_accounts FOR EACH STATEMENT EXECUTE FUNCTION account_counts_remove();
