-- Call and message statistics from Flexisip's hooks. Each row belongs to the space whose admin
-- recorded it (a hook retried in that space finds its row by (space, id)); rows sent by an account
-- of that space (from_account_id, resolved when recorded) go with the account, as the original
-- deletes an account's sent statistics. Devices go with their call or message.

CREATE TABLE statistics_messages (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    space VARCHAR(255) NOT NULL,
    id VARCHAR(64) NOT NULL,
    from_username VARCHAR(256) NOT NULL,
    from_domain VARCHAR(256) NOT NULL,
    from_account_id INTEGER NULL,
    sent_at TEXT NOT NULL,
    encrypted BOOLEAN NOT NULL DEFAULT FALSE,
    conference_id VARCHAR(255) NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT statistics_messages_space_id_unique UNIQUE (space, id),
    CONSTRAINT statistics_messages_space_foreign FOREIGN KEY (space) REFERENCES spaces (domain) ON DELETE CASCADE,
    CONSTRAINT statistics_messages_from_account_id_foreign FOREIGN KEY (from_account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX statistics_messages_from_account_id ON statistics_messages (from_account_id);
CREATE INDEX statistics_messages_sent_at ON statistics_messages (sent_at);
CREATE TABLE statistics_message_devices (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_row_id INTEGER NOT NULL,
    to_username VARCHAR(256) NOT NULL,
    to_domain VARCHAR(256) NOT NULL,
    device_id VARCHAR(64) NOT NULL,
    last_status INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT statistics_message_devices_unique UNIQUE (message_row_id, to_username, to_domain, device_id),
    CONSTRAINT statistics_message_devices_message_foreign FOREIGN KEY (message_row_id) REFERENCES statistics_messages (row_id) ON DELETE CASCADE
);
CREATE TABLE statistics_calls (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    space VARCHAR(255) NOT NULL,
    id VARCHAR(64) NOT NULL,
    from_username VARCHAR(256) NOT NULL,
    from_domain VARCHAR(256) NOT NULL,
    to_username VARCHAR(256) NOT NULL,
    to_domain VARCHAR(256) NOT NULL,
    from_account_id INTEGER NULL,
    initiated_at TEXT NOT NULL,
    ended_at TEXT NULL,
    conference_id VARCHAR(255) NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT statistics_calls_space_id_unique UNIQUE (space, id),
    CONSTRAINT statistics_calls_space_foreign FOREIGN KEY (space) REFERENCES spaces (domain) ON DELETE CASCADE,
    CONSTRAINT statistics_calls_from_account_id_foreign FOREIGN KEY (from_account_id) REFERENCES accounts (id) ON DELETE CASCADE
);
CREATE INDEX statistics_calls_from ON statistics_calls (space, from_username, from_domain);
CREATE INDEX statistics_calls_to ON statistics_calls (space, to_username, to_domain);
CREATE INDEX statistics_calls_from_account_id ON statistics_calls (from_account_id);
CREATE INDEX statistics_calls_initiated_at ON statistics_calls (initiated_at);
CREATE TABLE statistics_call_devices (
    row_id INTEGER PRIMARY KEY AUTOINCREMENT,
    call_row_id INTEGER NOT NULL,
    device_id VARCHAR(64) NOT NULL,
    rang_at TEXT NULL,
    invite_terminated_at TEXT NULL,
    invite_terminated_state VARCHAR(32) NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT statistics_call_devices_unique UNIQUE (call_row_id, device_id),
    CONSTRAINT statistics_call_devices_call_foreign FOREIGN KEY (call_row_id) REFERENCES statistics_calls (row_id) ON DELETE CASCADE
);
