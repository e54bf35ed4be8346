-- The Linphone apps' sign-up and recovery flows (issue #17): a creation token pushed to a device
-- keeps the device (provider, param, prid: send-by-push's throttle looks it up, consume answers
-- it), and apps ask for creation request tokens, which a person validates on the space's page
-- before the app exchanges them, once, for a creation token. A space's request tokens go with it.
ALTER TABLE account_creation_tokens
    ADD COLUMN pn_provider VARCHAR(64) NULL,
    ADD COLUMN pn_param VARCHAR(255) NULL,
    ADD COLUMN pn_prid VARCHAR(255) NULL,
    ADD INDEX account_creation_tokens_pn (pn_provider, pn_param, pn_prid);
ALTER TABLE account_recovery_tokens
    ADD INDEX account_recovery_tokens_pn (pn_provider, pn_param, pn_prid);
CREATE TABLE account_creation_request_tokens (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token VARCHAR(16) NOT NULL,
    domain VARCHAR(255) NOT NULL,
    used BOOLEAN NOT NULL DEFAULT FALSE,
    validated_at DATETIME(6) NULL,
    acc_creation_token_id BIGINT NULL,
    ip VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT account_creation_request_tokens_token_unique UNIQUE (token),
    CONSTRAINT account_creation_request_tokens_domain_foreign FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE,
    CONSTRAINT account_creation_request_tokens_acc_creation_token_id_foreign FOREIGN KEY (acc_creation_token_id) REFERENCES account_creation_tokens (id) ON DELETE CASCADE,
    INDEX account_creation_request_tokens_acc_creation_token_id (acc_creation_token_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
