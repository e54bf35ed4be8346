-- Accounts: names and types of the columns Flexisip reads are the original's.
CREATE TABLE accounts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(255) NOT NULL,
    email VARCHAR(255) NULL,
    display_name VARCHAR(255) NULL,
    activated BOOLEAN NOT NULL DEFAULT FALSE,
    blocked BOOLEAN NOT NULL DEFAULT FALSE,
    admin BOOLEAN NOT NULL DEFAULT FALSE,
    dtmf_protocol VARCHAR(255) NULL,
    phone VARCHAR(64) NULL,
    ip_address VARCHAR(64) NULL,
    user_agent TEXT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT accounts_username_domain_unique UNIQUE (username, domain),
    CONSTRAINT accounts_domain_foreign FOREIGN KEY (domain) REFERENCES spaces (domain) ON DELETE CASCADE,
    INDEX accounts_domain_id (domain, id),
    INDEX accounts_domain_email (domain, email),
    INDEX accounts_phone (phone)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
