// Interleaved CPU rounds for micro-benchmarks on a shared box: each case runs for a slice of CPU
// time (process.cpuUsage, so other processes' load counts less than on the wall clock), case after
// case, round after round; each case's figure is its median per-operation cost over the rounds.

export interface RoundsCase {
  name: string;
  run: () => unknown;
}

export interface RoundsRow {
  case: string;
  /** Median over the rounds, µs of CPU per operation. */
  us: number;
  min: number;
  max: number;
}

/** `warmup` operations of each case first; then `rounds` rounds of `sliceMs` of CPU per case. */
export function interleavedRounds(cases: readonly RoundsCase[], o: { sliceMs: number; rounds: number; warmup: number }): RoundsRow[] {
  const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
  for (const c of cases) for (let n = 0; n < o.warmup; n++) c.run();
  const results = cases.map(() => [] as number[]);
  for (let r = 0; r < o.rounds; r++) {
    for (const [i, c] of cases.entries()) {
      let ops = 0;
      const t0 = cpu();
      // The clock read every 20 operations: reading it costs about as much as a small operation.
      while (cpu() - t0 < o.sliceMs * 1000) for (let k = 0; k < 20; k++, ops++) c.run();
      results[i]!.push((cpu() - t0) / ops);
    }
  }
  const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2; };
  return cases.map((c, i) => ({ case: c.name, us: median(results[i]!), min: Math.min(...results[i]!), max: Math.max(...results[i]!) }));
}
