import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { childExit } from './child-exit.js';
import { waitFor } from './exec.js';

/**
 * A long-running process of a lab (advertiser, agent, controller, API server): everything it
 * prints goes to `logFile`; its JSON log lines (pino) are parsed into `lines`, and the last lines
 * of output are kept for failure messages.
 */
export class LabProcess {
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<number | null>;
  readonly startedAt = Date.now();
  private readonly raw: string[] = [];
  private buffer = '';

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile: string,
    private readonly keepLines = 200,
  ) {
    const file = createWriteStream(logFile, { flags: 'a' });
    child.stdout?.on('data', (d: Buffer) => {
      file.write(d);
      this.buffer += d.toString();
      let nl = this.buffer.indexOf('\n');
      while (nl >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.push(line);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // Not a JSON log line (a loader warning, say): kept in the file and the tail only.
        }
        nl = this.buffer.indexOf('\n');
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      file.write(d);
      for (const l of d.toString().split('\n')) if (l !== '') this.push(l);
    });
    // Once its output is read to the end: a test may look at the last lines after `exited`.
    this.exited = childExit(child).then((e) => e.code);
  }

  private push(line: string): void {
    this.raw.push(line);
    if (this.raw.length > this.keepLines) this.raw.shift();
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines printed (stdout and stderr), for failure messages. */
  tail(n = 20): string[] {
    return this.raw.slice(-n);
  }

  /** Whether a JSON log line's `msg` matched. */
  logged(pattern: RegExp): boolean {
    return this.lines.some((l) => pattern.test(String(l.msg)));
  }

  /** Waits for a log line; fails early when the process exits, quoting its last output. */
  async waitForLog(pattern: RegExp, timeoutMs: number): Promise<void> {
    try {
      await waitFor(
        `${this.name} to log ${pattern}`,
        () => {
          if (!this.running)
            throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode})`);
          return this.logged(pattern);
        },
        timeoutMs,
        100,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; its output ends with:\n${this.tail().join('\n')}`);
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `killAfterMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 10_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), killAfterMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
