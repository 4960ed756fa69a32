-- Everything lives in the event log; the read tables belong to projections (see projections/).
DO $$ BEGIN END $$;  -- nothing of its own yet; keeps the migration chain explicit
