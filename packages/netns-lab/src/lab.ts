import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, runQuietSync } from './exec.js';
import { type FrrOptions, FrrRouter } from './frr.js';
import { MARKER, RouteMonitor } from './route-monitor.js';

const require = createRequire(import.meta.url);

/** One simulated machine: a network namespace, its interfaces and the processes in it. */
export class Host {
  private nextIf = 0;

  constructor(
    readonly lab: Lab,
    readonly name: string,
    readonly ns: string,
  ) {}

  /** A fresh interface name in this host (eth0, eth1, ...). */
  allocateIfName(): string {
    return `eth${this.nextIf++}`;
  }

  /** Runs a command inside the namespace and returns its stdout. */
  async exec(cmd: string, args: readonly string[] = [], timeoutMs?: number): Promise<string> {
    const { stdout } = await run('ip', ['netns', 'exec', this.ns, cmd, ...args], timeoutMs);
    return stdout;
  }

  /** `ip <args>` inside the namespace. */
  ip(...args: string[]): Promise<string> {
    return this.exec('ip', args);
  }

  /** `ip -j <args>` inside the namespace, parsed. */
  async ipJson<T = unknown>(...args: string[]): Promise<T> {
    const out = await this.exec('ip', ['-j', ...args]);
    return JSON.parse(out || '[]') as T;
  }

  async sysctl(key: string, value: string | number): Promise<void> {
    await this.exec('sysctl', ['-q', '-w', `${key}=${value}`]);
  }

  /** Turns the host into a router (IPv4 forwarding on). */
  async enableForwarding(): Promise<void> {
    await this.sysctl('net.ipv4.ip_forward', 1);
  }

  /** Starts a process in the namespace; the lab kills it on destroy. */
  spawn(cmd: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    });
    this.lab.track(child);
    return child;
  }

  /**
   * Runs a TypeScript (or JavaScript) file with this repository's Node inside the namespace.
   * Workspace packages resolve to their sources (the `@bgplb/source` condition), through tsx.
   * `nodeFlags` go to Node before the script (e.g. the V8 flags a program ships with).
   */
  spawnNode(
    script: string,
    args: readonly string[] = [],
    options: SpawnOptions & { nodeFlags?: readonly string[] } = {},
  ): ChildProcess {
    const { nodeFlags = [], ...spawnOptions } = options;
    const tsx = require.resolve('tsx');
    return this.spawn(
      process.execPath,
      [...nodeFlags, '--conditions=@bgplb/source', '--import', tsx, script, ...args],
      spawnOptions,
    );
  }

  /**
   * Starts `ip -ts monitor route` in the namespace and resolves once it listens: start it before
   * a fault, then read when the kernel's routes changed (route-monitor.ts).
   */
  async monitorRoutes(): Promise<RouteMonitor> {
    // TZ=UTC: -ts prints local time without a zone.
    const child = this.spawn('ip', ['-ts', 'monitor', 'route'], { env: { ...process.env, TZ: 'UTC' } });
    const monitor = new RouteMonitor(child, async (add) => {
      await this.ip('route', add ? 'replace' : 'del', 'blackhole', `${MARKER}/32`);
    });
    try {
      await monitor.ready();
    } catch (err) {
      await monitor.stop();
      throw err;
    }
    return monitor;
  }

  /** Starts FRR in this host. */
  async startFrr(bgpdConfig: string, options: FrrOptions = {}): Promise<FrrRouter> {
    const frr = new FrrRouter(this.ns, this.lab.workDir);
    this.lab.trackRouter(frr);
    await frr.start(bgpdConfig, options);
    return frr;
  }
}

/** A shared L2 segment: a Linux bridge in a namespace of its own. */
export class Switch {
  private nextPort = 0;
  constructor(
    readonly name: string,
    readonly ns: string,
  ) {}
  allocatePort(): string {
    return `p${this.nextPort++}`;
  }
}

let exitHookInstalled = false;
const liveLabs = new Set<Lab>();

/**
 * A set of namespaces with a unique prefix, torn down by `destroy()` or, failing that, when the
 * process exits. Namespace names are `<prefix><id>-<host>`, unique per run, so parallel suites
 * never collide.
 */
export class Lab {
  readonly hosts = new Map<string, Host>();
  readonly switches = new Map<string, Switch>();
  readonly workDir: string;
  private readonly children = new Set<ChildProcess>();
  private readonly routers: FrrRouter[] = [];
  private destroyed = false;

