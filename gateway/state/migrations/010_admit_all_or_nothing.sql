-- All of a request's limits in one admission (gateway/state/postgres-counter-store.ts): its
-- concurrency slot and several windows (the rate limit's, then each token and spend budget line,
-- one per caller group for `scope: group`), all or nothing, in the one `admit_batch` statement its
-- instance sends this tick. Before, a request with a rate limit and budgets paid a round trip for
-- the rate limit and one per budget line, and a refusal by a later line gave back the earlier ones
-- with separate statements (others saw the over-count meanwhile).
--
-- One admission: the slot is checked first (a request refused there is charged nothing), then its
-- windows are charged in order; the first that would pass its limit refuses the request, and what
-- the ones before it took is taken back in the same transaction (no other statement ever sees
-- it); then the slot takes a place (migration 009).
--
-- Locks: an admission now touches the rows of several keys, in an order of its own, and a batch
-- holds every lock until it commits. So that two batches cannot deadlock, a batch first takes a
-- transaction-scoped advisory lock on every key it will touch (windows and slots, in memory,
-- nothing written), all in one global order (lock ids ascending); it then writes only rows of
-- keys it holds, so it never waits on another batch for a row. Slot keys keep migration 009's
-- lock (the sweep tries it). A settlement updates one row and holds nothing else: it cannot be
-- part of a cycle.
--
-- Each admission is inline here rather than a call of `admit` per admission (one query less per
-- admission for PL/pgSQL to run). The functions of migrations 008 and 009 stay, for instances not
-- yet upgraded.
--
-- Arguments: the releases (key, slot id); per admission: now, slot key, slot id, slot limit and
-- lease (nulls: no slot), and its number of windows; per window, the admissions' windows one after
-- another: key, amount, limit, window length. Returns one row per admission, in order: `i` (from
-- 1); `refused_by` null (admitted: each window's start and count after the charge, in order),
-- 'concurrency', or 'window' (`refused_window`, from 1, and `refused_until`, when that window ends).
CREATE FUNCTION admit_batch(
  p_release_keys text[], p_release_slots text[],
  p_now bigint[], p_slot_keys text[], p_slots text[], p_slot_limits integer[], p_lease_ms bigint[], p_window_counts integer[],
  p_keys text[], p_amounts bigint[], p_limits bigint[], p_window_ms bigint[])
RETURNS TABLE (i integer, refused_by text, refused_window integer, refused_until bigint, window_start bigint[], used bigint[])
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  first integer := 1;   -- the first window of admission i
  j integer;
  live bigint;
  free_place integer;
  next_place integer;
  w_start bigint;
  w_used bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(l.ns, l.id) FROM (
    SELECT DISTINCT k.ns, k.id FROM (
      SELECT hashtext('gatehouse slot_leases') AS ns, hashtext(s.key) AS id FROM unnest(p_slot_keys) AS s(key) WHERE s.key IS NOT NULL
      UNION ALL
      SELECT hashtext('gatehouse rate_windows'), hashtext(w.key) FROM unnest(p_keys) AS w(key)
    ) k ORDER BY k.ns, k.id OFFSET 0) l;

  UPDATE slot_leases l SET holder = NULL FROM unnest(p_release_keys, p_release_slots) AS r(key, slot) WHERE l.key = r.key AND l.holder = r.slot;

  FOR a IN 1 .. coalesce(array_length(p_now, 1), 0) LOOP
    i := a;
    refused_by := NULL;
    refused_window := NULL;
    refused_until := NULL;
    window_start := '{}';
    used := '{}';
    IF p_slots[a] IS NOT NULL THEN
      SELECT count(*) FILTER (WHERE l.holder IS NOT NULL AND l.expires > p_now[a]),
             min(l.place) FILTER (WHERE l.holder IS NULL OR l.expires <= p_now[a]),
             coalesce(max(l.place), 0) + 1
        INTO live, free_place, next_place FROM slot_leases l WHERE l.key = p_slot_keys[a];
      IF live >= p_slot_limits[a] THEN
        refused_by := 'concurrency';
      END IF;
    END IF;
    j := first;
    WHILE refused_by IS NULL AND j < first + p_window_counts[a] LOOP
      IF p_amounts[j] > p_limits[j] THEN
        -- More than a whole window allows: refused without touching the window.
        refused_by := 'window';
        refused_until := p_now[a] + p_window_ms[j];
      ELSE
        INSERT INTO rate_windows AS w (key, window_start, window_ms, used) VALUES (p_keys[j], p_now[a], p_window_ms[j], p_amounts[j])
        ON CONFLICT (key) DO UPDATE SET
          window_start = CASE WHEN w.window_start + w.window_ms <= p_now[a] THEN p_now[a] ELSE w.window_start END,
          window_ms = CASE WHEN w.window_start + w.window_ms <= p_now[a] THEN p_window_ms[j] ELSE w.window_ms END,
          used = CASE WHEN w.window_start + w.window_ms <= p_now[a] THEN p_amounts[j] ELSE w.used + p_amounts[j] END
        WHERE w.window_start + w.window_ms <= p_now[a] OR w.used + p_amounts[j] <= p_limits[j]
        RETURNING w.window_start, w.used INTO w_start, w_used;
        IF FOUND THEN
          window_start := window_start || w_start;
          used := used || w_used;
        ELSE
          refused_by := 'window';
          SELECT w.window_start + w.window_ms INTO refused_until FROM rate_windows w WHERE w.key = p_keys[j];
        END IF;
      END IF;
      IF refused_by IS NOT NULL THEN
        refused_window := j - first + 1;
        -- All or nothing: what the windows before it took goes back, in this transaction.
        FOR k IN first .. j - 1 LOOP
          UPDATE rate_windows w SET used = w.used - p_amounts[k] WHERE w.key = p_keys[k];
        END LOOP;
      END IF;
      j := j + 1;
    END LOOP;
    IF refused_by IS NULL AND p_slots[a] IS NOT NULL THEN
      -- A free (or expired) place, else a new one: the key never has more rows than it held at once.
      IF free_place IS NOT NULL THEN
        UPDATE slot_leases l SET holder = p_slots[a], expires = p_now[a] + p_lease_ms[a] WHERE l.key = p_slot_keys[a] AND l.place = free_place;
      ELSE
        INSERT INTO slot_leases (key, place, holder, expires) VALUES (p_slot_keys[a], next_place, p_slots[a], p_now[a] + p_lease_ms[a]);
      END IF;
    END IF;
    IF refused_by IS NOT NULL THEN
      window_start := NULL;
      used := NULL;
    END IF;
    first := first + p_window_counts[a];
    RETURN NEXT;
  END LOOP;
END
$$;
