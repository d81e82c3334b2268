import { version } from '../../package.json';
import { UsageError } from './usage-error';

const help = `gatehouse ${version} — audit gateway for AI inference

Usage: gatehouse <command> [options]

Commands:
  serve            run the gateway (embedded default without --config)
  token            mint a token from the built-in development issuer
  policy validate  check policy files (schema and semantics)
  policy test      run the tests: block of policy files
  audit verify     verify the audit log's hash chain and checkpoints
  audit tail       print audit records, optionally following
  audit prove      print an inclusion or consistency proof against signed checkpoints
  audit verify-proof  check a proof with the public key alone
  audit rotate-key hand the checkpoint signing over to a new key
  witness serve    run a checkpoint witness (on another host)
  mask preview     show what masking rules do to a sample payload
  db migrate       create or update the fleet's PostgreSQL schema (state.postgres)
  usage            tokens and cost per caller, group, model or upstream over a window (from the audit log)

Run 'gatehouse <command> --help' for a command's options.
Options: -h, --help   -v, --version`;

type Command = { run(argv: string[]): Promise<number> };

/** Subcommands load lazily, so `serve` does not pay for the CLI-only code of the others. */
const commands: Record<string, () => Promise<Command>> = {
  serve: () => import('./serve'),
  policy: () => import('./policy'),
  token: () => import('./token'),
  audit: () => import('./audit'),
  mask: () => import('./mask'),
  witness: () => import('./witness'),
  db: () => import('./db'),
  usage: () => import('./usage'),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    console.log(help);
    return name ? 0 : 2;
  }
  if (name === '-v' || name === '--version') {
    console.log(version);
    return 0;
  }
  const load = commands[name];
  if (!load) throw new UsageError(`unknown command: ${name}`);
  return (await load()).run(rest);
}

// `gatehouse audit tail | head`: the reader went away; stop quietly, as Unix tools do on SIGPIPE.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (err as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      console.error(`gatehouse: ${(err as Error).message}\nRun 'gatehouse --help' for usage.`);
      process.exitCode = 2;
      return;
    }
    console.error(`gatehouse: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  },
);
