/** Runs `bgplb-controller` from source as a child process (tsx), for crash and CLI tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
const APP_DIR = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildController {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function spawnController(args: string[]): ChildController {
  const proc = spawn(process.execPath, ['--conditions=@bgplb/source', '--import', 'tsx', CLI, ...args], {
    cwd: APP_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}
