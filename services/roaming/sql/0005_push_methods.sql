-- Pushes of objects that change (sessions, locations) are PUTs to a path under the partner's
-- Receiver endpoint (OCPI 2.2.1 sections 3.1 and 3.2: {endpoint}/{country_code}/{party_id}/
-- {id}); CDRs stay POSTs to the endpoint itself.
ALTER TABLE ocpi_pushes ADD COLUMN IF NOT EXISTS method text NOT NULL DEFAULT 'POST';
ALTER TABLE ocpi_pushes ADD COLUMN IF NOT EXISTS path text NOT NULL DEFAULT '';
