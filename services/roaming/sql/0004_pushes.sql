-- Objects we push to partners (OCPI 2.2.1 section 1.10: the owner pushes changes to the
-- partners entitled to them), in order per partner. Written in the same transaction as the
-- consumer's processed-event row (enqueue) or as the push's outcome event (attempts).
-- `body` is the OCPI JSON to send; `url` is resolved when it is sent (a credentials update
-- may move the partner's endpoint).
CREATE TABLE IF NOT EXISTS ocpi_pushes (
    push_id          bigserial   PRIMARY KEY,
    partner_id       text        NOT NULL,
    module           text        NOT NULL,
    object_id        text        NOT NULL,
    body             text        NOT NULL,
    correlation_id   text,
    state            text        NOT NULL DEFAULT 'PENDING',  -- PENDING, DELIVERED, DEAD
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_error       text,
    location         text,  -- where the partner keeps it (OCPI CDRs Receiver: Location header)
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    UNIQUE (partner_id, module, object_id)
);
CREATE INDEX IF NOT EXISTS ocpi_pushes_due ON ocpi_pushes (partner_id, push_id)
    WHERE state = 'PENDING';
