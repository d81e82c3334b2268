import assert from 'node:assert/strict';
import { until } from '../../helpers/audit-log';
import { WitnessScenario } from '../../helpers/witness-scenario';

type Rec = Record<string, any>;

describe('audit checkpoints: on a time bound, at a clean stop and at recovery (real gateway process)', function () {
  this.timeout(90_000);
  let s: WitnessScenario;
  const records = async () => (await s.lines()).map((l) => JSON.parse(l) as Rec);

  beforeEach(async () => (s = await new WitnessScenario().start()));
  afterEach(() => s.stop());

  it('a checkpoint follows written records within checkpoint.maxSeconds without a stop, and reaches the witness file', async () => {
    await s.writeConfig(['checkpoint: { maxSeconds: 0.3 }', `witness: { file: "${s.witnessFile}" }`]);
    await s.startServe();
    await s.chat(3);
    const last = (await records()).filter((r) => r.kind === 'outcome').at(-1)!.seq as number;
    // No more traffic and no stop: only the time bound can write it.
    await until(async () => (await records()).some((r) => r.kind === 'checkpoint' && r.checkpoint.seq >= last), 20_000, 'a checkpoint covering the requests');
    const cp = (await records()).find((r) => r.kind === 'checkpoint' && r.checkpoint.seq >= last)!;
    assert.match(cp.checkpoint.root, /^[0-9a-f]{64}$/);
    await until(async () => (await s.witnessFileLines()).some((w) => w.seq === cp.checkpoint.seq), 20_000, 'the checkpoint in the witness file');
  });

  it('a clean stop ends the log with a checkpoint of its last record; a restart after kill -9 begins with a checkpoint of the recovered head', async () => {
    // A cadence no test reaches: only the stop and the start write checkpoints here.
    await s.writeConfig(['checkpoint: { maxSeconds: 3600 }', `witness: { file: "${s.witnessFile}" }`]);
    await s.startServe();
    await s.chat(2);
    await s.serve!.stop('SIGTERM');
    let all = await records();
    const stopCheckpoint = all.at(-1)!;
    assert.equal(stopCheckpoint.kind, 'checkpoint');
    assert.equal(stopCheckpoint.checkpoint.seq, all.at(-2)!.seq);
    assert.equal((await s.witnessFileLines()).at(-1)!.seq, stopCheckpoint.checkpoint.seq);

    await s.startServe();
    await s.chat(2);
    await s.serve!.stop('SIGKILL');
    all = await records();
    const head = all.at(-1)!;
    assert.notEqual(head.kind, 'checkpoint', 'kill -9 left records no checkpoint covers');

    await s.startServe();
    all = await records();
    const next = all.find((r) => r.seq === head.seq + 1)!;
    assert.equal(next.kind, 'checkpoint');
    assert.equal(next.checkpoint.seq, head.seq);
    assert.equal(next.checkpoint.head, head.hash);
    await until(async () => (await s.witnessFileLines()).some((w) => w.seq === head.seq), 20_000, 'the recovery checkpoint in the witness file');
  });
});
