-- The events table is the service's log and its outbox (ARCHITECTURE section 4).
CREATE TABLE IF NOT EXISTS events (
    position       bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    stream_id      text        NOT NULL,
    stream_version integer     NOT NULL CHECK (stream_version >= 1),
    event_id       uuid        NOT NULL UNIQUE,
    type           text        NOT NULL,
    version        integer     NOT NULL,
    payload        jsonb       NOT NULL,
    metadata       jsonb       NOT NULL,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (stream_id, stream_version)
);
CREATE INDEX IF NOT EXISTS events_correlation ON events ((metadata ->> 'correlation_id'));

-- How far each relay has published the log.
CREATE TABLE IF NOT EXISTS relay_checkpoints (
    name     text PRIMARY KEY,
    position bigint NOT NULL
);

-- Exactly-once effect for Kafka consumers: written in the same transaction as the effect.
CREATE TABLE IF NOT EXISTS processed_events (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- How far each projection has folded its feed.
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    projection text PRIMARY KEY,
    position   bigint NOT NULL
);