  private constructor(readonly id: string) {
    this.workDir = mkdtempSync(join(tmpdir(), `${id}-`));
    // FRR drops privileges to the frr user, which must be able to read configs in here.
    chmodSync(this.workDir, 0o755);
  }

  /** Creates an empty lab. `name` (a few letters) makes `ip netns list` readable. */
  static create(name = 'lab'): Lab {
    const id = `${name.replace(/[^a-z0-9]/gi, '').slice(0, 6)}${randomBytes(3).toString('hex')}`;
    const lab = new Lab(id);
    liveLabs.add(lab);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const l of liveLabs) l.destroySync();
      });
    }
    return lab;
  }

  nsName(host: string): string {
    return `${this.id}-${host}`;
  }

  async addHost(name: string): Promise<Host> {
    if (this.hosts.has(name)) throw new Error(`host ${name} exists in lab ${this.id}`);
    const ns = this.nsName(name);
    await run('ip', ['netns', 'add', ns]);
    const host = new Host(this, name, ns);
    this.hosts.set(name, host);
    await host.ip('link', 'set', 'lo', 'up');
    return host;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name} in lab ${this.id}`);
    return h;
  }

  /** Links two hosts point to point with a veth pair; returns the interface names. */
  async link(a: Host, aAddr: string, b: Host, bAddr: string): Promise<[string, string]> {
    const aIf = a.allocateIfName();
    const bIf = b.allocateIfName();
    await run('ip', ['link', 'add', aIf, 'netns', a.ns, 'type', 'veth', 'peer', 'name', bIf, 'netns', b.ns]);
    await a.ip('addr', 'add', aAddr, 'dev', aIf);
    await b.ip('addr', 'add', bAddr, 'dev', bIf);
    await a.ip('link', 'set', aIf, 'up');
    await b.ip('link', 'set', bIf, 'up');
    return [aIf, bIf];
  }

  /** A new L2 segment. */
  async addSwitch(name: string): Promise<Switch> {
    const ns = this.nsName(`sw-${name}`);
    await run('ip', ['netns', 'add', ns]);
    const sw = new Switch(name, ns);
    this.switches.set(name, sw);
    await run('ip', ['-n', ns, 'link', 'add', 'br0', 'type', 'bridge']);
    await run('ip', ['-n', ns, 'link', 'set', 'br0', 'up']);
    return sw;
  }

  /** Plugs a host into a switch; `addr` (CIDR) is optional. Returns the host's interface name. */
  async attach(host: Host, sw: Switch, addr?: string): Promise<string> {
    const ifName = host.allocateIfName();
    const port = sw.allocatePort();
    await run('ip', [
      'link',
      'add',
      ifName,
      'netns',
      host.ns,
      'type',
      'veth',
      'peer',
      'name',
      port,
      'netns',
      sw.ns,
    ]);
    await run('ip', ['-n', sw.ns, 'link', 'set', port, 'master', 'br0']);
    await run('ip', ['-n', sw.ns, 'link', 'set', port, 'up']);
    if (addr) await host.ip('addr', 'add', addr, 'dev', ifName);
    await host.ip('link', 'set', ifName, 'up');
    return ifName;
  }

  /** @internal */
  track(child: ChildProcess): void {
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
  }

  /** @internal */
  trackRouter(frr: FrrRouter): void {
    this.routers.push(frr);
  }

  /** Stops every process and daemon, deletes every namespace and the work directory. */
  async destroy(): Promise<void> {
    const waits = [...this.children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            c.kill('SIGKILL');
            resolve();
          }, 2_000);
          c.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    );
    await Promise.all(waits);
    this.destroySync();
  }

  /** Synchronous teardown (used on process exit); safe to call twice. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    liveLabs.delete(this);
    for (const c of this.children) c.kill('SIGKILL');
    for (const r of this.routers) r.stopSync();
    for (const h of this.hosts.values()) {
      // `ip netns pids` finds processes that were started in the namespace by any means.
      runQuietSync('sh', ['-c', `ip netns pids ${h.ns} | xargs -r kill -9`]);
    }
    for (const ns of [...this.hosts.values(), ...this.switches.values()].map((x) => x.ns)) {
      runQuietSync('ip', ['netns', 'del', ns]);
    }
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
