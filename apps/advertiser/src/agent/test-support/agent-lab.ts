/**
 * A small rack in network namespaces for the agent's interop tests: a ToR running FRR (bgpd +
 * zebra), nodes on one L2 switch, the in-memory Kubernetes API server reachable from every node
 * at 127.0.0.1:6443 (through api-bridge.ts), and `bgpadvertiser agent` processes started from
 * the TypeScript CLI entry with tsx. The test plays the controller by writing objects directly.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdDirectory } from '@bgplb/api-types';
import { bgpSummaries, type FrrRouter, type Host, Lab, LabProcess, run, waitFor } from '@bgplb/netns-lab';
import { type KubeObject, startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { shippedNodeFlags } from '../../../test/e2e/harness.js';
import { type ApiBridge, startApiBridge } from './api-bridge.js';

export const V = 'networking.gke.io/v1';
export const CLUSTER_NS = 'cluster-demo';
const CLI = new URL('../../cli.ts', import.meta.url).pathname;
/** The built binary; used instead of the sources when BGPLB_AGENT_DIST=1 (after `pnpm build`). */
const DIST_CLI = new URL('../../../dist/cli.js', import.meta.url).pathname;
const FORWARDER = new URL('./ns-forwarder.ts', import.meta.url).pathname;

/** One running agent process: a netns-lab `LabProcess` (log file, parsed JSON `lines`, tail). */
export class AgentProcess extends LabProcess {
  constructor(
    readonly node: string,
    child: ChildProcess,
    logFile: string,
  ) {
    super(`agent on ${node}`, child, logFile);
  }

