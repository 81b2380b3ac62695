/**
 * Test support for the advertiser's end-to-end tests: the BUILT binary (dist/cli.js) runs inside
 * network namespaces next to FRR, exactly as an operator would run it.
 */

import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childExit, type FrrRouter, type Host, type Lab } from '@bgplb/netns-lab';

const appDir = new URL('../../', import.meta.url).pathname;
const repoRoot = new URL('../../../../', import.meta.url).pathname;
export const CLI = join(appDir, 'dist/cli.js');

const BUILT_PACKAGES: ReadonlyArray<[dir: string, output: string]> = [
  ['apps/advertiser', 'dist/cli.js'],
  ['packages/bgp-fsm', 'dist/index.js'],
  ['packages/bfd', 'dist/index.js'],
  ['packages/bgp-wire', 'dist/index.js'],
  ['packages/api-types', 'dist/index.js'],
  ['packages/floating-ip-allocator', 'dist/index.js'],
  ['packages/kube-runtime', 'dist/process.js'],
];

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when every built output is newer than its package's sources. */
function builtIsFresh(): boolean {
  return BUILT_PACKAGES.every(([dir, output]) => {
    const out = join(repoRoot, dir, output);
    if (!existsSync(out)) return false;
    const sources = Math.max(
      newestMtime(join(repoRoot, dir, 'src')),
      newestMtime(join(repoRoot, dir, 'package.json')),
    );
    return statSync(out).mtimeMs >= sources;
  });
}

/**
 * Builds the advertiser and its libraries unless every dist/ is newer than its sources.
 * Serialised with a lock: several test files call it at once.
 */
export function ensureBuilt(): void {
  if (builtIsFresh()) return;
  execFileSync(
    'flock',
    [
      '/tmp/bgplb-advertiser-e2e-build.lock',
      'bash',
      '-c',
      `. ${repoRoot}scripts/env.sh && cd ${repoRoot} && pnpm turbo run build --filter @bgplb/advertiser... --output-logs=errors-only`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], timeout: 180_000 },
  );
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing after the build`);
}

export type LogLine = Record<string, unknown> & { msg: string; level: string };

/** A running `bgpadvertiser` process in a namespace, with its parsed JSON log lines. */
export class AdvertiserProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private buffer = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      this.buffer += d.toString();
      const parts = this.buffer.split('\n');
      this.buffer = parts.pop() ?? '';
      for (const l of parts) {
        if (l.trim() === '') continue;
        try {
          this.lines.push(JSON.parse(l) as LogLine);
        } catch {
          this.lines.push({ msg: l, level: 'raw' });
        }
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    // Once stdout and stderr are read to the end: tests read `stderr` and `lines` after `exited`.
    this.exited = childExit(child);
  }

  /** Waits for a log line matching `msg` (exact text or pattern) and `fields`. */
  async waitLog(
    msg: string | RegExp,
    fields: Record<string, unknown> = {},
    timeoutMs = 15_000,
  ): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.find(msg, fields);
      if (hit) return hit;
      const gone = this.child.exitCode !== null || this.child.signalCode !== null;
      if (gone || Date.now() > deadline) {
        const tail = this.lines
          .slice(-8)
          .map((l) => JSON.stringify(l))
          .join('\n');
        throw new Error(
          `${gone ? 'the advertiser exited' : `timed out after ${timeoutMs} ms`} waiting for log line ${String(msg)} ${JSON.stringify(fields)}\nlast lines:\n${tail}\nstderr: ${this.stderr.slice(-500)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  find(msg: string | RegExp, fields: Record<string, unknown> = {}): LogLine | undefined {
    return this.lines.find(
      (l) =>
        (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg)) &&
        Object.entries(fields).every(([k, v]) => JSON.stringify(l[k]) === JSON.stringify(v)),
    );
  }

  /** The last log lines, for failure messages. */
  tail(n = 10): string {
    return this.lines
      .slice(-n)
      .map((l) => JSON.stringify(l))
      .join('\n');
  }

  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }

  /** The `new` state of every state-change line for `peer`, in order. */
  states(peer: string): string[] {
    return this.lines.filter((l) => l.peer === peer && typeof l.new === 'string').map((l) => String(l.new));
  }

  /** Sends a signal to the node process (not to `ip netns exec`, which does not forward it). */
  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }
}

