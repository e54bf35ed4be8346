-- What remains of deleted accounts, so their username is not handed out again too soon.
CREATE TABLE accounts_tombstones (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(64) NOT NULL,
    domain VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    CONSTRAINT accounts_tombstones_username_domain_unique UNIQUE (username, domain),
    INDEX accounts_tombstones_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
