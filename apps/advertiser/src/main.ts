import { parseCommandLine, UsageError } from './args.js';
import { runAdvertiser } from './run.js';
import { consoleOutput, type Output, runValidate } from './validate.js';
import { VERSION } from './version.js';

// A variable, not a literal: the agent module is optional at build time (see tsup.config.ts).
const AGENT_MODULE = './agent/index.js';

async function runAgentMode(argv: string[], output: Output): Promise<number> {
  let mod: { runAgent?: (argv: string[]) => Promise<number> };
  try {
    mod = (await import(AGENT_MODULE)) as typeof mod;
  } catch (err) {
    output.err(`bgpadvertiser: agent mode is not available in this build: ${(err as Error).message}`);
    return 2;
  }
  if (typeof mod.runAgent !== 'function') {
    output.err('bgpadvertiser: agent mode is not available in this build (no runAgent export)');
    return 2;
  }
  return mod.runAgent(argv);
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
    case 'validate':
      return runValidate(cmd.files, output);
    case 'agent':
      return runAgentMode(cmd.argv, output);
    case 'preflight': {
      const { runPreflight } = await import('./preflight.js');
      return runPreflight(cmd, { output });
    }
    case 'run':
      return runAdvertiser(cmd, { output });
  }
}
