// Preloaded into a gateway by bench/alloc-profile.mjs (`node -r`): the first SIGUSR2 starts V8's
// sampling heap profiler, keeping objects that were collected since (a request's garbage is most of
// what it allocates), the second writes the profile to HEAP_PROFILE_OUT and stops it.
// HEAP_SAMPLING_MINOR=0 (bench/stream-promotion.mjs): objects a scavenge collected are left out, so
// the profile holds what survived the young generation (promoted, or live); with --expose-gc a
// scavenge runs before the profile is written, so the young generation's last garbage is not in it.
'use strict';
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');

const session = new Session();
session.connect();
let on = false;
process.on('SIGUSR2', () => {
  if (!on) {
    on = true;
    session.post('HeapProfiler.startSampling', {
      samplingInterval: Number(process.env.HEAP_SAMPLING_INTERVAL ?? 512),
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: process.env.HEAP_SAMPLING_MINOR !== '0',
    }, (err) => { if (err) process.stderr.write(`heap-sampler: ${err.message}\n`); else process.stdout.write('heap-sampler: started\n'); });
    return;
  }
  if (process.env.HEAP_SAMPLING_MINOR === '0' && typeof gc === 'function') gc({ type: 'minor' });
  session.post('HeapProfiler.stopSampling', (err, r) => {
    if (err) return process.stderr.write(`heap-sampler: ${err.message}\n`);
    writeFileSync(process.env.HEAP_PROFILE_OUT, JSON.stringify(r.profile));
    process.stdout.write('heap-sampler: written\n');
  });
});
