-- Admissions in batches (gateway/state/postgres-counter-store.ts): what one instance gathers in
-- one event-loop tick (admissions, and the slot releases that piled up since its last statement)
-- goes in one statement, so a busy instance makes about one round trip per tick rather than two
-- per request, and takes a hot key's row locks once per batch rather than once per request.
--
-- Each admission is the `admit` function of migration 002, unchanged (its result, `used` included). Items are handled in key
-- order (a key's releases before its admissions, then in arrival order), so every batch locks its
-- rows in one global order (key; the slot row before the window row) and two batches cannot
-- deadlock. Returns one row per admission: its position in the arrays (from 1) and the result.
CREATE FUNCTION admit_batch(
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
      UPDATE concurrency_slots SET holders = holders - p_release_slots[item.ord] WHERE key = item.key;
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
