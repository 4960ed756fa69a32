-- What the CDR service has seen of other services, to check a CDR's references before it is
-- issued (the session started, the location is registered, the token is known). Written by
-- the references and policies consumers in the same transaction as their processed-event row.
CREATE TABLE IF NOT EXISTS known_sessions (
    session_id  text PRIMARY KEY,
    started_at  timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS known_locations (
    country_code text NOT NULL,
    party_id     text NOT NULL,
    location_id  text NOT NULL,
    PRIMARY KEY (country_code, party_id, location_id)
);
-- Registered tokens (ours and roaming partners'), and tokens an eMSP accepted in real time.
CREATE TABLE IF NOT EXISTS known_tokens (
    country_code text NOT NULL,
    party_id     text NOT NULL,
    uid          text NOT NULL,
    PRIMARY KEY (country_code, party_id, uid)
);
