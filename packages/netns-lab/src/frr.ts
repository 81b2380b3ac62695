import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, runQuietSync, waitFor } from './exec.js';
import { BFDD, BGPD, ZEBRA } from './preconditions.js';

export interface FrrOptions {
  /** Also run zebra, so routes reach the namespace's kernel FIB (ECMP shows in `ip route`). */
  zebra?: boolean;
  /** Extra bgpd arguments, e.g. ['-p', '1179'] for another listen port. */
  bgpdArgs?: string[];
  /** Also run bfdd with this configuration (`bfd` / `peer ...` blocks); it needs zebra, so zebra starts too. */
  bfdd?: string;
}

/**
 * bfdd's configuration with one BFD profile (by default `fast`, the recommended 300 ms x 3), for
 * `FrrOptions.bfdd`; bgpd uses it with `neighbor X bfd profile <name>`.
 */
export function frrBfdProfile(name = 'fast', intervalMs = 300, multiplier = 3): string {
  return [
    'bfd',
    ` profile ${name}`,
    `  transmit-interval ${intervalMs}`,
    `  receive-interval ${intervalMs}`,
    `  detect-multiplier ${multiplier}`,
    '!',
  ].join('\n');
}

/** One entry of `show bfd peers json` (the fields the tests read). */
export interface FrrBfdPeer {
  peer: string;
  /** The session's source address; absent while bgpd has registered it without one (see `bgpBfdPeer`). */
  local?: string;
  interface?: string;
  status: string;
  diagnostic?: string;
  'remote-diagnostic'?: string;
  'receive-interval'?: number;
  'transmit-interval'?: number;
  'detect-multiplier'?: number;
  'remote-receive-interval'?: number;
  'remote-transmit-interval'?: number;
  'remote-detect-multiplier'?: number;
}

