/**
 * Running things on a node through --exec: one-shot commands (copy, chmod, remove) with a timeout,
 * and agents (`preflight-agent`) that speak JSON lines. Each runs in its own process group, so a
 * timeout or the end of the run kills the whole chain (sh, ssh or ip netns exec, the agent).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { formatDuration } from '@bgplb/kube-runtime/process';
import { execArgv } from './exec-template.js';
import type { PreflightNode } from './plan.js';
import type { AgentMessage, AgentRequest } from './protocol.js';

export interface CommandResult {
  ok: boolean;
  /** `exit 1: <last line of stderr>`, `killed after 30s`, the spawn error. */
  detail: string;
}

export interface AgentExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines the agent (or ssh) wrote to stderr. */
  stderr: string;
}

/** A running agent on a node. */
export interface AgentChannel {
  send(req: AgentRequest): void;
  /** Every message, in order (also those before a listener was added). */
  readonly messages: AgentMessage[];
  onMessage(listener: (m: AgentMessage) => void): void;
  readonly exited: Promise<AgentExit>;
  /** Ends it now: SIGTERM to its process group, SIGKILL 2 s later. */
  kill(): void;
  /** Closes its stdin (an agent cleans up and exits on EOF). */
  end(): void;
}

export interface NodeRunner {
  run(
    node: PreflightNode,
    words: readonly string[],
    opts: { stdinFile?: string; timeoutMs: number; signal?: AbortSignal },
  ): Promise<CommandResult>;
  agent(node: PreflightNode, words: readonly string[]): AgentChannel;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // gone already
  }
}

const tail = (text: string, lines = 3) => text.trim().split('\n').slice(-lines).join(' | ');

/** The NodeRunner of a --exec template. */
export function execNodeRunner(template: string): NodeRunner {
  return {
    run(node, words, { stdinFile, timeoutMs, signal }) {
      return new Promise((resolve) => {
        const [file, ...args] = execArgv(template, node, words) as [string, ...string[]];
        const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
        let stderr = '';
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          killGroup(child, 'SIGKILL');
        }, timeoutMs);
        let interrupted = false;
        const onAbort = () => {
          interrupted = true;
          killGroup(child, 'SIGKILL');
        };
        if (signal?.aborted) onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        child.stderr?.on('data', (d: Buffer) => {
          stderr = (stderr + d.toString()).slice(-4096);
        });
        child.stdin?.on('error', () => undefined);
        if (stdinFile !== undefined) {
          const src = createReadStream(stdinFile);
          src.on('error', (err) => {
            stderr += `cannot read ${stdinFile}: ${err.message}`;
            killGroup(child, 'SIGKILL');
          });
          src.pipe(child.stdin as NodeJS.WritableStream);
        } else {
          child.stdin?.end();
        }
        child.on('error', (err) => {
          clearTimeout(timer);
          resolve({ ok: false, detail: err.message });
        });
        child.on('close', (code, killedBy) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (interrupted) return resolve({ ok: false, detail: 'interrupted' });
          if (timedOut)
            return resolve({ ok: false, detail: `killed after ${formatDuration(timeoutMs)} (timeout)` });
          const how = code !== null ? `exit ${code}` : `killed by ${killedBy}`;
          resolve({ ok: code === 0, detail: stderr.trim() === '' ? how : `${how}: ${tail(stderr)}` });
        });
      });
    },

    agent(node, words) {
      const [file, ...args] = execArgv(template, node, words) as [string, ...string[]];
      const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const messages: AgentMessage[] = [];
      const listeners: Array<(m: AgentMessage) => void> = [];
      let stderr = '';
      const deliver = (m: AgentMessage) => {
        messages.push(m);
        for (const l of listeners) l(m);
      };
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4096);
      });
      child.stdin?.on('error', () => undefined);
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (line.trim() === '') return;
        try {
          deliver(JSON.parse(line) as AgentMessage);
        } catch {
          deliver({ ev: 'error', message: `unexpected output: ${line.slice(0, 200)}` });
        }
      });
      const exited = new Promise<AgentExit>((resolve) => {
        child.on('error', (err) => resolve({ code: null, signal: null, stderr: err.message }));
        child.on('close', (code, signal) => resolve({ code, signal, stderr: tail(stderr) }));
      });
      let killTimer: NodeJS.Timeout | undefined;
      void exited.then(() => clearTimeout(killTimer));
      return {
        send: (req) => {
          if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(req)}\n`);
        },
        messages,
        onMessage: (l) => listeners.push(l),
        exited,
        kill: () => {
          killGroup(child, 'SIGTERM');
          killTimer ??= setTimeout(() => killGroup(child, 'SIGKILL'), 2_000);
        },
        end: () => child.stdin?.end(),
      };
    },
  };
}
