-- The tariff service keeps everything in its event log; read tables belong to projections,
-- which create their own versioned tables (see projections/).
DO $$ BEGIN END $$;  -- nothing of its own yet; keeps the migration chain explicit
