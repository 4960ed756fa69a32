-- Where each session takes place and whether it is still open, so that a connector status
-- (which arrives on the station's stream, in any order relative to the session's own) and a
-- station's reboot find the sessions they concern. Written by the policies consumer in the
-- same transaction as the session's events; derived from them, so a rebuild can refill it.
CREATE TABLE IF NOT EXISTS session_connectors (
    session_id        text PRIMARY KEY,
    station_id        text        NOT NULL,
    ocpp_connector_id integer,
    started_at        timestamptz NOT NULL,
    ended_at          timestamptz,
    open              boolean     NOT NULL,
    -- Set when the station rebooted while the session was open (the unfinished policy).
    unfinished_since  timestamptz
);
CREATE INDEX IF NOT EXISTS session_connectors_connector
    ON session_connectors (station_id, ocpp_connector_id);
CREATE INDEX IF NOT EXISTS session_connectors_unfinished
    ON session_connectors (unfinished_since) WHERE open AND unfinished_since IS NOT NULL;

-- Every connector status change reported, so that a session starting after its connector's
-- status arrived still learns it (parking time).
CREATE TABLE IF NOT EXISTS connector_states (
    station_id        text        NOT NULL,
    ocpp_connector_id integer     NOT NULL,
    at                timestamptz NOT NULL,
    state             text        NOT NULL,
    station_clock     boolean     NOT NULL,
    PRIMARY KEY (station_id, ocpp_connector_id, at, state)
);
