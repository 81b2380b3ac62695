import { execFile, execFileSync } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Thrown when a lab command exits non-zero; carries the command line and what it printed. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} failed (${code}): ${stderr.trim() || stdout.trim()}`);
    this.name = 'CommandError';
  }
}

/** Runs a command to completion (no shell), failing with the command's own error text. */
export function run(cmd: string, args: readonly string[], timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
        reject(new CommandError([cmd, ...args].join(' '), code, String(stdout), String(stderr)));
      } else {
        resolve({ stdout: String(stdout), stderr: String(stderr) });
      }
    });
  });
}

/** Synchronous best-effort run, for teardown in `process.on('exit')` where nothing async runs. */
export function runQuietSync(cmd: string, args: readonly string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 5_000 });
  } catch {
    // Teardown is best effort: the thing may already be gone.
  }
}

/**
 * Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`.
 * `diagnose`, when given, adds its text (router summaries, process logs) to the timeout error.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  intervalMs = 100,
  diagnose?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const diagnosis = diagnose ? `\n${await diagnose()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}${diagnosis}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
