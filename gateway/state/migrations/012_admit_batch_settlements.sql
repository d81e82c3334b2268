-- `admit_batch` with settlements: the same admissions and releases as migration 011's, and a
-- budget's settlements (a reservation corrected to the real amount once a request ends), which
-- until now went one statement per budget line. Each settlement is `used = greatest(0, used +
-- delta)` on its window if that window has not ended (same start); the answer's row i = 0 carries
-- each settlement's count after it, NULL for a window that had ended. Releases go first, then the
-- settlements (what they give back counts for the admissions of the same statement), then the
-- admissions. A settlement's key is locked with the others, in the same one global order, so two
-- statements never wait on each other in a cycle.
--
-- A function of its own (15 arguments; 011's 12-argument one stays): during a rolling upgrade the
-- instances from before this migration keep calling theirs, and their single-statement settlements
-- lock only the window's row, briefly, with nothing else held: no deadlock with either function.
CREATE FUNCTION admit_batch(
  p_release_keys text[], p_release_slots text[],
  p_settle_keys text[], p_settle_starts bigint[], p_settle_deltas bigint[],
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
  v_now bigint;
  v_key text;
  v_amount bigint;
  v_limit bigint;
  v_ms bigint;
  v_slot_key text;
  v_slot text;
  v_expires bigint;
  v_start bigint;
  settled bigint[] := '{}';
BEGIN
  PERFORM pg_advisory_xact_lock(l.ns, l.id) FROM (
    SELECT DISTINCT k.ns, k.id FROM (
      SELECT hashtext('gatehouse slot_leases') AS ns, hashtext(s.key) AS id FROM unnest(p_slot_keys) AS s(key) WHERE s.key IS NOT NULL
      UNION ALL
      SELECT hashtext('gatehouse rate_windows'), hashtext(w.key) FROM unnest(p_keys) AS w(key)
      UNION ALL
      SELECT hashtext('gatehouse rate_windows'), hashtext(s.key) FROM unnest(p_settle_keys) AS s(key)
    ) k ORDER BY k.ns, k.id OFFSET 0) l;

  FOR r IN 1 .. coalesce(array_length(p_release_keys, 1), 0) LOOP
    v_slot_key := p_release_keys[r];
    v_slot := p_release_slots[r];
    UPDATE slot_leases l SET holder = NULL WHERE l.key = v_slot_key AND l.holder = v_slot;
  END LOOP;

  IF coalesce(array_length(p_settle_keys, 1), 0) > 0 THEN
    FOR t IN 1 .. array_length(p_settle_keys, 1) LOOP
      v_key := p_settle_keys[t];
      v_start := p_settle_starts[t];
      v_amount := p_settle_deltas[t];
      w_used := NULL;
      UPDATE rate_windows w SET used = greatest(0, w.used + v_amount) WHERE w.key = v_key AND w.window_start = v_start
        RETURNING w.used INTO w_used;
      settled := array_append(settled, w_used);
    END LOOP;
    i := 0;
    refused_by := NULL;
    refused_window := NULL;
    refused_until := NULL;
    window_start := NULL;
    used := settled;
    RETURN NEXT;
  END IF;

  FOR a IN 1 .. coalesce(array_length(p_now, 1), 0) LOOP
    i := a;
    refused_by := NULL;
    refused_window := NULL;
    refused_until := NULL;
    window_start := '{}';
    used := '{}';
    v_now := p_now[a];
    v_slot_key := p_slot_keys[a];
    IF p_slots[a] IS NOT NULL THEN
      SELECT count(*) FILTER (WHERE l.holder IS NOT NULL AND l.expires > v_now),
             min(l.place) FILTER (WHERE l.holder IS NULL OR l.expires <= v_now),
             coalesce(max(l.place), 0) + 1
        INTO live, free_place, next_place FROM slot_leases l WHERE l.key = v_slot_key;
      IF live >= p_slot_limits[a] THEN
        refused_by := 'concurrency';
      END IF;
    END IF;
    j := first;
    WHILE refused_by IS NULL AND j < first + p_window_counts[a] LOOP
      v_key := p_keys[j];
      v_amount := p_amounts[j];
      v_limit := p_limits[j];
      v_ms := p_window_ms[j];
      IF v_amount > v_limit THEN
        -- More than a whole window allows: refused without touching the window.
        refused_by := 'window';
        refused_until := v_now + v_ms;
      ELSE
        INSERT INTO rate_windows AS w (key, window_start, window_ms, used) VALUES (v_key, v_now, v_ms, v_amount)
        ON CONFLICT (key) DO UPDATE SET
          window_start = CASE WHEN w.window_start + w.window_ms <= v_now THEN v_now ELSE w.window_start END,
          window_ms = CASE WHEN w.window_start + w.window_ms <= v_now THEN v_ms ELSE w.window_ms END,
          used = CASE WHEN w.window_start + w.window_ms <= v_now THEN v_amount ELSE w.used + v_amount END
        WHERE w.window_start + w.window_ms <= v_now OR w.used + v_amount <= v_limit
        RETURNING w.window_start, w.used INTO w_start, w_used;
        IF FOUND THEN
          window_start := window_start || w_start;
          used := used || w_used;
        ELSE
          refused_by := 'window';
          SELECT w.window_start + w.window_ms INTO refused_until FROM rate_windows w WHERE w.key = v_key;
        END IF;
      END IF;
      IF refused_by IS NOT NULL THEN
        refused_window := j - first + 1;
        -- All or nothing: what the windows before it took goes back, in this transaction.
        FOR k IN first .. j - 1 LOOP
          v_key := p_keys[k];
          v_amount := p_amounts[k];
          UPDATE rate_windows w SET used = w.used - v_amount WHERE w.key = v_key;
        END LOOP;
      END IF;
      j := j + 1;
    END LOOP;
    IF refused_by IS NULL AND p_slots[a] IS NOT NULL THEN
      -- A free (or expired) place, else a new one: the key never has more rows than it held at once.
      v_slot := p_slots[a];
      v_expires := v_now + p_lease_ms[a];
      IF free_place IS NOT NULL THEN
        UPDATE slot_leases l SET holder = v_slot, expires = v_expires WHERE l.key = v_slot_key AND l.place = free_place;
      ELSE
        INSERT INTO slot_leases (key, place, holder, expires) VALUES (v_slot_key, next_place, v_slot, v_expires);
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