function frrIds(): { uid: number; gid: number } | undefined {
  try {
    const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
    const line = passwd.find((l) => l.startsWith('frr:'));
    if (!line) return undefined;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}

/**
 * FRR daemons of one lab host. They run inside the host's namespace and use the namespace name as
 * FRR's pathspace (`-N`), so their sockets live in /var/run/frr/<ns>/ and never collide with
 * another lab's.
 */
export class FrrRouter {
  private readonly runDir: string;
  private readonly confDir: string;

  constructor(
    readonly ns: string,
    workDir: string,
  ) {
    this.runDir = `/var/run/frr/${ns}`;
    this.confDir = join(workDir, `frr-${ns}`);
  }

  /** Where bgpd logs (`log file` is set to it by `start`). */
  get logFile(): string {
    return join(this.confDir, 'bgpd.log');
  }

  async start(bgpdConfig: string, options: FrrOptions = {}): Promise<void> {
    const ids = frrIds();
    mkdirSync(this.runDir, { recursive: true });
    mkdirSync(this.confDir, { recursive: true });
    chmodSync(this.confDir, 0o777);
    if (ids) chownSync(this.runDir, ids.uid, ids.gid);
    const conf = join(this.confDir, 'bgpd.conf');
    const withLog = bgpdConfig.includes('log file') ? bgpdConfig : `log file ${this.logFile}\n${bgpdConfig}`;
    writeFileSync(conf, withLog, { mode: 0o644 });
    if (options.zebra || options.bfdd !== undefined) {
      const zconf = join(this.confDir, 'zebra.conf');
      writeFileSync(zconf, `hostname ${this.ns}\n`, { mode: 0o644 });
      await run('ip', ['netns', 'exec', this.ns, ZEBRA, '-N', this.ns, '-f', zconf, '-d']);
      await waitFor(`zebra of ${this.ns}`, () => existsSync(join(this.runDir, 'zserv.api')), 10_000, 50);
    }
    if (options.bfdd !== undefined) await this.startBfdd(options.bfdd);
    const args = ['netns', 'exec', this.ns, BGPD, '-N', this.ns, '-f', conf, '-d'];
    if (!options.zebra && options.bfdd === undefined) args.push('-Z');
    args.push(...(options.bgpdArgs ?? []));
    await run('ip', args);
    await waitFor(`bgpd of ${this.ns}`, () => existsSync(join(this.runDir, 'bgpd.vty')), 10_000, 50);
    // The vty socket appears before bgpd has read its config (with zebra, only once connected to
    // it): wait until the BGP instance exists.
    if (/^router bgp /m.test(bgpdConfig)) {
      await waitFor(`bgpd of ${this.ns} to load its config`, async () =>
        /^router bgp /m.test(await this.vtysh('show running-config')),
      );
    }
  }

  /** Where bfdd logs. */
  get bfddLogFile(): string {
    return join(this.confDir, 'bfdd.log');
  }

  /** Starts bfdd (after zebra) with `config`; waits until it has loaded the `bfd` block. */
  private async startBfdd(config: string): Promise<void> {
    const conf = join(this.confDir, 'bfdd.conf');
    const withLog = config.includes('log file') ? config : `log file ${this.bfddLogFile}\n${config}`;
    writeFileSync(conf, withLog, { mode: 0o644 });
    await run('ip', ['netns', 'exec', this.ns, BFDD, '-N', this.ns, '-f', conf, '-d']);
    await waitFor(`bfdd of ${this.ns}`, () => existsSync(join(this.runDir, 'bfdd.vty')), 10_000, 50);
    if (/^bfd$/m.test(config)) {
      await waitFor(`bfdd of ${this.ns} to load its config`, async () =>
        /^bfd$/m.test(await this.vtysh('show running-config')),
      );
    }
  }

  /** Runs one vtysh command against this router and returns its output. */
  async vtysh(...commands: string[]): Promise<string> {
    const args = ['-N', this.ns];
    for (const c of commands) args.push('-c', c);
    const { stdout } = await run('vtysh', args);
    return stdout;
  }

  /** Runs a `... json` vtysh command and parses the answer. */
  async json<T = unknown>(command: string): Promise<T> {
    const out = await this.vtysh(command.endsWith(' json') ? command : `${command} json`);
    return JSON.parse(out) as T;
  }

  /** bfdd's session to `peer` (`show bfd peers json`), or undefined. */
  async bfdPeer(peer: string): Promise<FrrBfdPeer | undefined> {
    return (await this.json<FrrBfdPeer[]>('show bfd peers json')).find((p) => p.peer === peer);
  }

  /**
   * The BFD session bgpd keeps for BGP neighbor `peer` once the session is settled, or undefined
   * before. FRR 8.4's bgpd registers a neighbor's BFD session at start without a source address or
   * interface, and once BGP first reaches Established it re-registers it with the connection's
   * local address and interface: bfdd replaces the session, and the replaced one, if Up, tells the
   * other end Down (FRR issue #17337). A BFD client there (FRR, or us) then ends that first BGP
   * session with Cease/BFD Down, and the next one is final. So "FRR shows BFD up" proves nothing
   * until the session shown has its local address: only that one outlives the start-up.
   */
  async bgpBfdPeer(peer: string): Promise<FrrBfdPeer | undefined> {
    const p = await this.bfdPeer(peer);
    return p?.local !== undefined ? p : undefined;
  }

  /** Configures the running router: `configure('router bgp 65002', 'neighbor X shutdown')`. */
  async configure(...lines: string[]): Promise<void> {
    await this.vtysh('configure terminal', ...lines, 'end');
  }

  private pidOf(daemon: 'bgpd' | 'zebra' | 'bfdd'): number | undefined {
    try {
      return Number(readFileSync(join(this.runDir, `${daemon}.pid`), 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  }

  /** bgpd's process id (to SIGSTOP/SIGCONT it in fault tests). */
  get bgpdPid(): number | undefined {
    return this.pidOf('bgpd');
  }

  /** Stops the daemons and removes their run and config directories. Safe to call twice. */
  stopSync(): void {
    for (const daemon of ['bgpd', 'bfdd', 'zebra'] as const) {
      const pid = this.pidOf(daemon);
      if (pid) runQuietSync('kill', ['-9', String(pid)]);
    }
    rmSync(this.runDir, { recursive: true, force: true });
  }
}

/** `show bgp ipv4 unicast summary` of every router, headed by its name: for failure messages. */
export async function bgpSummaries(routers: Iterable<readonly [string, FrrRouter]>): Promise<string[]> {
  const out: string[] = [];
  for (const [name, frr] of routers) {
    try {
      out.push(
        `--- ${name}: show bgp ipv4 unicast summary`,
        await frr.vtysh('show bgp ipv4 unicast summary'),
      );
    } catch (err) {
      out.push(`--- ${name}: ${(err as Error).message}`);
    }
  }
  return out;
}
