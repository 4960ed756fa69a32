-- Tokens an eMSP sent with a START_SESSION or RESERVE_NOW command that our station accepted
-- into its queue (roaming.command_received, response ACCEPTED). The eMSP has authorized the
-- token already: until `valid_until` it is accepted at that station without asking again
-- (OCPI 2.2.1 section 13: auth_method COMMAND, the eMSP's authorization_reference).
-- Written by the consumer group `evroam.authorization.roaming-tokens` in the transaction of
-- its processed-event row.
CREATE TABLE IF NOT EXISTS remote_start_grants (
    command_id              text        PRIMARY KEY,
    uid                     text        NOT NULL,
    station_id              text        NOT NULL,
    valid_until             timestamptz NOT NULL,
    country_code            text        NOT NULL,
    party_id                text        NOT NULL,
    token_type              text        NOT NULL,
    contract_id             text        NOT NULL,
    group_id                text,
    authorization_reference text,
    received_at             timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS remote_start_grants_by_uid
    ON remote_start_grants (uid, station_id, valid_until);
