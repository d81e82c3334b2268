-- Fleet-wide alerts (gateway/state/postgres-alert-claims.ts): every instance evaluates
-- the fleet's records; the one that claims a rule's finding here fires it, the others stay quiet
-- until the claim's cooldown ends.
CREATE TABLE alert_claims (
  claim_key text PRIMARY KEY,           -- a digest of rule and finding key (e.g. the principal)
  until_ms bigint NOT NULL,
  instance text NOT NULL
);
