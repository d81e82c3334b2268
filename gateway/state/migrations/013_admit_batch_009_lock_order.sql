-- Migration 009's `admit_batch` (10 arguments, still called by instances from before migration 010)
-- takes its locks in the one global order of 010 on, so that during a rolling upgrade an old and a
-- new instance's batches cannot deadlock.
--
-- Before: 009's batch took each key's locks as it went, in its keys' text order (a slot's advisory
-- lock, then the window's row), while 010's takes an advisory lock on every key first (ordered by
-- lock id) and then writes its rows in its admissions' order. 009's took no advisory lock on a
-- window, so the two could hold each other's next row: the old batch a's row, waiting for b's; the
-- new one b's, waiting for a's. PostgreSQL broke the cycle after deadlock_timeout by failing one
-- statement (its requests answered 503). Now 009's batch first takes the same advisory locks as
-- 010's (every window key, every slot key, ordered by lock id) and writes only rows of keys it holds
-- (test/integration/state/postgres-counter-store.test.ts, "a rolling upgrade across migration 010").
-- Same signature, same results; `admit` (which takes the slot's lock again: held already) is unchanged.
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
  PERFORM pg_advisory_xact_lock(l.ns, l.id) FROM (
    SELECT DISTINCT k.ns, k.id FROM (
      SELECT hashtext('gatehouse slot_leases') AS ns, hashtext(a.key) AS id FROM unnest(p_keys, p_slot) AS a(key, slot) WHERE a.slot IS NOT NULL
      UNION ALL
      SELECT hashtext('gatehouse rate_windows'), hashtext(a.key) FROM unnest(p_keys, p_limit) AS a(key, lim) WHERE a.lim IS NOT NULL
    ) k ORDER BY k.ns, k.id OFFSET 0) l;

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
