// Preloaded into a gateway by bench/alloc-profile.mjs (`node -r`): the first SIGUSR2 starts V8's
// sampling heap profiler, keeping objects that were collected since (a request's garbage is most of
// what it allocates), the second writes the profile to HEAP_PROFILE_OUT and stops it.
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
      includeObjectsCollectedByMinorGC: true,
    }, (err) => { if (err) process.stderr.write(`heap-sampler: ${err.message}\n`); else process.stdout.write('heap-sampler: started\n'); });
    return;
  }
  session.post('HeapProfiler.stopSampling', (err, r) => {
    if (err) return process.stderr.write(`heap-sampler: ${err.message}\n`);
    writeFileSync(process.env.HEAP_PROFILE_OUT, JSON.stringify(r.profile));
    process.stdout.write('heap-sampler: written\n');
  });
});
