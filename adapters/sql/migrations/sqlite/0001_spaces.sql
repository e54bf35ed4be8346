-- Spaces: one SIP domain served on one HTTP host. Settings and JWT configuration are JSON text.
CREATE TABLE spaces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    domain VARCHAR(255) NOT NULL,
    host VARCHAR(255) NOT NULL,
    name VARCHAR(255) NOT NULL,
    super BOOLEAN NOT NULL DEFAULT FALSE,
    max_accounts INTEGER NOT NULL DEFAULT 0,
    expire_at TEXT NULL,
    digest_realm VARCHAR(255) NULL,
    digest_default_password_algorithm VARCHAR(10) NOT NULL DEFAULT 'SHA-256',
    settings TEXT NOT NULL,
    jwt TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT spaces_domain_unique UNIQUE (domain),
    CONSTRAINT spaces_host_unique UNIQUE (host),
    CONSTRAINT spaces_name_unique UNIQUE (name)
);
CREATE INDEX spaces_created_at ON spaces (created_at);
