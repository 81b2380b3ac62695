import { parseCommandLine, UsageError } from './args.js';
import { consoleOutput, type Output } from './output.js';
import { runAdvertiser } from './run.js';
import { VERSION } from './version.js';

/**
 * The node agent, loaded when `agent` is the command. A typed import of a literal path (checked by
 * tsc, bundled by tsup as a chunk of the one build), loaded on demand because the agent brings the
 * Kubernetes client: loading it costs every other command (`validate`, the control-plane speaker
 * on every control-plane node) about 56 MB of RSS and seconds of start-up (docs/advertiser.md).
 */
async function runAgent(argv: string[]): Promise<number> {
  const agent = await import('./agent/index.js');
  return agent.runAgent(argv);
}

/** The whole CLI: parses argv (without node and script) and resolves with the exit code. */
export async function main(argv: string[], output: Output = consoleOutput): Promise<number> {
  let cmd: ReturnType<typeof parseCommandLine>;
  try {
    cmd = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    output.err(`bgpadvertiser: ${err.message}`);
    output.err("Run 'bgpadvertiser --help' for usage.");
    return 2;
  }
  switch (cmd.command) {
    case 'help':
      output.out(cmd.text.trimEnd());
      return 0;
    case 'version':
      output.out(VERSION);
      return 0;
    case 'validate': {
      // Loaded on demand: it builds every kind's schema, which the control-plane speaker's
      // manual procedure (--config) does not need (docs/benchmarks.md, "advertiser control-plane mode").
      const { runValidate } = await import('./validate.js');
      return runValidate(cmd.files, output);
    }
    case 'agent':
      return runAgent(cmd.argv);
    case 'preflight-agent': {
      const { runPreflightAgent } = await import('./preflight/agent.js');
      return runPreflightAgent({ handleSignals: true });
    }
    case 'preflight': {
      const { runPreflight } = await import('./preflight.js');
      return runPreflight(cmd, { output });
    }
    case 'static-pod': {
      const { runStaticPod } = await import('./static-pod-command.js');
      return runStaticPod(cmd, output);
    }
    case 'run':
      return runAdvertiser(cmd, { output });
  }
}
