-- Tokens belong to the space (domain) they were issued in and are refused on every other one.
-- Existing rows: a token attached to an account gets the account's domain; an unattached one
-- keeps NULL, which matches no space (refused everywhere: nobody knows where it was minted).
-- A space's tokens go with it.
ALTER TABLE account_creation_tokens ADD COLUMN domain VARCHAR(255) NULL REFERENCES spaces (domain) ON DELETE CASCADE;
UPDATE account_creation_tokens SET domain = (SELECT a.domain FROM accounts a WHERE a.id = account_creation_tokens.account_id)
    WHERE account_id IS NOT NULL;
CREATE INDEX account_creation_tokens_domain ON account_creation_tokens (domain);
ALTER TABLE auth_tokens ADD COLUMN domain VARCHAR(255) NULL REFERENCES spaces (domain) ON DELETE CASCADE;
UPDATE auth_tokens SET domain = (SELECT a.domain FROM accounts a WHERE a.id = auth_tokens.account_id)
    WHERE account_id IS NOT NULL;
CREATE INDEX auth_tokens_domain ON auth_tokens (domain);