  async waitReady(timeoutMs = 45_000): Promise<void> {
    try {
      await waitFor(
        `agent on ${this.node} ready`,
        () => this.logged(/first reconcile done; ready/),
        timeoutMs,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; its output ends with:\n${this.tail(30).join('\n')}`);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    // `ip netns exec` execs the command, so the child's pid is the agent's node process.
    this.child.kill(signal);
  }
}

export interface NodeSpec {
  name: string;
  /** CIDR on the rack switch, e.g. 10.0.1.10/24. */
  address: string;
}

export interface RouterSpec {
  name: string;
  /** CIDR on the rack switch, e.g. 10.0.1.254/24. */
  address: string;
}

export class AgentLab {
  readonly agents: AgentProcess[] = [];
  /** The first router. */
  tor!: Host;
  frr!: FrrRouter;
  readonly routers = new Map<string, Host>();
  readonly frrs = new Map<string, FrrRouter>();
  readonly nodes = new Map<string, Host>();
  server!: TestApiServer;
  private bridge!: ApiBridge;
  kubeconfig = '';

  private constructor(readonly lab: Lab) {}

  static async create(
    name: string,
    nodes: NodeSpec[],
    routers: RouterSpec[] = [{ name: 'tor', address: '10.0.1.254/24' }],
  ): Promise<AgentLab> {
    const self = new AgentLab(Lab.create(name));
    try {
      await self.setup(nodes, routers);
    } catch (err) {
      await self.destroy();
      throw err;
    }
    return self;
  }

  private async setup(nodes: NodeSpec[], routers: RouterSpec[]): Promise<void> {
    const { lab } = this;
    const sw = await lab.addSwitch('rack');
    for (const r of routers) {
      const host = await lab.addHost(r.name);
      await lab.attach(host, sw, r.address);
      this.routers.set(r.name, host);
    }
    this.tor = this.routers.get(routers[0]?.name ?? '') as Host;
    for (const n of nodes) {
      const host = await lab.addHost(n.name);
      await lab.attach(host, sw, n.address);
      this.nodes.set(n.name, host);
    }
    this.server = await startTestApiServer({
      crds: [crdDirectory],
      namespaces: ['default', 'kube-system', CLUSTER_NS],
    });
    this.bridge = await startApiBridge(lab.workDir, this.server.port);
    const port = this.server.port;
    this.kubeconfig = join(lab.workDir, 'kubeconfig.yaml');
    writeFileSync(
      this.kubeconfig,
      this.server.kubeconfig().replaceAll(`127.0.0.1:${port}`, '127.0.0.1:6443'),
    );
    await Promise.all(
      [...this.nodes.values()].map(async (host) => {
        const fwd = host.spawnNode(FORWARDER, [this.bridge.socketPath, '6443']);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`forwarder in ${host.name} did not start`)),
            30_000,
          );
          fwd.stdout?.on('data', (d: Buffer) => {
            if (d.toString().includes('ready')) {
              clearTimeout(timer);
              resolve();
            }
          });
          fwd.on('exit', (code) => reject(new Error(`forwarder in ${host.name} exited with ${code}`)));
        });
      }),
    );
  }

  /** Starts FRR (bgpd + zebra, and bfdd with `bfdd` as its config) on a router, by default the first one. */
  async startFrr(config: string, router?: string, bfdd?: string): Promise<FrrRouter> {
    const host = router === undefined ? this.tor : this.routers.get(router);
    if (!host) throw new Error(`no router ${router}`);
    const frr = await host.startFrr(config, { zebra: true, ...(bfdd !== undefined ? { bfdd } : {}) });
    this.frrs.set(host.name, frr);
    if (host === this.tor) this.frr = frr;
    return frr;
  }

  private router(name?: string): FrrRouter {
    const frr = name === undefined ? this.frr : this.frrs.get(name);
    if (!frr) throw new Error(`no FRR on ${name ?? 'the first router'}`);
    return frr;
  }

  /**
   * Starts `bgpadvertiser agent` on a node: from the TypeScript sources via tsx, or the built
   * `dist/cli.js` when BGPLB_AGENT_DIST=1.
   */
  startAgent(node: string, extraArgs: string[] = []): AgentProcess {
    const host = this.nodes.get(node);
    if (!host) throw new Error(`no node ${node}`);
    const dist = process.env.BGPLB_AGENT_DIST === '1';
    const child = host.spawnNode(
      dist ? DIST_CLI : CLI,
      [
        'agent',
        '--node-name',
        node,
        '--kubeconfig',
        this.kubeconfig,
        '--cluster-namespace',
        CLUSTER_NS,
        '--health-addr',
        '127.0.0.1:8081',
        '--log-level',
        'debug',
        '--heartbeat',
        '5s',
        ...extraArgs,
      ],
      dist ? { nodeFlags: shippedNodeFlags(DIST_CLI) } : {},
    );
    const agent = new AgentProcess(node, child, join(this.lab.workDir, `agent-${node}.log`));
    this.agents.push(agent);
    return agent;
  }

  /** IPv4 addresses of a node, as `ip -j addr` reports them. */
  async addresses(
    node: string,
  ): Promise<{ ifname: string; ip: string; prefixLen: number; label?: string }[]> {
    const host = this.nodes.get(node);
    if (!host) throw new Error(`no node ${node}`);
    const links = await host.ipJson<
      { ifname: string; addr_info: { family: string; local: string; prefixlen: number; label?: string }[] }[]
    >('-4', 'addr', 'show');
    return links.flatMap((l) =>
      l.addr_info
        .filter((a) => a.family === 'inet')
        .map((a) => ({
          ifname: l.ifname,
          ip: a.local,
          prefixLen: a.prefixlen,
          ...(a.label ? { label: a.label } : {}),
        })),
    );
  }

  /**
   * `kubectl -n kube-system get ARGS` against the test API server (from the root namespace, on
   * loopback), or undefined when kubectl is not installed.
   */
  async kubectl(...args: string[]): Promise<string | undefined> {
    const rootKubeconfig = join(this.lab.workDir, 'kubeconfig-root.yaml');
    writeFileSync(rootKubeconfig, this.server.kubeconfig());
    try {
      const { stdout } = await run('kubectl', [
        '--kubeconfig',
        rootKubeconfig,
        '--cache-dir',
        join(this.lab.workDir, 'kube-cache'),
        '-n',
        'kube-system',
        ...args,
      ]);
      return stdout;
    } catch (err) {
      if (/ENOENT/.test(String((err as { code?: unknown }).code)) || /ENOENT/.test((err as Error).message))
        return undefined;
      throw err;
    }
  }

  /** The agent's /metrics on a node (fetched by a node process inside the node's namespace). */
  async metrics(node: string): Promise<string> {
    const host = this.nodes.get(node);
    if (!host) throw new Error(`no node ${node}`);
    const script =
      "fetch('http://127.0.0.1:8081/metrics').then(r => r.text()).then(t => process.stdout.write(t), e => { console.error(e.message); process.exit(1); })";
    return host.exec(process.execPath, ['-e', script]);
  }

  /**
   * Takes a node's link to the rack switch down or up (inside its namespace): the node drops off
   * the network without anything running on it being told, as when a cable or NIC fails.
   * Resolves with when the link changed (epoch ms), read in the namespace right after `ip` made the
   * change: a clock started here, not before the call, counts none of the process start-ups
   * around it (hundreds of ms on a loaded machine), and none of this process's delay in learning
   * that they ended.
   */
  async setLink(node: string, up: boolean): Promise<number> {
    const host = this.nodes.get(node);
    if (!host) throw new Error(`no node ${node}`);
    const ifname = (await this.addresses(node)).find((a) => a.prefixLen < 32 && a.ifname !== 'lo')?.ifname;
    if (ifname === undefined) throw new Error(`node ${node} has no link with an address`);
    const out = await host.exec('sh', [
      '-c',
      `ip link set dev "$1" ${up ? 'up' : 'down'} && date +%s%3N`,
      'set-link',
      ifname,
    ]);
    const changedAt = Number(out.trim());
    if (!Number.isFinite(changedAt)) throw new Error(`setLink ${node}: no time from date: ${out}`);
    return changedAt;
  }

  /** Events the agents wrote about a Node (they live in the default namespace). */
  nodeEvents(node: string): { reason?: string; type?: string; message?: string; count?: number }[] {
    return this.server.store
      .list('v1', 'Event', { namespace: 'default' })
      .filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === node) as {
      reason?: string;
      type?: string;
      message?: string;
    }[];
  }

  async holds(node: string, ip: string): Promise<number> {
    return (await this.addresses(node)).filter((a) => a.ip === ip).length;
  }

  // ---- the controller's side ---------------------------------------------------------------

  /**
   * The cluster most agent tests start from: FRR on the first router with one neighbor (AS 65001)
   * per floating IP; the NetworkGatewayGroup with `floatingIPs[0]` assigned to node-a; BGPPeer
   * `tor1` (10.0.1.254, AS 65000, hold 9 s, ConnectRetry 1 s, one session); its BGPSession
   * `tor1-node-a` from that floating IP; and `vip` routed to 10.0.1.10 and 10.0.1.11.
   */
  async startTor1Cluster(floatingIPs: string[], vip: string): Promise<void> {
    const fip = floatingIPs[0];
    if (fip === undefined) throw new Error('startTor1Cluster needs a floating IP');
    await this.startFrr(torConfig(floatingIPs.map((ip) => ({ ip, asn: 65001 }))));
    this.setGatewayGroup(floatingIPs, { [fip]: 'node-a' });
    this.createPeer('tor1', {
      localASN: 65001,
      peerASN: 65000,
      peerIP: '10.0.1.254',
      sessions: 1,
      holdTime: 9,
      connectRetryTime: 1,
    });
    this.createSession('tor1', 'node-a', fip, '10.0.1.254');
    this.setRoute('default-default-web', vip, ['10.0.1.10', '10.0.1.11']);
  }

  setGatewayGroup(floatingIPs: string[], assignments: Record<string, string>): void {
    this.server.store.upsert({
      apiVersion: V,
      kind: 'NetworkGatewayGroup',
      metadata: { name: 'default', namespace: CLUSTER_NS },
      spec: { floatingIPs },
      status: { floatingIPs: assignments },
    });
  }

  createSession(
    peer: string,
    node: string,
    floatingIP: string,
    peerIP: string,
    localASN = 65001,
    peerASN = 65000,
  ): void {
    this.server.store.create({
      apiVersion: V,
      kind: 'BGPSession',
      metadata: {
        name: `${peer}-${node}`,
        namespace: 'kube-system',
        labels: { 'networking.gke.io/peer': peer, 'networking.gke.io/node': node },
      },
      spec: { floatingIP, localIP: floatingIP, localASN, peerASN, nodeName: node, peerIP },
    });
  }

  deleteSession(name: string): void {
    this.server.store.delete(V, 'BGPSession', name, 'kube-system');
  }

  /** Replaces a BGPPeer's spec (the controller's side of an edit by the operator). */
  updatePeer(name: string, spec: Record<string, unknown>): void {
    this.server.store.upsert({
      apiVersion: V,
      kind: 'BGPPeer',
      metadata: { name, namespace: CLUSTER_NS },
      spec,
    });
  }

  createPeer(name: string, spec: Record<string, unknown>): void {
    this.server.store.create({
      apiVersion: V,
      kind: 'BGPPeer',
      metadata: { name, namespace: CLUSTER_NS },
      spec,
    });
  }

  setRoute(name: string, prefix: string, nextHops: string[], metric = 0): void {
    this.server.store.upsert({
      apiVersion: V,
      kind: 'BGPAdvertisedRoute',
      metadata: { name, namespace: 'kube-system' },
      spec: { prefix, metric, nextHops, service: { namespace: 'default', name } },
    });
  }

  sessionStatus(name: string): Record<string, unknown> | undefined {
    const obj = this.server.store.get(V, 'BGPSession', name, 'kube-system') as KubeObject | undefined;
    return obj?.status as Record<string, unknown> | undefined;
  }

  // ---- FRR ---------------------------------------------------------------------------------

  async neighbor(
    ip: string,
    router?: string,
  ): Promise<{ bgpState?: string; connectionsEstablished?: number } | undefined> {
    const all = await this.router(router).json<
      Record<string, { bgpState?: string; connectionsEstablished?: number }>
    >(`show bgp neighbors ${ip} json`);
    return all[ip];
  }

  /** FRR's paths for a prefix: next hop, the neighbor it came from, and the stale flag. */
  async paths(prefix: string, router?: string): Promise<{ nextHop: string; peer: string; stale: boolean }[]> {
    const r = await this.router(router).json<{
      paths?: { nexthops?: { ip: string }[]; peer?: { peerId?: string }; stale?: boolean }[];
    }>(`show bgp ipv4 unicast ${prefix} json`);
    return (r.paths ?? []).map((p) => ({
      nextHop: p.nexthops?.[0]?.ip ?? '',
      peer: p.peer?.peerId ?? '',
      stale: p.stale === true,
    }));
  }

  /** `waitFor` that, on timeout, adds what the routers and agents were doing to the error. */
  async waitFor<T>(
    what: string,
    check: () => Promise<T | undefined | false> | T | undefined | false,
    timeoutMs = 10_000,
    intervalMs = 100,
  ): Promise<T> {
    return waitFor(what, check, timeoutMs, intervalMs, () => this.diagnose());
  }

  /** BGP summaries of the routers and the last lines of every agent. */
  async diagnose(): Promise<string> {
    const out = await bgpSummaries(this.frrs);
    for (const a of this.agents) out.push(`--- agent on ${a.node} (last lines)`, ...a.tail(12));
    return out.join('\n');
  }

  /**
   * Next hops of `prefix` in the first router's kernel FIB (installed by zebra): what forwarding
   * really uses. Much cheaper than vtysh, so it can be sampled every few milliseconds.
   */
  async fib(prefix: string): Promise<string[]> {
    const routes = await this.tor.ipJson<{ gateway?: string; nexthops?: { gateway?: string }[] }[]>(
      'route',
      'show',
      prefix,
    );
    return routes.flatMap((r) => (r.nexthops ? r.nexthops.map((n) => n.gateway ?? '') : [r.gateway ?? '']));
  }

  /** Samples the FIB entry of `prefix` back to back until `stop()`; returns the samples. */
  sampleFib(prefix: string): { stop: () => Promise<{ t: number; hops: number }[]> } {
    const samples: { t: number; hops: number }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) samples.push({ t: Date.now(), hops: (await this.fib(prefix)).length });
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return samples;
      },
    };
  }

  /**
   * Samples the first router's BGP paths for `prefix` (how many, how many stale) until `stop()`,
   * back to back or with `pauseMs` between samples; returns the samples.
   */
  samplePaths(
    prefix: string,
    pauseMs = 0,
  ): { stop: () => Promise<{ t: number; paths: number; stale: number }[]> } {
    const samples: { t: number; paths: number; stale: number }[] = [];
    let running = true;
    const loop = (async () => {
      while (running) {
        const paths = await this.paths(prefix);
        samples.push({ t: Date.now(), paths: paths.length, stale: paths.filter((p) => p.stale).length });
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return samples;
      },
    };
  }

  /** Cuts the nodes off the API server (the bridge closes, with its open connections): an outage. */
  async apiDown(): Promise<void> {
    await this.bridge.close();
  }

  /** Ends {@link apiDown}: the nodes reach the API server again, on the same address. */
  async apiUp(): Promise<void> {
    this.bridge = await startApiBridge(this.lab.workDir, this.server.port);
  }

  async destroy(): Promise<void> {
    for (const a of this.agents) if (a.child.exitCode === null) a.kill('SIGKILL');
    await this.lab.destroy();
    await this.bridge?.close();
    await this.server?.close();
  }
}

/** FRR config of the ToR: one neighbor per floating IP, fast timers, GR helper (FRR default). */
export function torConfig(
  neighbors: { ip: string; asn: number; extra?: string[] }[],
  asn = 65000,
  routerId = '10.0.1.254',
): string {
  const lines = [
    `router bgp ${asn}`,
    ` bgp router-id ${routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
    ' bgp bestpath as-path multipath-relax',
  ];
  for (const n of neighbors) {
    lines.push(` neighbor ${n.ip} remote-as ${n.asn}`);
    lines.push(` neighbor ${n.ip} timers 3 9`);
    lines.push(` neighbor ${n.ip} timers connect 1`);
    lines.push(` neighbor ${n.ip} advertisement-interval 0`);
  }
  lines.push(' address-family ipv4 unicast', '  maximum-paths 8');
  for (const n of neighbors) for (const e of n.extra ?? []) lines.push(`  neighbor ${n.ip} ${e}`);
  lines.push(' exit-address-family');
  return `${lines.join('\n')}\n`;
}
