-- Each account's call forwardings, at most one per type; Flexisip reads them through the search
-- and resolve answers. Deleted with the account, and with the account they forward to as a
-- contact (the original's foreign keys).
CREATE TABLE call_forwardings (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    type VARCHAR(16) NOT NULL,
    forward_to VARCHAR(16) NOT NULL,
    sip_uri VARCHAR(255) NULL,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    contact_id BIGINT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT call_forwardings_account_id_type_unique UNIQUE (account_id, type),
    CONSTRAINT call_forwardings_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT call_forwardings_contact_id_foreign FOREIGN KEY (contact_id) REFERENCES accounts (id) ON DELETE CASCADE,
    INDEX call_forwardings_contact_id (contact_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
