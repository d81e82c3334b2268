-- The fleet's audit index (gateway/state/postgres-audit-index.ts): each instance keeps its own
-- hash chain on its own disk and feeds an entry per record here, from a cursor, like a sink. The
-- record bodies stay in the chain files and the SIEM.

-- The chains of the fleet: where each one's files are (on its instance's host).
CREATE TABLE audit_chains (
  chain text PRIMARY KEY,
  instance text NOT NULL,
  instance_name text NOT NULL,
  host text NOT NULL,
  audit_dir text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_index (
  position bigserial PRIMARY KEY,       -- order of arrival in the index: the fleet-wide page cursor
  chain text NOT NULL,
  seq bigint NOT NULL,
  id text NOT NULL,
  time text NOT NULL,                   -- RFC 3339 UTC exactly as the record has it (sorts as text)
  kind text NOT NULL,
  prev text NOT NULL,
  hash text NOT NULL,
  request_id text,
  issuer text,
  principal text,                       -- the subject
  client_id text,
  decision text,
  rule text,
  model text,
  status integer,
  error_code text,
  UNIQUE (chain, seq)                   -- a batch sent again after an outage adds nothing
);
CREATE INDEX audit_index_id ON audit_index (id);
CREATE INDEX audit_index_principal ON audit_index (principal, position);
CREATE INDEX audit_index_request ON audit_index (request_id);
