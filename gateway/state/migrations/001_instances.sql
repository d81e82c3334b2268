-- The instances of the fleet: each registers at start and refreshes last_seen while it runs, so
-- any instance can list the others with their policy version and health.
CREATE TABLE instances (
  id text PRIMARY KEY,               -- <dataDir>/instance-id, a UUID made once per data dir
  name text NOT NULL,                -- server.instance.name (default: the host name)
  started_at timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  policy_version text NOT NULL DEFAULT '',
  stopped_at timestamptz             -- set on a clean stop; a stale last_seen without it is a dead instance
);
