-- OCPP 1.6 transaction ids are assigned by the CSMS and must be unique across gateway
-- replicas and restarts: one sequence, kept within 31 bits as stations expect.
CREATE SEQUENCE IF NOT EXISTS ocpp_transaction_ids AS integer MAXVALUE 2147483647;

-- Write-side index from a station's transaction id to its charging-session stream, kept in the
-- same transaction as the append that starts the stream (not a projection: commands need it
-- without lag).
CREATE TABLE IF NOT EXISTS ocpp_transactions (
    station_id          text NOT NULL,
    transaction_id      text NOT NULL,
    charging_session_id text NOT NULL UNIQUE,
    traceparent         text,
    PRIMARY KEY (station_id, transaction_id)
);
