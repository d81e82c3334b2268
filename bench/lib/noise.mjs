// Noise gating for a shared machine: wait until other processes are quiet before a measurement,
// and record how much CPU they used during it.
import { otherCpuSeconds, otherTicks } from './proc-stats.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until processes outside this bench used at most `maxS` CPU-seconds in a `windowS` window,
 * giving up after `timeoutS`. Resolves with the last window's figure and whether it was quiet.
 */
export async function waitQuiet({ windowS, maxS, timeoutS, clk }) {
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const before = otherTicks();
    await sleep(windowS * 1000);
    const used = otherCpuSeconds(before, otherTicks(), clk);
    if (used <= maxS) return { quiet: true, otherS: used };
    if (Date.now() >= deadline) return { quiet: false, otherS: used };
  }
}

/** Measures other processes' CPU-seconds while `fn` runs. */
export async function measureOthers(fn, clk) {
  const before = otherTicks();
  const result = await fn();
  return { result, otherS: otherCpuSeconds(before, otherTicks(), clk) };
}
