-- Wizards (issue #18): one-time /wizard/{token} links an admin hands out that open a Linphone
-- app, optionally provisioning an account. A wizard goes with its space, with the admin who made
-- it and with the account it provisions.
CREATE TABLE wizards (
    token VARCHAR(16) NOT NULL PRIMARY KEY,
    domain VARCHAR(255) NOT NULL,
    account_id BIGINT NOT NULL,
    provisioning_account_id BIGINT NULL,
    sip VARCHAR(255) NULL,
    linphone_action VARCHAR(16) NULL,
    linphone_use_sips BOOLEAN NULL,
    used_at TIMESTAMPTZ NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CONSTRAINT wizards_domain_foreign FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE,
    CONSTRAINT wizards_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT wizards_provisioning_account_id_foreign FOREIGN KEY (provisioning_account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX wizards_domain ON wizards (domain);
CREATE INDEX wizards_account_id ON wizards (account_id);
CREATE INDEX wizards_provisioning_account_id ON wizards (provisioning_account_id);
