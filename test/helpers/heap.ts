import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

/** The V8 heap in use after full garbage collections: what memory tests compare before and after. */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Old space in use after two scavenges: what survived the young generation since the last one,
 * promoted, and the garbage old space holds until a mark-compact. A stream's state that an event
 * replaces lives until the next event, seconds later, so in a gateway it is promoted like this;
 * tests compare it before and after an event to show what an event leaves in old space.
 */
export function oldSpaceAfterScavenges(): number {
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')!.space_used_size;
}
