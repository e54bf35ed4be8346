-- Passwords as Flexisip reads them: lower-case hex A1 hash, algorithm `MD5` or `SHA-256`.
CREATE TABLE passwords (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id BIGINT NOT NULL,
    password VARCHAR(255) NOT NULL,
    algorithm VARCHAR(10) NOT NULL DEFAULT 'MD5',
    CONSTRAINT passwords_account_id_algorithm_unique UNIQUE (account_id, algorithm),
    CONSTRAINT passwords_account_id_foreign FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
