-- Direct contacts: accounts an account lists as its contacts.
CREATE TABLE contacts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    contact_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT contacts_account_id_contact_id_unique UNIQUE (account_id, contact_id),
    CONSTRAINT contacts_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT contacts_contact_id_foreign FOREIGN KEY (contact_id) REFERENCES accounts (id) ON DELETE CASCADE,
    INDEX contacts_contact_id (contact_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
