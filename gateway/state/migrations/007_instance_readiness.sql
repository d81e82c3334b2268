-- Each instance's readiness with its heartbeat (gateway/state/instance-registry.ts), so any
-- instance can list the fleet's health: what its /readyz reports as not ready, empty when ready.
ALTER TABLE instances ADD COLUMN not_ready text[] NOT NULL DEFAULT '{}';
