-- Station Basic-auth passwords (OCPP security profiles 1 and 2), as argon2id hashes
-- (docs/adr/0012-station-credentials.md). Write side, not a projection, and deliberately not
-- in the event log: the log is published to Kafka and kept for ever, while a secret must be
-- replaceable and erasable. Written in the same transaction as the station's
-- `station.credentials_set` event, which records that it changed but carries no secret.
-- Never logged, never served; only the OCPP endpoint's credential check reads it.
CREATE TABLE IF NOT EXISTS station_credentials (
    station_id       text        PRIMARY KEY,
    password_hash    text        NOT NULL,
    security_profile smallint    NOT NULL CHECK (security_profile IN (1, 2)),
    set_at           timestamptz NOT NULL
);
