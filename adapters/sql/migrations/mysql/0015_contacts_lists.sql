-- Contacts lists: named sets of accounts of one space (titles unique across spaces, as the
-- original's), their members, and the accounts they are attached to.
CREATE TABLE contacts_lists (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    title VARCHAR(255) NOT NULL,
    description TEXT NULL,
    space_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT contacts_lists_title_unique UNIQUE (title),
    CONSTRAINT contacts_lists_space_id_foreign FOREIGN KEY (space_id) REFERENCES spaces (id) ON DELETE CASCADE,
    INDEX contacts_lists_space_id (space_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE account_contacts_list (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    contacts_list_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT account_contacts_list_unique UNIQUE (account_id, contacts_list_id),
    CONSTRAINT account_contacts_list_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    CONSTRAINT account_contacts_list_contacts_list_id_foreign FOREIGN KEY (contacts_list_id) REFERENCES contacts_lists (id) ON DELETE CASCADE,
    INDEX account_contacts_list_list (contacts_list_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE contacts_list_contact (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    contacts_list_id BIGINT NOT NULL,
    contact_id BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT contacts_list_contact_unique UNIQUE (contacts_list_id, contact_id),
    CONSTRAINT contacts_list_contact_contacts_list_id_foreign FOREIGN KEY (contacts_list_id) REFERENCES contacts_lists (id) ON DELETE CASCADE,
    CONSTRAINT contacts_list_contact_contact_id_foreign FOREIGN KEY (contact_id) REFERENCES accounts (id) ON DELETE CASCADE,
    INDEX contacts_list_contact_contact (contact_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
