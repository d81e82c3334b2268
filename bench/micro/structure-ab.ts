/**
 * In-process A/B of small per-request pieces of the gateway's own structure (issue 23, session 11):
 * the request's description (describeBody + describeRequest + promptSource, as routing and policy
 * use them) on the bench's bodies, and a durable record's `audit.appended` event (appendedEvent +
 * EventBus.emit with the admin event log subscribed), and an OpenAI stream's request asked for its
 * usage (withStreamUsage, session 13). A git ref (the base) and the working tree are
 * loaded in one process and measured in interleaved CPU-time slices, the order alternating by round;
 * the events run in batches of 50 with the microtasks they queue drained inside the slice.
 * Run: npx tsx bench/micro/structure-ab.ts [--base main] [--rounds 24] [--slice 150]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { extractBase } from './in-process-ab';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const repo = resolve(__dirname, '../..');
const rounds = Number(arg('rounds', '24'));
const sliceUs = Number(arg('slice', '150')) * 1000;
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function load(root: string) {
  const g = (p: string) => import(join(root, 'gateway', p));
  const [ir, pt, events, eventLog, appended, streamUsage] = await Promise.all([g('core/inference-request.ts'), g('core/prompt-text.ts'), g('events.ts'), g('admin/event-log.ts'), g('audit/appended-event.ts'), g('core/usage/stream-usage-request.ts')]);
  const bus = new events.EventBus();
  new eventLog.EventLog(bus);
  return { ...ir, ...pt, bus, appendedEvent: appended.appendedEvent, withStreamUsage: streamUsage.withStreamUsage };
}

const target = { method: 'POST', path: '/v1/chat/completions', upstream: 'mock', bodyBytes: 160 };
const record = { v: 2, id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', seq: 1, time: '2026-12-07T07:00:00.000Z', kind: 'outcome', chain: 'c', prev: 'p', hash: 'h', principal: { subject: 'bench-agent' }, decision: { action: 'allow' }, model: 'gpt-4o-mini', status: 200, usage: { inputTokens: 12, outputTokens: 20, totalTokens: 32 } };
let sink = 0;

type Side = Awaited<ReturnType<typeof load>>;
/** One operation of a case, async so that queued microtasks run inside the measured slice. */
type Case = (side: Side) => () => Promise<void> | void;

const cases: Record<string, Case> = {
  ...Object.fromEntries(['chat-160B.json', 'chat-4KB.json'].map((file) => {
    const body = JSON.parse(readFileSync(join(repo, 'bench/bodies', file), 'utf8'));
    const describe: Case = (s) => () => {
      const source = s.promptSource(s.describeRequest(target, s.describeBody(body)));
      sink += source.length;
    };
    return [`describe the request (${file})`, describe];
  })),
  'ask a stream for its usage (chat-160B-stream.json)': (s) => {
    const bytes = readFileSync(join(repo, 'bench/bodies/chat-160B-stream.json'));
    const json = JSON.parse(bytes.toString('utf8'));
    return () => {
      sink += s.withStreamUsage(json, bytes).length;
    };
  },
  'audit.appended, 50 records': (s) => async () => {
    for (let k = 0; k < 50; k++) s.bus.emit('audit.appended', s.appendedEvent(record));
    await null;
  },
};

async function main() {
  const sides = [['base', await load(extractBase(repo, arg('base', 'main'), 'structure-ab'))], ['tree', await load(repo)]] as const;
  for (const [name, make] of Object.entries(cases)) {
    const runs = sides.map(([label, side]) => ({ label, run: make(side), us: [] as number[] }));
    for (const r of runs) for (let i = 0; i < 2000; i++) await r.run();
    for (let round = 0; round < rounds; round++) {
      for (const r of round % 2 ? [...runs].reverse() : runs) {
        let ops = 0;
        const t0 = cpu();
        while (cpu() - t0 < sliceUs) {
          for (let k = 0; k < 20; k++) await r.run();
          ops += 20;
        }
        r.us.push((cpu() - t0) / ops);
      }
    }
    for (const r of runs) {
      const v = r.us.sort((a, b) => a - b);
      console.log(`${name.padEnd(40)} ${r.label}: ${(v[v.length >> 1]! * 1000).toFixed(0)} ns per operation [${(v[0]! * 1000).toFixed(0)}–${(v[v.length - 1]! * 1000).toFixed(0)}]`);
    }
  }
  if (sink < 0) console.log(sink);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
