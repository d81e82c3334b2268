// Run as a child process by the audit tests that need a real crash or a real resource limit:
//   node --import tsx test/helpers/audit-appender.ts DATA_DIR [COUNT]
// Appends records to DATA_DIR's audit log from 8 concurrent loops and prints `durable <seq>` as
// each one resolves. With COUNT it stops after COUNT records, closes the log and prints `closed`;
// without, it appends until killed. Warnings go to stderr as JSON lines.
import { createAuditService } from '../../gateway/audit/audit-service';
import { EventBus } from '../../gateway/events';
import { createLogger } from '../../gateway/log';

async function main(): Promise<void> {
  const [dataDir, countArg] = process.argv.slice(2);
  const count = countArg === undefined ? Infinity : Number(countArg);
  const audit = await createAuditService({ checkpointEveryRecords: 50 }, { dataDir: dataDir!, log: createLogger({ level: 'warn', json: true }), events: new EventBus() });
  let started = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (started < count) {
      started++;
      const r = await audit.append({ kind: 'arrival', requestId: `child-${started}`, details: { padding: 'p'.repeat(300) } });
      process.stdout.write(`durable ${r.seq}\n`);
    }
  }));
  await audit.close();
  process.stdout.write('closed\n');
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
