/** `bgplb-controller` after the Node.js version check (cli.ts): flags, run, signals. */
import { USAGE_EXIT_CODE, UsageError } from '@bgplb/kube-runtime';
import { parseCliArgs, usage } from './args.js';
import { runController } from './main.js';

async function main(): Promise<void> {
  let options: ReturnType<typeof parseCliArgs>;
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bgplb-controller: ${err.message}\nRun 'bgplb-controller --help' for usage.\n`);
    process.exitCode = USAGE_EXIT_CODE;
    return;
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
