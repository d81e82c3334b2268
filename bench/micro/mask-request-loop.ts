// The masking service's maskRequest on the bench's 4 KB body and rules (scan, copies, upstream
// bytes, report), as the gateway's stage calls it, in a loop: for an instruction count per call
// under callgrind (repeatable under load) or a profile (--cpu-prof). After the warm-up calls it
// zeroes callgrind's counters (callgrind_control -z), so the dump at exit counts the calls alone.
// Bundle it per tree (the A/B's two sides):
//   npx esbuild bench/micro/mask-request-loop.ts --bundle --platform=node --format=cjs --outfile=/tmp/<name>-loop-A.js
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/<name>-cg.%p node --single-threaded /tmp/<name>-loop-A.js bench 3000 2000
// and divide the `Collected` total by the calls (2000). Without callgrind it prints CPU µs per call.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileMaskingRules } from '../../gateway/core/masking/compile';
import { createMaskingService } from '../../gateway/masking/masking-service';

const [bench = 'bench', warmup = '3000', calls = '2000'] = process.argv.slice(2);
const chat4k = readFileSync(join(bench, 'bodies/chat-4KB.json'));
// bench/configs/bench.policy.yaml's rule, and the default audit masking.
const compiled = compileMaskingRules([{ name: 'agents-upstream-pii', detectors: ['all'], where: ['upstream'] }], { hashKey: 'bench' });
const service = createMaskingService(undefined, { getCompiled: () => compiled, log: { info() {} } as never });
const masks = Object.freeze(['agents-upstream-pii']);
const json = JSON.parse(chat4k.toString('utf8')) as unknown;
const run = (n: number) => {
  for (let i = 0; i < n; i++) service.maskRequest({ masks, body: chat4k, json });
};
run(Number(warmup));
const underCallgrind = /valgrind/.test(process.env.LD_PRELOAD ?? '');
if (underCallgrind) execFileSync('callgrind_control', ['-z', String(process.pid)]);
const before = process.cpuUsage();
run(Number(calls));
const used = process.cpuUsage(before);
if (!underCallgrind) console.log(`${((used.user + used.system) / Number(calls)).toFixed(2)} µs per call`);
