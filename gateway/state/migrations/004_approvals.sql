-- Approvals, grants and the instances' liveness for a fleet (gateway/state/*).

-- One row per approval: the record as the core rules read and return it (JSON), with the columns
-- the queries need beside it. `apply` compare-and-sets on revision.
CREATE TABLE approvals (
  id text PRIMARY KEY,
  state text NOT NULL,
  holder text NOT NULL,
  revision integer NOT NULL,
  requested_at bigint NOT NULL,
  settled_at bigint,
  record jsonb NOT NULL
);
CREATE INDEX approvals_pending ON approvals (holder) WHERE state = 'pending';
CREATE INDEX approvals_settled ON approvals (settled_at) WHERE state <> 'pending';

-- One grant per (issuer, subject, rule, model): a new one replaces it; a revocation deletes it.
CREATE TABLE grants (
  id text PRIMARY KEY,
  grant_key text NOT NULL UNIQUE,
  body jsonb NOT NULL,                  -- principal, rule, model, approvalId, approvedBy
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  uses integer NOT NULL DEFAULT 0
);
