-- Objects partner CPOs send us as their eMSP (OCPI 2.2.1 sections 3.1-3.4, Receiver
-- interfaces), pushed to us or pulled by us: the latest state of each, kept per owner
-- (country_code, party_id) and id. Each row is written in the same transaction as the event
-- that records the change (`roaming.location_received`, `roaming.session_received`,
-- `roaming.cdr_received`, `roaming.tariff_received`, `roaming.tariff_deleted`) on the stream
-- `emsp-<module>-<CC>-<PID>-<ID>`; `stream_version` is that stream's version after it, the
-- expected version of the next change (handlers/emsp_objects.py).
--
-- Keys are CiStrings, stored upper case; `object` keeps the partner's spelling, as OCPI JSON
-- (DateTimes in the `Z` form, numbers as JSON numbers). `last_updated` is the object's own
-- (a Location's is the latest of it, its EVSEs and their connectors). `partner_id` is the
-- platform that sent it (a hub, for its clients' objects). Only tariffs are ever deleted
-- (section 3.4 DELETE): their row stays, with `deleted_at`, so that a late copy older than
-- the deletion does not bring the tariff back.
CREATE TABLE IF NOT EXISTS emsp_locations (
    country_code   text        NOT NULL,
    party_id       text        NOT NULL,
    id             text        NOT NULL,
    partner_id     text        NOT NULL,
    stream_version integer     NOT NULL,
    last_updated   timestamptz NOT NULL,
    object         jsonb       NOT NULL,
    received_at    timestamptz NOT NULL,
    deleted_at     timestamptz,
    PRIMARY KEY (country_code, party_id, id)
);

CREATE TABLE IF NOT EXISTS emsp_sessions (
    country_code   text        NOT NULL,
    party_id       text        NOT NULL,
    id             text        NOT NULL,
    partner_id     text        NOT NULL,
    stream_version integer     NOT NULL,
    last_updated   timestamptz NOT NULL,
    object         jsonb       NOT NULL,
    received_at    timestamptz NOT NULL,
    deleted_at     timestamptz,
    PRIMARY KEY (country_code, party_id, id)
);

-- A CDR is written once and never changes (section 3.3); its URL at our Receiver is
-- {cdrs}/{country_code}/{party_id}/{id}.
CREATE TABLE IF NOT EXISTS emsp_cdrs (
    country_code   text        NOT NULL,
    party_id       text        NOT NULL,
    id             text        NOT NULL,
    partner_id     text        NOT NULL,
    stream_version integer     NOT NULL,
    last_updated   timestamptz NOT NULL,
    object         jsonb       NOT NULL,
    received_at    timestamptz NOT NULL,
    deleted_at     timestamptz,
    PRIMARY KEY (country_code, party_id, id)
);

CREATE TABLE IF NOT EXISTS emsp_tariffs (
    country_code   text        NOT NULL,
    party_id       text        NOT NULL,
    id             text        NOT NULL,
    partner_id     text        NOT NULL,
    stream_version integer     NOT NULL,
    last_updated   timestamptz NOT NULL,
    object         jsonb       NOT NULL,
    received_at    timestamptz NOT NULL,
    deleted_at     timestamptz,
    PRIMARY KEY (country_code, party_id, id)
);
