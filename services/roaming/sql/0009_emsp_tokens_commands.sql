-- The eMSP role of the roaming service (OCPI 2.2.1 sections 3.5, 3.6, 6.1, 6.2).

-- Our own drivers' tokens (`token.registered` with source "own", from the authorization
-- service), kept by the consumer group `evroam.roaming.emsp-tokens` in the same transaction
-- as its processed-event row: what our Tokens Sender lists and answers real-time
-- authorizations from, and what we push to CPOs. `token` is the OCPI Token JSON as served.
-- Keys are CiStrings, stored upper case; `last_updated` is truncated to milliseconds, as
-- partners read it, so that date_from/date_to compare what they see. `stream_version` is
-- the version of the token's stream in the authorization service's log: an older event
-- arriving late (a re-publication) never replaces a newer token.
CREATE TABLE IF NOT EXISTS emsp_tokens (
    country_code   text        NOT NULL,
    party_id       text        NOT NULL,
    uid            text        NOT NULL,
    type           text        NOT NULL,
    valid          boolean     NOT NULL,
    last_updated   timestamptz NOT NULL,
    stream_version integer     NOT NULL,
    token          jsonb       NOT NULL,
    PRIMARY KEY (country_code, party_id, uid, type)
);
-- The Sender's list, oldest first (section 1.8); real-time authorization looks up (uid, type).
CREATE INDEX IF NOT EXISTS emsp_tokens_by_last_updated
    ON emsp_tokens (last_updated, country_code, party_id, uid, type);
CREATE INDEX IF NOT EXISTS emsp_tokens_by_uid ON emsp_tokens (uid, type);

-- Commands we send to CPOs (we are the eMSP, section 6.2), one row per command: written
-- before the POST (so a CommandResult racing the CommandResponse finds its command), then
-- completed with the CommandResponse, then with the CommandResult posted to our
-- `response_url` (.../commands/{command}/{command_id}). Each change is written in the same
-- transaction as its event (`roaming.command_sent`, `roaming.command_result_received`) on
-- the stream `command-<command_id>`. The state shown to operators is derived from the
-- columns (domain/emsp_commands.py), "timed out" included, so nothing needs to sweep.
CREATE TABLE IF NOT EXISTS emsp_commands (
    command_id       text        PRIMARY KEY,
    partner_id       text        NOT NULL,
    command          text        NOT NULL,
    request          jsonb       NOT NULL,
    sent_at          timestamptz NOT NULL,
    answered_at      timestamptz,
    http_status      integer,
    ocpi_status      integer,
    response         text,  -- CommandResponseType; NULL with `failure` when none came
    response_timeout integer,
    response_message text,
    failure          text,
    result           text,  -- CommandResultType, the latest one posted
    result_message   text,
    result_at        timestamptz
);
CREATE INDEX IF NOT EXISTS emsp_commands_by_partner ON emsp_commands (partner_id, sent_at);
