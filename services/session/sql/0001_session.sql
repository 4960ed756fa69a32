-- What the session service knows of tariffs, fed from the tariff service's events by the
-- session policies consumer (in the same transaction as its processed-event row). Versions
-- are immutable, so a session locks (tariff_id, version) and reads it here.
CREATE TABLE IF NOT EXISTS tariff_versions (
    tariff_id text    NOT NULL,
    version   integer NOT NULL,
    tariff    jsonb   NOT NULL,
    PRIMARY KEY (tariff_id, version)
);

CREATE TABLE IF NOT EXISTS tariff_assignments (
    location_id    text        NOT NULL,
    effective_from timestamptz NOT NULL,
    tariff_id      text        NOT NULL,
    version        integer     NOT NULL,
    PRIMARY KEY (location_id, effective_from)
);
