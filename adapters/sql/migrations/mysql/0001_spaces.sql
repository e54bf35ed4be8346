-- Spaces: one SIP domain served on one HTTP host. Settings and JWT configuration are JSON text.
CREATE TABLE spaces (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    domain VARCHAR(255) NOT NULL,
    host VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL,
    super BOOLEAN NOT NULL DEFAULT FALSE,
    max_accounts BIGINT NOT NULL DEFAULT 0,
    expire_at DATETIME(6) NULL,
    digest_realm VARCHAR(255) NULL,
    digest_default_password_algorithm VARCHAR(10) NOT NULL DEFAULT 'SHA-256',
    settings TEXT NOT NULL,
    jwt TEXT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT spaces_domain_unique UNIQUE (domain),
    CONSTRAINT spaces_host_unique UNIQUE (host),
    CONSTRAINT spaces_name_unique UNIQUE (name),
    INDEX spaces_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
