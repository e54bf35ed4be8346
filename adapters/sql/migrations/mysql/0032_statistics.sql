-- Call and message statistics from Flexisip's hooks. Each row belongs to the space whose admin
-- recorded it (a hook retried in that space finds its row by (space, id)); rows sent by an account
-- of that space (from_account_id, resolved when recorded) go with the account, as the original
-- deletes an account's sent statistics. Devices go with their call or message.

CREATE TABLE statistics_messages (
    row_id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    space VARCHAR(255) NOT NULL,
    id VARCHAR(64) NOT NULL,
    from_username VARCHAR(256) NOT NULL,
    from_domain VARCHAR(256) NOT NULL,
    from_account_id BIGINT NULL,
    sent_at DATETIME(6) NOT NULL,
    encrypted BOOLEAN NOT NULL DEFAULT FALSE,
    conference_id VARCHAR(255) NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT statistics_messages_space_id_unique UNIQUE (space, id),
    CONSTRAINT statistics_messages_space_foreign FOREIGN KEY (space) REFERENCES spaces (domain) ON DELETE CASCADE,
    CONSTRAINT statistics_messages_from_account_id_foreign FOREIGN KEY (from_account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    INDEX statistics_messages_from_account_id (from_account_id),
    INDEX statistics_messages_sent_at (sent_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE statistics_message_devices (
    row_id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    message_row_id BIGINT NOT NULL,
    to_username VARCHAR(256) NOT NULL,
    to_domain VARCHAR(256) NOT NULL,
    device_id VARCHAR(64) NOT NULL,
    last_status BIGINT NOT NULL,
    received_at DATETIME(6) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT statistics_message_devices_unique UNIQUE (message_row_id, to_username, to_domain, device_id),
    CONSTRAINT statistics_message_devices_message_foreign FOREIGN KEY (message_row_id) REFERENCES statistics_messages (row_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE statistics_calls (
    row_id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    space VARCHAR(255) NOT NULL,
    id VARCHAR(64) NOT NULL,
    from_username VARCHAR(256) NOT NULL,
    from_domain VARCHAR(256) NOT NULL,
    to_username VARCHAR(256) NOT NULL,
    to_domain VARCHAR(256) NOT NULL,
    from_account_id BIGINT NULL,
    initiated_at DATETIME(6) NOT NULL,
    ended_at DATETIME(6) NULL,
    conference_id VARCHAR(255) NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT statistics_calls_space_id_unique UNIQUE (space, id),
    CONSTRAINT statistics_calls_space_foreign FOREIGN KEY (space) REFERENCES spaces (domain) ON DELETE CASCADE,
    CONSTRAINT statistics_calls_from_account_id_foreign FOREIGN KEY (from_account_id) REFERENCES accounts (id) ON DELETE CASCADE,
    INDEX statistics_calls_from (space, from_username, from_domain),
    INDEX statistics_calls_to (space, to_username, to_domain),
    INDEX statistics_calls_from_account_id (from_account_id),
    INDEX statistics_calls_initiated_at (initiated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE statistics_call_devices (
    row_id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    call_row_id BIGINT NOT NULL,
    device_id VARCHAR(64) NOT NULL,
    rang_at DATETIME(6) NULL,
    invite_terminated_at DATETIME(6) NULL,
    invite_terminated_state VARCHAR(32) NULL,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT statistics_call_devices_unique UNIQUE (call_row_id, device_id),
    CONSTRAINT statistics_call_devices_call_foreign FOREIGN KEY (call_row_id) REFERENCES statistics_calls (row_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
