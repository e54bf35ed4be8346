-- Each space's own SMTP server (at most one; deleted with the space). The password is kept as
-- given: it must be sent to the server.
CREATE TABLE space_email_servers (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    space_id BIGINT NOT NULL,
    host VARCHAR(255) NOT NULL,
    port INT NOT NULL,
    username VARCHAR(255) NULL,
    password VARCHAR(255) NULL,
    from_address VARCHAR(255) NULL,
    from_name VARCHAR(255) NULL,
    signature TEXT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT space_email_servers_space_id_unique UNIQUE (space_id),
    CONSTRAINT space_email_servers_space_id_foreign FOREIGN KEY (space_id) REFERENCES spaces (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
