-- Everything lives in the event log; projections own their read tables.
DO $$ BEGIN END $$;  -- nothing of its own yet; keeps the migration chain explicit