/** Writes `text` to `path` and starts the built CLI with `args` inside `host`'s namespace. */
export function startAdvertiser(
  host: Host,
  args: string[],
  nodeFlags: readonly string[] = [],
): AdvertiserProcess {
  // `ip netns exec` execs the command (no extra process), so signals reach node directly.
  return new AdvertiserProcess(host.spawn(process.execPath, [...nodeFlags, CLI, ...args]));
}

/**
 * The Node flags `bgpadvertiser` ships with, read from the built CLI's shebang
 * (`#!/usr/bin/env -S node --max-semi-space-size=1`; the single-file binary bakes in the same):
 * `node dist/cli.js` ignores the shebang, so a benchmark of the program as shipped passes them.
 */
export function shippedNodeFlags(cli = CLI): string[] {
  const first = readFileSync(cli, 'utf8').split('\n', 1)[0] ?? '';
  const m = first.match(/^#!\S*env -S node(?<flags>(?: --?\S+)*)\s*$/);
  if (!m)
    throw new Error(
      `${cli}: expected a '#!/usr/bin/env -S node [flags]' first line, got ${JSON.stringify(first)}`,
    );
  return (m.groups?.flags ?? '').split(' ').filter((f) => f !== '');
}

/**
 * The smallest topology: a ToR (10.0.1.254, FRR in AS 65002) linked to one control-plane node
 * `cp1` (10.0.1.10, AS 65001). `neighborLines` are added to the FRR config after the neighbor.
 */
export async function torAndNode(
  lab: Lab,
  neighborLines: string[] = [],
): Promise<{ tor: Host; node: Host; frr: FrrRouter }> {
  const tor = await lab.addHost('tor');
  const node = await lab.addHost('cp1');
  await lab.link(tor, '10.0.1.254/24', node, '10.0.1.10/24');
  const frr = await tor.startFrr(
    [
      'router bgp 65002',
      ' bgp router-id 10.0.1.254',
      ' no bgp ebgp-requires-policy',
      ' neighbor 10.0.1.10 remote-as 65001',
      ...neighborLines,
    ].join('\n'),
  );
  return { tor, node, frr };
}

export function writeConfig(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}

interface FrrPath {
  nexthops?: Array<{ ip?: string }>;
  valid?: boolean;
}

/** Next hops FRR has for `prefix` (empty when it has no route). */
export async function frrNextHops(frr: FrrRouter, prefix: string): Promise<string[]> {
  const family = prefix.includes(':') ? 'ipv6' : 'ipv4';
  const route = await frr.json<{ paths?: FrrPath[] }>(`show bgp ${family} unicast ${prefix}`);
  return (route.paths ?? []).flatMap((p) => (p.nexthops ?? []).map((n) => n.ip ?? '')).sort();
}

/** GET http://addr/path inside the namespace with curl: status code and body. */
export async function httpGet(host: Host, url: string): Promise<{ status: number; body: string }> {
  const out = await host.exec('curl', ['-s', '-m', '2', '-o', '-', '-w', '\n%{http_code}', url]);
  const i = out.lastIndexOf('\n');
  return { status: Number(out.slice(i + 1)), body: out.slice(0, i) };
}

/** PIDs still running in a namespace. */
export async function namespacePids(host: Host): Promise<string[]> {
  const { run } = await import('@bgplb/netns-lab');
  const { stdout } = await run('ip', ['netns', 'pids', host.ns]);
  return stdout.split('\n').filter((l) => l.trim() !== '');
}
