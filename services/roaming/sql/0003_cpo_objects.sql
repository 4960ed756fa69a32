-- Locations, sessions and tariffs our partners may pull from the OCPI 2.2.1 Sender interfaces
-- (sections 3.1, 3.2, 3.4). Read models of the gateway's, the session service's and the
-- tariff service's events, written by the consumer group `evroam.roaming.cpo-objects` in the
-- same transaction as its processed_events row. JSON columns hold OCPI objects (or, for
-- stations and sessions, the fold they come from); last_updated columns are truncated to
-- milliseconds, exactly as partners read them, so that date_from/date_to compare what they see.

-- Locations (station.location_registered / station.location_updated). `changed_at`: when the
-- location itself last changed; `last_updated`: the latest of it and its EVSEs' (section 3.1).
CREATE TABLE IF NOT EXISTS ocpi_locations (
    location_id    text        PRIMARY KEY,
    stream_version bigint      NOT NULL,
    changed_at     timestamptz NOT NULL,
    last_updated   timestamptz NOT NULL,
    location       jsonb       NOT NULL
);
CREATE INDEX IF NOT EXISTS ocpi_locations_by_last_updated
    ON ocpi_locations (last_updated, location_id);
-- Ids are CiStrings: a GET may spell them in another case.
CREATE INDEX IF NOT EXISTS ocpi_locations_by_upper_id ON ocpi_locations (upper(location_id));

-- Each station's fold (registry entry, connector statuses, connection), by stream version.
CREATE TABLE IF NOT EXISTS ocpi_stations (
    station_id     text   PRIMARY KEY,
    stream_version bigint NOT NULL,
    state          jsonb  NOT NULL
);

-- EVSEs as OCPI shows them, per location they have been at: `evse` is the EVSE object without
-- status and last_updated. Never deleted: an EVSE that leaves a location stays, REMOVED.
CREATE TABLE IF NOT EXISTS ocpi_evses (
    location_id  text        NOT NULL,
    evse_uid     text        NOT NULL,
    station_id   text        NOT NULL,
    status       text        NOT NULL,
    removed      boolean     NOT NULL DEFAULT false,
    last_updated timestamptz NOT NULL,
    evse         jsonb       NOT NULL,
    PRIMARY KEY (location_id, evse_uid)
);
CREATE INDEX IF NOT EXISTS ocpi_evses_by_station ON ocpi_evses (station_id);
CREATE INDEX IF NOT EXISTS ocpi_evses_by_upper_id
    ON ocpi_evses (upper(location_id), upper(evse_uid));

-- One OCPI Session per charging session (session.* events folded). The token owner is NULL
-- while the session is PENDING without a token: no partner sees it then.
CREATE TABLE IF NOT EXISTS ocpi_sessions (
    session_id         text        PRIMARY KEY,
    token_country_code text,
    token_party_id     text,
    stream_version     bigint      NOT NULL,
    last_updated       timestamptz NOT NULL,
    session            jsonb       NOT NULL
);
-- A partner only ever reads the sessions of its own tokens, oldest first.
CREATE INDEX IF NOT EXISTS ocpi_sessions_by_token_owner
    ON ocpi_sessions (token_country_code, token_party_id, last_updated, session_id);

-- The latest published version of each tariff (tariff.published), its retirement
-- (tariff.retired) and when it last became visible to more partners (tariff.assigned).
-- `tariff` is NULL (and `version` 0) while only a retirement or an assignment has arrived.
CREATE TABLE IF NOT EXISTS ocpi_tariffs (
    tariff_id    text        PRIMARY KEY,
    version      integer     NOT NULL,
    last_updated timestamptz NOT NULL,
    retired_from timestamptz,
    retired_at   timestamptz,
    shown_at     timestamptz,
    tariff       jsonb
);
CREATE INDEX IF NOT EXISTS ocpi_tariffs_by_last_updated ON ocpi_tariffs (last_updated, tariff_id);

-- Who may see a tariff: ('*', '*') for every partner, else the eMSP parties it was assigned
-- to. A tariff without any row here (published, not assigned yet) is shown to every partner.
CREATE TABLE IF NOT EXISTS ocpi_tariff_audiences (
    tariff_id    text NOT NULL,
    country_code text NOT NULL,
    party_id     text NOT NULL,
    PRIMARY KEY (tariff_id, country_code, party_id)
);
