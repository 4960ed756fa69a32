-- The credentials token each partner gave us in the registration handshake (OCPI 2.2.1
-- section 2.3, "token B"): we present it, as `Authorization: Token base64(B)`, whenever we
-- call the partner. Unlike the tokens partners present to us (kept as SHA-256 in the log),
-- this one must be usable, so it is kept as it is, and therefore not in the event log: the log
-- is published to Kafka and kept for ever, and a secret must be replaceable and erasable.
-- Written in the same transaction as the partner's `roaming.partner_credentials_exchanged`.
-- Never logged, never served; only the real-time authorization responder reads it.
CREATE TABLE IF NOT EXISTS partner_secrets (
    partner_id        text        PRIMARY KEY,
    country_code      text        NOT NULL,
    party_id          text        NOT NULL,
    credentials_token text        NOT NULL,
    updated_at        timestamptz NOT NULL
);
