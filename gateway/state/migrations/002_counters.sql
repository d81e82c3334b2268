-- Fleet-wide admission counters (gateway/state/postgres-counter-store.ts). Times are milliseconds
-- since the epoch on the instances' clocks (kept in sync, as token expiry already requires).

-- One fixed window per key (rule, issuer, subject): `used` is what was charged in it (1 per request
-- for rate limits; a reservation of n, settled later, for token and spend budgets).
CREATE TABLE rate_windows (
  key text PRIMARY KEY,
  window_start bigint NOT NULL,
  window_ms bigint NOT NULL,
  used bigint NOT NULL
);

-- Concurrency slots per key: slot id -> lease expiry. The holder renews its leases while the
-- request runs; when it dies they expire, and the slot is free again.
CREATE TABLE concurrency_slots (
  key text PRIMARY KEY,
  holders jsonb NOT NULL DEFAULT '{}'
);

-- One admission, atomically, in one round trip: the concurrency slot is checked first (a request
-- refused there charges nothing), then the window is charged, then the slot is taken. The slot row
-- is locked before the window row, always in that order, so concurrent admissions cannot deadlock.
CREATE FUNCTION admit(
  p_key text, p_now bigint,
  p_amount bigint, p_limit bigint, p_window_ms bigint,
  p_slot text, p_slots integer, p_lease_ms bigint,
  OUT admitted boolean, OUT refused_by text, OUT window_start bigint, OUT window_ms bigint, OUT used bigint)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  live jsonb;
BEGIN
  admitted := true;
  IF p_slot IS NOT NULL THEN
    -- The upsert locks the row (new or not) until the end of the call; expired leases are dropped.
    INSERT INTO concurrency_slots AS c (key) VALUES (p_key) ON CONFLICT (key) DO UPDATE SET holders = c.holders
      RETURNING c.holders INTO live;
    SELECT coalesce(jsonb_object_agg(e.k, e.v), '{}') INTO live FROM jsonb_each(live) AS e(k, v) WHERE (e.v)::bigint > p_now;
    IF (SELECT count(*) FROM jsonb_object_keys(live)) >= p_slots THEN
      admitted := false;
      refused_by := 'concurrency';
      RETURN;
    END IF;
  END IF;
  IF p_limit IS NOT NULL AND p_amount > p_limit THEN
    -- More than a whole window allows: refused without touching the window.
    SELECT p_now, p_window_ms, 0 INTO window_start, window_ms, used;
    admitted := false;
    refused_by := 'rate';
    RETURN;
  END IF;
  IF p_limit IS NOT NULL THEN
    INSERT INTO rate_windows AS w (key, window_start, window_ms, used) VALUES (p_key, p_now, p_window_ms, p_amount)
    ON CONFLICT (key) DO UPDATE SET
      window_start = CASE WHEN w.window_start + w.window_ms <= p_now THEN p_now ELSE w.window_start END,
      window_ms = CASE WHEN w.window_start + w.window_ms <= p_now THEN p_window_ms ELSE w.window_ms END,
      used = CASE WHEN w.window_start + w.window_ms <= p_now THEN p_amount ELSE w.used + p_amount END
    WHERE w.window_start + w.window_ms <= p_now OR w.used + p_amount <= p_limit
    RETURNING w.window_start, w.window_ms, w.used INTO window_start, window_ms, used;
    IF NOT FOUND THEN
      SELECT w.window_start, w.window_ms, w.used INTO window_start, window_ms, used FROM rate_windows w WHERE w.key = p_key;
      admitted := false;
      refused_by := 'rate';
      RETURN;
    END IF;
  END IF;
  IF p_slot IS NOT NULL THEN
    UPDATE concurrency_slots SET holders = live || jsonb_build_object(p_slot, p_now + p_lease_ms) WHERE key = p_key;
  END IF;
END
$$;
