-- The parties a hub says are behind it (OCPI 2.2.1 section 3.8 HubClientInfo, pushed to us by
-- the hub with PUT {clientinfo}/{country_code}/{party_id}). A hub may speak for, and be sent
-- the objects of, its CONNECTED clients only.
CREATE TABLE IF NOT EXISTS ocpi_hub_clients (
    hub_partner_id text        NOT NULL,
    country_code   text        NOT NULL,
    party_id       text        NOT NULL,
    role           text        NOT NULL,
    status         text        NOT NULL,  -- CONNECTED, OFFLINE, PLANNED, SUSPENDED
    last_updated   timestamptz NOT NULL,
    PRIMARY KEY (hub_partner_id, country_code, party_id)
);
CREATE INDEX IF NOT EXISTS ocpi_hub_clients_party ON ocpi_hub_clients (country_code, party_id);

-- Whom a push is addressed to (OCPI-to-* headers): the partner's own party, or, through a
-- hub, the hub's client that owns the object.
ALTER TABLE ocpi_pushes ADD COLUMN IF NOT EXISTS to_country_code text;
ALTER TABLE ocpi_pushes ADD COLUMN IF NOT EXISTS to_party_id text;
