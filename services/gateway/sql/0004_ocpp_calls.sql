-- What the gateway answered to each station message that had an effect, so that a message the
-- station sends again (the same CALL after a lost answer, or the same transaction message
-- under a new message id) gets the same answer and no second event (OCPP 1.6 section 3.7.1,
-- OCPP 2.0.1 E13). Keys: `msg:<message id>`, and natural keys such as `tx:<id>:<seqNo>`.
-- Written in the same transaction as the events; rows older than the retention are pruned.
CREATE TABLE IF NOT EXISTS ocpp_calls (
    station_id  text        NOT NULL,
    call_key    text        NOT NULL,
    action      text        NOT NULL,
    result      jsonb       NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (station_id, call_key)
);
CREATE INDEX IF NOT EXISTS ocpp_calls_recorded_at ON ocpp_calls (recorded_at);

-- Per transaction: its first message's seqNo (OCPP 2.0.1) and the seqNos received, to report
-- gaps when the Ended message arrives; the last energy register reading, for an Ended that
-- carries none.
ALTER TABLE ocpp_transactions ADD COLUMN IF NOT EXISTS started_seq_no integer;
ALTER TABLE ocpp_transactions ADD COLUMN IF NOT EXISTS seq_nos integer[] NOT NULL DEFAULT '{}';
ALTER TABLE ocpp_transactions ADD COLUMN IF NOT EXISTS last_energy_wh bigint;

-- Which gateway replica holds each station's socket, so a command reaches it whichever
-- replica consumed it. A replica removes its rows when a socket closes and all of them at
-- start (it holds none then).
CREATE TABLE IF NOT EXISTS station_connections (
    station_id    text        PRIMARY KEY,
    replica       text        NOT NULL,
    replica_url   text        NOT NULL,
    ocpp_version  text        NOT NULL,
    connected_at  timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS station_connections_replica ON station_connections (replica);
