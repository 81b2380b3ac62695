/**
 * When a namespace's kernel routes changed, as `ip -ts monitor route` saw it inside the namespace.
 *
 * A test that times a FIB change by polling (`ip route show` in a loop) only knows the change
 * happened somewhere inside the poll that saw it, and every poll is a process start-up: tens of
 * ms on a quiet machine, hundreds on a loaded one, all counted against the product's bound. The
 * monitor is one process, started before the fault, that the kernel wakes with each change: its
 * timestamp is later than the change only by that process's wake-up.
 */
import type { ChildProcess } from 'node:child_process';
import { waitFor } from './exec.js';

/** One route change: a route added or replaced (its next hops now), or deleted. */
export interface RouteEvent {
  /** When the monitor printed it (epoch ms, sub-ms precision). */
  t: number;
  /** The destination as `ip` prints it: a host route without its /32 or /128. */
  dst: string;
  deleted: boolean;
  /** Next-hop gateways of the route after the change ([] when deleted or without gateways). */
  gateways: string[];
}

const HEAD =
  /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d+)\] (Deleted )?(?:(?:unicast|local|blackhole|broadcast|unreachable|prohibit) )?(\S+)(.*)$/;
const VIA = /\bvia (?:inet6 |inet )?(\S+)/g;

/**
 * Parses `ip -ts monitor route` output printed with TZ=UTC: a timestamped first line per
 * change, its multipath next hops on the tab-indented lines below. Lines it does not know (a
 * partial last line, other monitors' output) are skipped.
 */
export function parseRouteMonitor(text: string): RouteEvent[] {
  const events: RouteEvent[] = [];
  for (const line of text.split('\n')) {
    const head = HEAD.exec(line);
    if (head) {
      const [, seconds, fraction = '0', deleted, dst = '', rest = ''] = head;
      const t = Date.parse(`${seconds}Z`) + Number(`0.${fraction}`) * 1000;
      events.push({ t, dst, deleted: deleted !== undefined, gateways: deleted ? [] : gatewaysOf(rest) });
      continue;
    }
    const last = events.at(-1);
    if (line.startsWith('\t') && last !== undefined && !last.deleted) last.gateways.push(...gatewaysOf(line));
  }
  return events;
}

function gatewaysOf(text: string): string[] {
  return [...text.matchAll(VIA)].map((m) => m[1] as string);
}

/** `ip route` prints a host route without its prefix length. */
function destination(prefix: string): string {
  return prefix.replace(/\/(32|128)$/, '');
}

/** A running `ip -ts monitor route` in a namespace (started by `Host.monitorRoutes`). */
export class RouteMonitor {
  private text = '';

  /** @internal `child` prints the monitor's output; `mark` adds (true) or removes a marker route. */
  constructor(
    private readonly child: ChildProcess,
    private readonly mark: (add: boolean) => Promise<void>,
  ) {
    child.stdout?.on('data', (d: Buffer) => {
      this.text += d.toString();
    });
  }

  /** Every change seen so far. */
  events(): RouteEvent[] {
    return parseRouteMonitor(this.text);
  }

  /**
   * Resolves once the monitor is listening: it saw the marker route (RFC 5737 TEST-NET-1
   * 192.0.2.255/32, a blackhole) that this adds, then removes, in the namespace. The process
   * starting is not enough: the kernel only reports changes made after it subscribed.
   */
  async ready(timeoutMs = 10_000): Promise<void> {
    await waitFor(
      'the route monitor to see its marker route',
      async () => {
        if (this.child.exitCode !== null) throw new Error(`ip monitor exited (${this.child.exitCode})`);
        await this.mark(true);
        await this.mark(false);
        return this.events().some((e) => e.dst === MARKER && e.deleted);
      },
      timeoutMs,
      50,
    );
  }

  /**
   * When `prefix` first changed, at or after `since` (epoch ms), into next hops that satisfy
   * `done` (a deletion has none); undefined if it has not (yet).
   */
  firstChange(prefix: string, since: number, done: (gateways: string[]) => boolean): number | undefined {
    const dst = destination(prefix);
    return this.events().find((e) => e.dst === dst && e.t >= since && done(e.gateways))?.t;
  }

  /**
   * How the next hops of `prefix` changed at or after `since`, starting from `from`: one entry per
   * change of the set (sorted gateways; [] when deleted). Route events that leave the set as it
   * was (zebra re-installing the same next hops) are not changes.
   */
  nextHopChanges(
    prefix: string,
    since: number,
    from: readonly string[],
  ): { t: number; gateways: string[] }[] {
    const dst = destination(prefix);
    let last = [...from].sort().join();
    const out: { t: number; gateways: string[] }[] = [];
    for (const e of this.events()) {
      if (e.dst !== dst || e.t < since) continue;
      const gateways = [...e.gateways].sort();
      if (gateways.join() === last) continue;
      last = gateways.join();
      out.push({ t: e.t, gateways });
    }
    return out;
  }

  /** Stops the monitor (the lab also kills it on destroy). */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/** The marker route `ready()` adds and removes. */
export const MARKER = '192.0.2.255';
