-- Up Migration

-- The funnel report counts stage changes and lost deals by month across every lead; the
-- lead-first timeline index cannot serve that.
CREATE INDEX timeline_kind_at ON timeline (kind, at);

-- Down Migration
DROP INDEX timeline_kind_at;
