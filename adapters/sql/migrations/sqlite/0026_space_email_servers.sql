-- Each space's own SMTP server (at most one; deleted with the space). The password is kept as
-- given: it must be sent to the server.
CREATE TABLE space_email_servers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    space_id INTEGER NOT NULL,
    host VARCHAR(255) NOT NULL,
    port INTEGER NOT NULL,
    username VARCHAR(255) NULL,
    password VARCHAR(255) NULL,
    from_address VARCHAR(255) NULL,
    from_name VARCHAR(255) NULL,
    signature TEXT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT space_email_servers_space_id_unique UNIQUE (space_id),
    CONSTRAINT space_email_servers_space_id_foreign FOREIGN KEY (space_id) REFERENCES spaces (id) ON DELETE CASCADE
);
