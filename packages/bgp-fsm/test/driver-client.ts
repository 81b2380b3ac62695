/** Test side of speaker-driver.ts: a BgpSpeaker in a namespace, called like a local object. */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Host } from '@bgplb/netns-lab';
import type { PeerStatus, SpeakerEvent } from '../src/index.js';

const DRIVER = new URL('./speaker-driver.ts', import.meta.url).pathname;

export class SpeakerProcess {
  readonly events: SpeakerEvent[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly waiters = new Set<() => void>();
  stderr = '';
  readonly exited: Promise<void>;

  private constructor(readonly child: ChildProcess) {
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      let msg: { id?: number; result?: unknown; error?: string; event?: SpeakerEvent };
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (msg.event !== undefined) {
        this.events.push(msg.event);
        for (const w of [...this.waiters]) w();
      } else if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error !== undefined) p?.reject(new Error(msg.error));
        else p?.resolve(msg.result);
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((r) => child.once('exit', () => r()));
  }

  static async start(host: Host, env: Record<string, string> = {}): Promise<SpeakerProcess> {
    const child = host.spawnNode(DRIVER, [], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    const sp = new SpeakerProcess(child);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`driver did not start: ${sp.stderr}`)), 20_000);
      const rl = createInterface({ input: child.stdout! });
      rl.once('line', () => {
        clearTimeout(t);
        resolve();
      });
    });
    return sp;
  }

  call<T = unknown>(op: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  status(id: string): Promise<PeerStatus | null> {
    return this.call<PeerStatus | null>('status', id);
  }

  /** Waits for an event (already seen ones count when `since` is 0). */
  waitEvent(pred: (e: SpeakerEvent) => boolean, timeoutMs = 15_000, since = 0): Promise<SpeakerEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.slice(since).find(pred);
        if (found === undefined) return false;
        clearTimeout(timer);
        this.waiters.delete(listener);
        resolve(found);
        return true;
      };
      const listener = () => {
        check();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(listener);
        reject(
          new Error(`timed out waiting for an event; last events: ${JSON.stringify(this.events.slice(-5))}`),
        );
      }, timeoutMs);
      if (!check()) this.waiters.add(listener);
    });
  }

  async stop(): Promise<void> {
    this.child.stdin?.end();
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 3000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
