/**
 * A minimal FRR lab for the bgp-wire interop recording: one network namespace made by the
 * caller (unique name), bgpd inside it (FRR pathspace = namespace name), loopback only.
 * Self-contained on purpose: bgp-wire has no dependency on other workspace packages.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const BGPD = '/usr/lib/frr/bgpd';
/** bgpd's address and the peer's, inside the lab namespace only. */
export const LAB_ADDRESSES = ['192.0.2.1', '192.0.2.2'] as const;

/** Why the FRR interop cannot run here, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  if (!existsSync(BGPD)) return `FRR bgpd not found at ${BGPD}`;
  try {
    execFileSync('vtysh', ['--help'], { stdio: 'ignore' });
  } catch {
    return 'vtysh not found';
  }
  return undefined;
}

export function sh(cmd: string, args: string[], timeout = 15_000): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = check();
      if (v !== undefined && v !== false) return v;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class FrrLab {
  readonly ns = `bgpwire-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
  private readonly runDir = `/var/run/frr/${this.ns}`;
  readonly workDir: string;

  constructor(workDir: string) {
    this.workDir = workDir;
  }

  start(bgpdConfig: string): Promise<void> {
    sh('ip', ['netns', 'add', this.ns]);
    sh('ip', ['-n', this.ns, 'link', 'set', 'lo', 'up']);
    // TEST-NET-1 addresses on the namespace's own loopback (127/8 next hops are martians to bgpd).
    for (const a of LAB_ADDRESSES) sh('ip', ['-n', this.ns, 'addr', 'add', `${a}/32`, 'dev', 'lo']);
    mkdirSync(this.runDir, { recursive: true });
    mkdirSync(this.workDir, { recursive: true });
    chmodSync(this.workDir, 0o777);
    const frr = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('frr:'))
      ?.split(':');
    if (frr) chownSync(this.runDir, Number(frr[2]), Number(frr[3]));
    const conf = join(this.workDir, 'bgpd.conf');
    writeFileSync(conf, `log file ${join(this.workDir, 'bgpd.log')}\n${bgpdConfig}`, { mode: 0o644 });
    sh('ip', ['netns', 'exec', this.ns, BGPD, '-N', this.ns, '-f', conf, '-d', '-Z']);
    return waitFor('bgpd to load its config', () =>
      /^router bgp /m.test(this.vtysh('show running-config')),
    ).then(() => {});
  }

  vtysh(...commands: string[]): string {
    const args = ['-N', this.ns];
    for (const c of commands) args.push('-c', c);
    return sh('vtysh', args);
  }

  /** Stops bgpd and removes the namespace and run directory. Safe to call twice. */
  stop(): void {
    try {
      const pid = Number(readFileSync(join(this.runDir, 'bgpd.pid'), 'utf8').trim());
      if (pid > 0) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    try {
      sh('ip', ['netns', 'del', this.ns]);
    } catch {
      // already gone
    }
    rmSync(this.runDir, { recursive: true, force: true });
  }
}
