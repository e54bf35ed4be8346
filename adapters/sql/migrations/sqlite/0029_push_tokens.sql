-- The Linphone apps' sign-up and recovery flows (issue #17): a creation token pushed to a device
-- keeps the device (provider, param, prid: send-by-push's throttle looks it up, consume answers
-- it), and apps ask for creation request tokens, which a person validates on the space's page
-- before the app exchanges them, once, for a creation token. A space's request tokens go with it.
ALTER TABLE account_creation_tokens ADD COLUMN pn_provider VARCHAR(64) NULL;
ALTER TABLE account_creation_tokens ADD COLUMN pn_param VARCHAR(255) NULL;
ALTER TABLE account_creation_tokens ADD COLUMN pn_prid VARCHAR(255) NULL;
CREATE INDEX account_creation_tokens_pn ON account_creation_tokens (pn_provider, pn_param, pn_prid);
CREATE INDEX account_recovery_tokens_pn ON account_recovery_tokens (pn_provider, pn_param, pn_prid);
CREATE TABLE account_creation_request_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token VARCHAR(16) NOT NULL,
    domain VARCHAR(255) NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    validated_at TEXT NULL,
    acc_creation_token_id INTEGER NULL,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT account_creation_request_tokens_token_unique UNIQUE (token),
    CONSTRAINT account_creation_request_tokens_domain_foreign FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE,
    CONSTRAINT account_creation_request_tokens_acc_creation_token_id_foreign FOREIGN KEY (acc_creation_token_id) REFERENCES account_creation_tokens (id) ON DELETE CASCADE
);
CREATE INDEX account_creation_request_tokens_domain ON account_creation_request_tokens (domain);
CREATE INDEX account_creation_request_tokens_acc_creation_token_id ON account_creation_request_tokens (acc_creation_token_id);
