-- The alert webhooks' retry queue (gateway/state/postgres-webhook-queue.ts), shared by the fleet:
-- any instance delivers a due entry, claimed with FOR UPDATE SKIP LOCKED and a lease, so one
-- instance delivers each entry and one that dies mid-delivery lets it go when its lease ends.
-- A channel is one webhook: only its head (lowest id) is ever claimed, so order is kept.
-- Times are milliseconds since the epoch on the instances' clocks.
CREATE TABLE webhook_queue (
  id bigserial PRIMARY KEY,
  channel text NOT NULL,
  alert_id text NOT NULL,
  body text NOT NULL,                   -- the request body as posted (the alert, in the webhook's format)
  attempts integer NOT NULL DEFAULT 0,
  due_ms bigint NOT NULL,
  claim text,                           -- '<instance id>/<uuid>': the claim that holds it, until lease_until_ms
  lease_until_ms bigint
);
CREATE INDEX webhook_queue_channel_id ON webhook_queue (channel, id);
