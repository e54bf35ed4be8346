-- Digest nonce/opaque pairs, shared by every server process.
CREATE TABLE digest_nonces (
    opaque VARCHAR(255) NOT NULL PRIMARY KEY,
    nonce VARCHAR(255) NOT NULL,
    username VARCHAR(255) NOT NULL,
    domain VARCHAR(255) NOT NULL,
    ip VARCHAR(64) NOT NULL,
    nc BIGINT NOT NULL DEFAULT 0,
    uses BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX digest_nonces_created_at ON digest_nonces (created_at);
