-- One row per concurrency slot (gateway/state/postgres-counter-store.ts). Before, all of a key's
-- slots were one jsonb map in concurrency_slots, which every admission and every release of that
-- key rewrote whole (and filtered, and counted): a hot caller's row was rewritten twice per
-- request, its size growing with the requests in flight. Now a key has a row per place (as many
-- as it ever held at once): an admission writes its lease into a free place, a release empties
-- its own, a renewal extends its own. Rows are updated in place (no indexed column changes, so
-- the updates are HOT and pruned on the page), never inserted and deleted per request, which
-- would leave a dead row per request for every count to step over until vacuum.
--
-- A key's admissions take turns, so that counting the live leases and taking a place is one step:
-- a transaction-scoped advisory lock on the key (in memory, nothing written), taken where the
-- slot row's lock was (before the window row; a batch takes its keys in order), so batches still
-- cannot deadlock. A release needs no lock (it only empties its own place).

CREATE TABLE slot_leases (
  key text NOT NULL,
  place integer NOT NULL,
  holder text,                          -- the slot id; null: free
  expires bigint NOT NULL DEFAULT 0,    -- ms since the epoch; the holder renews it while the request runs
  PRIMARY KEY (key, place)
);

-- The leases held when the schema is migrated keep counting (an instance on this version renews them).
INSERT INTO slot_leases (key, place, holder, expires)
  SELECT c.key, row_number() OVER (PARTITION BY c.key ORDER BY e.k), e.k, (e.v)::bigint FROM concurrency_slots c, jsonb_each(c.holders) AS e(k, v);
DROP TABLE concurrency_slots;

-- `admit` of migration 002, its slot part on slot_leases (same signature, same results).
CREATE OR REPLACE FUNCTION admit(
  p_key text, p_now bigint,
  p_amount bigint, p_limit bigint, p_window_ms bigint,
  p_slot text, p_slots integer, p_lease_ms bigint,
  OUT admitted boolean, OUT refused_by text, OUT window_start bigint, OUT window_ms bigint, OUT used bigint)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  live bigint;
  free_place integer;
  next_place integer;
BEGIN
  admitted := true;
  IF p_slot IS NOT NULL THEN
    -- Held until the end of the transaction: the key's next admission counts after this one took its place.
    PERFORM pg_advisory_xact_lock(hashtext('gatehouse slot_leases'), hashtext(p_key));
    SELECT count(*) FILTER (WHERE l.holder IS NOT NULL AND l.expires > p_now),
           min(l.place) FILTER (WHERE l.holder IS NULL OR l.expires <= p_now),
           coalesce(max(l.place), 0) + 1
      INTO live, free_place, next_place FROM slot_leases l WHERE l.key = p_key;
    IF live >= p_slots THEN
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
    -- A free (or expired) place, else a new one: the key never has more rows than it held at once.
    IF free_place IS NOT NULL THEN
      UPDATE slot_leases l SET holder = p_slot, expires = p_now + p_lease_ms WHERE l.key = p_key AND l.place = free_place;
    ELSE
      INSERT INTO slot_leases (key, place, holder, expires) VALUES (p_key, next_place, p_slot, p_now + p_lease_ms);
    END IF;
  END IF;
END
$$;

-- `admit_batch` of migration 008, a release now emptying its place (same signature, same order).
CREATE OR REPLACE FUNCTION admit_batch(
  p_release_keys text[], p_release_slots text[],
  p_keys text[], p_now bigint[], p_amount bigint[], p_limit bigint[], p_window_ms bigint[],
  p_slot text[], p_slots integer[], p_lease_ms bigint[])
RETURNS TABLE (i integer, admitted boolean, refused_by text, window_start bigint, window_ms bigint, used bigint)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  item record;
  result record;
BEGIN
  FOR item IN
    SELECT u.key, u.kind, u.ord::integer AS ord FROM (
      SELECT r.key, 0 AS kind, r.ord FROM unnest(p_release_keys) WITH ORDINALITY AS r(key, ord)
      UNION ALL
      SELECT a.key, 1, a.ord FROM unnest(p_keys) WITH ORDINALITY AS a(key, ord)
    ) u
    ORDER BY u.key, u.kind, u.ord
  LOOP
    IF item.kind = 0 THEN
      UPDATE slot_leases l SET holder = NULL WHERE l.key = item.key AND l.holder = p_release_slots[item.ord];
    ELSE
      SELECT * INTO result FROM admit(item.key, p_now[item.ord], p_amount[item.ord], p_limit[item.ord], p_window_ms[item.ord],
        p_slot[item.ord], p_slots[item.ord], p_lease_ms[item.ord]);
      i := item.ord;
      admitted := result.admitted;
      refused_by := result.refused_by;
      window_start := result.window_start;
      window_ms := result.window_ms;
      used := result.used;
      RETURN NEXT;
    END IF;
  END LOOP;
END
$$;
