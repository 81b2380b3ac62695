/** `bgplb-controller` after the Node.js version check (cli.ts): flags, run, signals. */
import { USAGE_EXIT_CODE, UsageError } from '@bgplb/kube-runtime';
import { parseCliArgs, usage } from './args.js';
import { runController } from './main.js';

function usageError(err: unknown, command: string): boolean {
  if (!(err instanceof UsageError)) return false;
  process.stderr.write(
    `bgplb-controller: ${err.message}\nRun 'bgplb-controller ${command}--help' for usage.\n`,
  );
  process.exitCode = USAGE_EXIT_CODE;
  return true;
}

/** `bgplb-controller move ...` (SPEC §12's move step). */
async function move(argv: string[]): Promise<void> {
  const { moveUsage, parseMoveArgs, runMove } = await import('./admin/move.js');
  let options: ReturnType<typeof parseMoveArgs>;
  try {
    options = parseMoveArgs(argv);
  } catch (err) {
    if (usageError(err, 'move ')) return;
    throw err;
  }
  if (options === 'help') {
    process.stdout.write(moveUsage());
    return;
  }
  try {
    process.exitCode = await runMove(options, (t) => process.stdout.write(t));
  } catch (err) {
    if (usageError(err, 'move ')) return;
    process.stderr.write(`bgplb-controller move: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'move') return move(process.argv.slice(3));
  let options: ReturnType<typeof parseCliArgs>;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    if (usageError(err, '')) return;
    throw err;
  }
  if (options === 'help') {
    process.stdout.write(usage());
    return;
  }
  let stopping = false;
  const stop = await runController(options);
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`bgplb-controller: ${signal}, releasing the lease and stopping\n`);
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bgplb-controller: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
