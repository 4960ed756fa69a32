-- The W3C traceparent of the work that queued a push (the consumer span of the event that
-- caused it), so the push, sent later by the pusher's loop, joins that trace as its child
-- (ADR 0023). NULL for pushes queued before this column existed: they start a trace of their
-- own, as they did.
ALTER TABLE ocpi_pushes ADD COLUMN IF NOT EXISTS traceparent text;
