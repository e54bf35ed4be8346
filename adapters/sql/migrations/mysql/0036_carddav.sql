-- The CardDAV servers of each space (deleted with it) and each account's credentials on them,
-- the password as its digest HA1 (deleted with the account or the server). Unlike the
-- original, results_limit is kept.
CREATE TABLE space_carddav_servers (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    space_id BIGINT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    uri VARCHAR(255) NOT NULL,
    min_characters BIGINT NOT NULL DEFAULT 3,
    results_limit BIGINT NOT NULL DEFAULT 0,
    timeout BIGINT NOT NULL DEFAULT 5,
    delay BIGINT NOT NULL DEFAULT 500,
    fields_for_user_input VARCHAR(255) NULL,
    fields_for_domain VARCHAR(255) NULL,
    use_exact_match_policy BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT space_carddav_servers_space_id_foreign FOREIGN KEY (space_id) REFERENCES spaces (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE account_carddav_credentials (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    space_carddav_server_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    username VARCHAR(64) NOT NULL,
    password VARCHAR(255) NOT NULL,
    realm VARCHAR(255) NOT NULL,
    algorithm VARCHAR(10) NOT NULL DEFAULT 'MD5',
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT account_carddav_credentials_server_account_unique UNIQUE (space_carddav_server_id, account_id),
    CONSTRAINT account_carddav_credentials_server_foreign FOREIGN KEY (space_carddav_server_id) REFERENCES space_carddav_servers (id) ON DELETE CASCADE,
    CONSTRAINT account_carddav_credentials_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
