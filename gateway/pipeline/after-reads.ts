import { performance } from 'node:perf_hooks';

/** The longest run of queued work per turn of the event loop before the reads ready then go first. */
const sliceMs = 1;

// One queue for the process (there is one event loop): functions and their arguments side by
// side, so queuing makes no object per call.
const fns: (((arg: never) => void) | undefined)[] = [];
const args: unknown[] = [];
let head = 0;
let scheduled = false;

/**
 * Runs `fn(arg)` after the reads ready now: in the loop's check phase, in slices of at most
 * `sliceMs` (at least one call each), in the order queued; what is left waits for the next turn,
 * after that turn's reads. For work many streams may want at once that nothing waits for on this
 * turn, such as the ends of many streams whose answers ended in one read of the loop: run back to
 * back they would hold every event that is ready to be relayed.
 *
 * @example
 * afterReads(endSink, sink) // endSink(sink) runs once the reads ready now have been handled
 */
export function afterReads<T>(fn: (arg: T) => void, arg: T): void {
  fns.push(fn as (arg: never) => void);
  args.push(arg);
  if (scheduled) return;
  scheduled = true;
  setImmediate(runSlice);
}

function runSlice(): void {
  const until = performance.now() + sliceMs;
  try {
    do {
      const fn = fns[head] as (arg: unknown) => void;
      const arg = args[head];
      fns[head] = undefined;
      args[head] = undefined;
      head++;
      fn(arg);
    } while (head < fns.length && performance.now() < until);
  } finally {
    if (head < fns.length) setImmediate(runSlice);
    else {
      fns.length = 0;
      args.length = 0;
      head = 0;
      scheduled = false;
    }
  }
}
