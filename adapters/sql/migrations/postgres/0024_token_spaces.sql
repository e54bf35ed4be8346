-- Tokens belong to the space (domain) they were issued in and are refused on every other one.
-- Existing rows: a token attached to an account gets the account's domain; an unattached one
-- keeps NULL, which matches no space (refused everywhere: nobody knows where it was minted).
-- A space's tokens go with it.
ALTER TABLE account_creation_tokens ADD COLUMN domain VARCHAR(255) NULL;
UPDATE account_creation_tokens t SET domain = a.domain FROM accounts a WHERE a.id = t.account_id;
ALTER TABLE account_creation_tokens ADD CONSTRAINT account_creation_tokens_domain_foreign
    FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE;
CREATE INDEX account_creation_tokens_domain ON account_creation_tokens (domain);
ALTER TABLE auth_tokens ADD COLUMN domain VARCHAR(255) NULL;
UPDATE auth_tokens t SET domain = a.domain FROM accounts a WHERE a.id = t.account_id;
ALTER TABLE auth_tokens ADD CONSTRAINT auth_tokens_domain_foreign
    FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE;
CREATE INDEX auth_tokens_domain ON auth_tokens (domain);
