-- Failed authentications per key (ip:..., account:...), counted over a sliding window by every
-- server process sharing the database.
CREATE TABLE auth_failures (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    failure_key VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX auth_failures_key_created_at ON auth_failures (failure_key, created_at);
CREATE INDEX auth_failures_created_at ON auth_failures (created_at);
