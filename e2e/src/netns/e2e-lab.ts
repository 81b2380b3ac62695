/**
 * The e2e lab: builds a topology of e2e/topologies from its containerlab file in network
 * namespaces (see clab.ts), runs FRR on the ToRs, the test API server + the controller behind the
 * `ctl` node, the control-plane advertiser on control-plane nodes, the node agent and a simulated
 * kubelet on every cluster node, and offers what the scenarios and the demo need (kubectl, ToR
 * routes, client requests, node failure). `down()` removes everything, also after a failure.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdDirectory } from '@bgplb/api-types';
import {
  bgpSummaries,
  type FrrRouter,
  frrBfdProfile,
  type Host,
  Lab,
  LabProcess,
  run,
  type Switch,
  waitFor,
} from '@bgplb/netns-lab';
import { type KubeObject, startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { parseAllDocuments } from 'yaml';
import { advertiserConfig } from '../advertiser-config.js';
import { type ClabNode, type ClabTopology, readClab } from '../clab.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = resolve(HERE, '../../..');

export { REPO };
export const TOPOLOGIES = resolve(REPO, 'e2e/topologies');
const ADVERTISER_SRC = join(REPO, 'apps/advertiser/src/cli.ts');
const ADVERTISER_DIST = join(REPO, 'apps/advertiser/dist/cli.js');
const CONTROLLER_SRC = join(REPO, 'apps/controller/src/cli.ts');
const CONTROLLER_DIST = join(REPO, 'apps/controller/dist/cli.js');
const API_PORT = 6443;
export const V1 = 'networking.gke.io/v1';

export interface E2eLabOptions {
  /** Topology directory name under e2e/topologies, or a path. */
  topology: string;
  /** Run the built apps (dist/) instead of their TypeScript sources through tsx. */
  dist?: boolean;
  /** Progress messages. */
  log?: (line: string) => void;
  /** The controller waits this long before moving a not-ready node's floating IPs (lab: 2). */
  graceSeconds?: number;
  /** A node that missed heartbeats for this long becomes NotReady (lab: 5000; kube: 40 s). Heartbeat times have 1 s resolution. */
  nodeMonitorGraceMs?: number;
  /** Extra flags for every agent. */
  agentArgs?: string[];
  /** Extra flags for every control-plane advertiser (e.g. `--on-exit graceful-restart`). */
  advertiserArgs?: string[];
  /** Extra flags for the controller the lab starts (e.g. `--leader-elect`). */
  controllerArgs?: string[];
  /** Also run FRR's bfdd on every router, with the `fast` profile (300 ms x 3, `frrBfdProfile`). */
  bfdd?: boolean;
  /**
   * How the bgplb processes start: `processes` (default) from this class, with an in-process test
   * API server; `entrypoint`: every node runs its containerlab `cmd:` (e2e/containerlab/
   * bgplb-e2e-node.sh with the built apps), exactly as the containers do. `server` is then
   * unavailable: use `kubectl()`.
   * `network`: the namespaces, links and FRR only, as before a cluster exists (preflight).
   */
  launch?: 'processes' | 'entrypoint' | 'network';
  /** Namespace name prefix (up to 6 characters, then a random suffix; default `e2e`). */
  name?: string;
}

export interface TorPath {
  nextHop: string;
  peer: string;
  best: boolean;
  multipath: boolean;
  pathId?: number;
  /** Kept by graceful restart after its session went down, until the End-of-RIB (FRR's `stale`). */
  stale?: true;
}

/** A running lab. Create with `E2eLab.up()`, always end with `down()`. */
export class E2eLab {
  readonly lab: Lab;
  readonly topo: ClabTopology;
  readonly hosts = new Map<string, Host>();
  readonly switches = new Map<string, Switch>();
  readonly frr = new Map<string, FrrRouter>();
  readonly processes = new Map<string, LabProcess>();
  server!: TestApiServer;
  /** The cluster configuration documents (Cluster, NetworkGatewayGroup, ...). */
  readonly clusterDocs: KubeObject[];
  readonly clusterNamespace: string;
  readonly controlPlaneVIP: string;
  /** kubeconfig used inside namespaces: the API at the ctl node's management address. */
  kubeconfig = '';
  apiUrl = '';
  private bridge?: Server;
  private readonly bridgeSockets = new Set<Socket>();
  private readonly log: (line: string) => void;
  private readonly opts: E2eLabOptions;

  private constructor(opts: E2eLabOptions) {
    this.opts = opts;
    this.log = opts.log ?? (() => {});
    const dir = existsSync(opts.topology) ? resolve(opts.topology) : join(TOPOLOGIES, opts.topology);
    const file = ['topology.clab.yml', 'topology.clab.yaml']
      .map((f) => join(dir, f))
      .find((f) => existsSync(f));
    if (!file) throw new Error(`no topology.clab.yml in ${dir}`);
    this.topo = readClab(file);
    this.clusterDocs = parseAllDocuments(readFileSync(join(dir, 'cluster.yaml'), 'utf8'))
      .map((d) => d.toJS() as KubeObject)
      .filter((d) => d !== null);
    const cluster = this.cluster();
    this.clusterNamespace = cluster.metadata.namespace ?? 'default';
    this.controlPlaneVIP = String(this.loadBalancer().vips?.controlPlaneVIP ?? '');
    this.lab = Lab.create(opts.name ?? 'e2e');
  }

  static async up(opts: E2eLabOptions): Promise<E2eLab> {
    const self = new E2eLab(opts);
    try {
      await self.build();
    } catch (err) {
      await self.down();
      throw err;
    }
    return self;
  }

  // ---- configuration --------------------------------------------------------------------------

  cluster(): KubeObject {
    const c = this.clusterDocs.find((d) => d.kind === 'Cluster');
    if (!c) throw new Error('cluster.yaml has no Cluster');
    return c;
  }

  loadBalancer(): {
    localASN: number;
    bgpPeers: { ip: string; asn: number; controlPlaneNodes?: string[] }[];
    vips?: { controlPlaneVIP?: string; ingressVIP?: string };
  } {
    return (this.cluster().spec as { loadBalancer: ReturnType<E2eLab['loadBalancer']> }).loadBalancer;
  }

  /** The load-balancer nodes' addresses: nodePoolSpec of the load balancer, else the control plane. */
  loadBalancerNodeIPs(): string[] {
    type Pool = { nodePoolSpec?: { nodes?: { address: string }[] } };
    const spec = this.cluster().spec as { controlPlane?: Pool; loadBalancer?: Pool };
    const nodes = spec.loadBalancer?.nodePoolSpec?.nodes ?? spec.controlPlane?.nodePoolSpec?.nodes ?? [];
    return nodes.map((n) => n.address).sort();
  }

  clusterNodes(): ClabNode[] {
    return this.topo.nodes.filter((n) => n.role === 'control-plane' || n.role === 'worker');
  }

  node(name: string): ClabNode {
    const n = this.topo.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name} in ${this.topo.name}`);
    return n;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  router(name: string): FrrRouter {
    const r = this.frr.get(name);
    if (!r) throw new Error(`no FRR on ${name}`);
    return r;
  }

  // ---- building ---------------------------------------------------------------------------------

  private async build(): Promise<void> {
    const t0 = Date.now();
    const { lab, topo } = this;
    for (const n of topo.nodes) {
      if (n.kind === 'bridge') this.switches.set(n.name, await lab.addSwitch(n.name));
      else this.hosts.set(n.name, await lab.addHost(n.name));
    }
    for (const [a, b] of topo.links) await this.link(a, b);
    const mgmt = await lab.addSwitch('mgmt');
    const prefix = topo.mgmtSubnet.split('/')[1] ?? '24';
    for (const n of topo.nodes) {
      if (!n.mgmtIPv4) continue;
      const host = this.host(n.name);
      const port = `m-${n.name}`.slice(0, 15);
      await run('ip', [
        'link',
        'add',
        'eth0',
        'netns',
        host.ns,
        'type',
        'veth',
        'peer',
        'name',
        port,
        'netns',
        mgmt.ns,
      ]);
      await run('ip', ['-n', mgmt.ns, 'link', 'set', port, 'master', 'br0']);
      await run('ip', ['-n', mgmt.ns, 'link', 'set', port, 'up']);
      await host.ip('addr', 'add', `${n.mgmtIPv4}/${prefix}`, 'dev', 'eth0');
      await host.ip('link', 'set', 'eth0', 'up');
    }
    for (const n of topo.nodes) {
      if (n.kind !== 'linux') continue;
      for (const line of n.exec) await this.host(n.name).exec('sh', ['-c', line]);
    }
    this.log(`namespaces and links of ${topo.name} ready (${Date.now() - t0} ms)`);
    await Promise.all(
      topo.nodes
        .filter((n) => n.frrConfig)
        .map(async (n) => {
          const frr = await this.host(n.name).startFrr(readFileSync(n.frrConfig as string, 'utf8'), {
            zebra: true,
            ...(this.opts.bfdd ? { bfdd: frrBfdProfile() } : {}),
          });
          this.frr.set(n.name, frr);
        }),
    );
    this.log(`FRR running on ${[...this.frr.keys()].join(', ')}`);
    if (this.opts.launch === 'network') return;
    if (this.opts.launch === 'entrypoint') {
      await this.startEntrypoints();
      this.log(`containerlab entry points started (${Date.now() - t0} ms)`);
      return;
    }
    await this.startApi();
    this.log(`test API server reachable at ${this.apiUrl} from the management network`);
    this.applyCluster();
    this.createNodes();
    await Promise.all(this.clusterNodes().map((n) => this.startKubelet(n.name)));
    await this.startController(this.opts.controllerArgs ?? []);
    this.log('controller started');
    await Promise.all([
      ...this.clusterNodes()
        .filter((n) => n.role === 'control-plane')
        .map((n) => this.startAdvertiser(n.name)),
      ...this.clusterNodes().map((n) => this.startAgent(n.name)),
    ]);
    this.log(`advertisers and agents ready (lab up in ${Date.now() - t0} ms)`);
  }

  /** Runs every node's containerlab `cmd:` in its namespace, with the image's environment. */
  private async startEntrypoints(): Promise<void> {
    const bin = join(this.lab.workDir, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(join(REPO, 'e2e/containerlab/bgplb-e2e-node.sh'), join(bin, 'bgplb-e2e-node'));
    const envOf = (n: ClabNode): NodeJS.ProcessEnv => ({
      ...process.env,
      ...n.env,
      BGPLB_ROOT: REPO,
      BGPLB_CLUSTER_YAML: join(this.topo.dir, 'cluster.yaml'),
      BGPLB_STATE_DIR: join(this.lab.workDir, `state-${n.name}`),
      PATH: `${bin}:${process.env.PATH ?? ''}`,
    });
    const ctl = this.ctl();
    this.apiUrl = ctl.env.BGPLB_API ?? '';
    this.kubeconfig = join(this.lab.workDir, `state-${ctl.name}`, 'kubeconfig');
    const withCmd = this.topo.nodes.filter((n) => n.cmd?.startsWith('bgplb-e2e-node'));
    for (const n of withCmd) {
      const child = this.host(n.name).spawn('bash', ['-c', n.cmd as string], { env: envOf(n) });
      this.track(`entrypoint/${n.name}`, child);
    }
    await Promise.all(
      withCmd.map((n) =>
        waitFor(
          `${n.name}: bgplb-e2e-node running`,
          () => {
            const p = this.proc(`entrypoint/${n.name}`);
            if (!p.running) throw new Error(`exited: ${p.tail().join('\n')}`);
            return p.tail(50).some((l) => l.includes('running'));
          },
          120_000,
          200,
        ).catch((err: Error) => {
          throw new Error(`${err.message}\n${this.proc(`entrypoint/${n.name}`).tail().join('\n')}`);
        }),
      ),
    );
  }

  private async link(a: { node: string; iface: string }, b: { node: string; iface: string }): Promise<void> {
    const nsOf = (n: string): { ns: string; bridge: boolean } => {
      const sw = this.switches.get(n);
      if (sw) return { ns: sw.ns, bridge: true };
      return { ns: this.host(n).ns, bridge: false };
    };
    const A = nsOf(a.node);
    const B = nsOf(b.node);
    await run('ip', [
      'link',
      'add',
      a.iface,
      'netns',
      A.ns,
      'type',
      'veth',
      'peer',
      'name',
      b.iface,
      'netns',
      B.ns,
    ]);
    for (const [end, side] of [
      [a, A],
      [b, B],
    ] as const) {
      if (side.bridge) await run('ip', ['-n', side.ns, 'link', 'set', end.iface, 'master', 'br0']);
      await run('ip', ['-n', side.ns, 'link', 'set', end.iface, 'up']);
    }
  }

  private ctl(): ClabNode {
    const ctl = this.topo.nodes.find((n) => n.role === 'ctl');
    if (!ctl?.mgmtIPv4) throw new Error(`${this.topo.name} has no ctl node with mgmt-ipv4`);
    return ctl;
  }

  private async startApi(): Promise<void> {
    this.server = await startTestApiServer({
      crds: [crdDirectory],
      // kube-controller-manager's node lifecycle controller, with a lab-sized grace period: a node
      // whose kubelet stops heartbeating becomes Ready=Unknown (and tainted unreachable)
      nodeLifecycle: { gracePeriodSeconds: (this.opts.nodeMonitorGraceMs ?? 5000) / 1000, periodMs: 250 },
      namespaces: ['default', 'kube-system', 'kube-public', 'kube-node-lease', this.clusterNamespace],
    });
    // The server listens on the root namespace's loopback; a Unix socket (visible in every
    // namespace) bridges it to a forwarder in the ctl namespace.
    const socketPath = join(this.lab.workDir, 'apiserver.sock');
    const port = this.server.port;
    this.bridge = createServer((client) => {
      const upstream = connect(port, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.bridgeSockets.add(s);
        s.on('close', () => this.bridgeSockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((ok, fail) => {
      this.bridge?.once('error', fail);
      this.bridge?.listen(socketPath, () => ok());
    });
    const ctl = this.ctl();
    const fwd = this.spawnPlain(ctl.name, 'forwarder', join(HERE, 'forwarder.ts'), [
      socketPath,
      '0.0.0.0',
      String(API_PORT),
    ]);
    await waitFor('API forwarder in ctl', () => fwd.tail().includes('ready'), 15_000, 50);
    this.apiUrl = `http://${ctl.mgmtIPv4}:${API_PORT}`;
    this.kubeconfig = join(this.lab.workDir, 'kubeconfig.yaml');
    writeFileSync(
      this.kubeconfig,
      this.server.kubeconfig().replaceAll(`http://127.0.0.1:${port}`, this.apiUrl),
    );
  }

  /** Creates the objects of cluster.yaml, as `kubectl apply -f cluster.yaml` would. */
  private applyCluster(): void {
    for (const doc of this.clusterDocs) this.server.store.upsert(doc);
  }

  private createNodes(): void {
    const now = new Date().toISOString();
    for (const n of this.clusterNodes()) {
      this.server.store.upsert({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: n.name,
          labels: {
            'kubernetes.io/hostname': n.name,
            ...(n.role === 'control-plane' ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
          },
        },
        spec: {},
        status: {
          addresses: [
            ...n.internalIPs.map((address) => ({ type: 'InternalIP', address })),
            { type: 'Hostname', address: n.name },
          ],
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      });
    }
  }

  // ---- processes --------------------------------------------------------------------------------

  /** Runs a plain Node.js script (type-stripped TypeScript, no tsx) in a namespace. */
  private spawnPlain(node: string, name: string, script: string, args: string[]): LabProcess {
    const child = this.host(node).spawn(process.execPath, [script, ...args]);
    return this.track(name, child);
  }

  private track(name: string, child: LabProcess['child']): LabProcess {
    const p = new LabProcess(name, child, join(this.lab.workDir, `${name.replaceAll('/', '-')}.log`));
    this.processes.set(name, p);
    return p;
  }

  private spawnApp(node: string, name: string, src: string, dist: string, args: string[]): LabProcess {
    const host = this.host(node);
    const child = this.opts.dist ? host.spawn(process.execPath, [dist, ...args]) : host.spawnNode(src, args);
    return this.track(name, child);
  }

  proc(name: string): LabProcess {
    const p = this.processes.get(name);
    if (!p) throw new Error(`no process ${name}`);
    return p;
  }

  async startKubelet(node: string): Promise<LabProcess> {
    const n = this.node(node);
    const p = this.spawnPlain(node, `kubelet/${node}`, join(HERE, 'kubelet.ts'), [
      '--api',
      this.apiUrl,
      '--node',
      node,
      '--internal-ip',
      n.internalIPs.join(','),
      ...(n.role === 'control-plane' ? ['--control-plane'] : []),
      '--interval',
      '1000',
      '--ports',
      '80,443',
    ]);
    await p.waitForLog(/kubelet started/, 15_000);
    return p;
  }

  /**
   * Starts a controller replica on the ctl node. A second replica needs its own `name` (the process
   * key) and, in `extra`, its own `--metrics-addr` (the last value of a flag wins).
   */
  async startController(extra: string[] = [], name = 'controller'): Promise<LabProcess> {
    const p = this.spawnApp(this.ctl().name, name, CONTROLLER_SRC, CONTROLLER_DIST, [
      '--kubeconfig',
      this.kubeconfig,
      '--cluster-namespace',
      this.clusterNamespace,
      '--grace-seconds',
      String(this.opts.graceSeconds ?? 2),
      '--metrics-addr',
      '127.0.0.1:8080',
      '--log-level',
      'debug',
      ...extra,
    ]);
    await waitFor(
      'the controller to write the NetworkGatewayGroup status',
      () => {
        const ngg = this.server.store.get(V1, 'NetworkGatewayGroup', 'default', this.clusterNamespace);
        const fips = (ngg?.status as { floatingIPs?: Record<string, string> } | undefined)?.floatingIPs;
        return fips && Object.keys(fips).length > 0;
      },
      60_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; controller output ends with:\n${p.tail().join('\n')}`);
    });
    return p;
  }

  /** The control-plane advertiser's config file for a node (its peers per the Cluster's mapping). */
  advertiserConfig(node: string): string {
    return advertiserConfig(this.loadBalancer(), this.node(node).internalIP ?? '');
  }

  /** Starts a control-plane advertiser; `extra` replaces the lab's `advertiserArgs` for this one. */
  async startAdvertiser(node: string, extra = this.opts.advertiserArgs ?? []): Promise<LabProcess> {
    const conf = join(this.lab.workDir, `bgpadvertiser-${node}.conf`);
    writeFileSync(conf, this.advertiserConfig(node));
    const p = this.spawnApp(node, `advertiser/${node}`, ADVERTISER_SRC, ADVERTISER_DIST, [
      '--config',
      conf,
      '--advertise-ip',
      this.controlPlaneVIP,
      '--vip-interface',
      'lo',
      '--health-addr',
      '127.0.0.1:8080',
      ...extra,
    ]);
    await p.waitForLog(/Established/i, 60_000);
    return p;
  }

  async startAgent(node: string, extra: string[] = []): Promise<LabProcess> {
    const p = this.spawnApp(node, `agent/${node}`, ADVERTISER_SRC, ADVERTISER_DIST, [
      'agent',
      '--node-name',
      node,
      '--kubeconfig',
      this.kubeconfig,
      '--cluster-namespace',
      this.clusterNamespace,
      '--health-addr',
      '127.0.0.1:8081',
      '--heartbeat',
      '2s',
      '--connect-retry-time',
      '1',
      ...(this.opts.agentArgs ?? []),
      ...extra,
    ]);
    await p.waitForLog(/first reconcile done; ready/, 60_000);
    return p;
  }

  // ---- what the scenarios look at -------------------------------------------------------------

  /** `kubectl ARGS` run in the ctl namespace against the test API server. */
  async kubectl(...args: string[]): Promise<string> {
    if (!kubectlInstalled()) {
      throw new Error(
        'kubectl not found on the PATH: install kubectl (any version from 1.29) to see kubectl output',
      );
    }
    const { stdout } = await run('ip', [
      'netns',
      'exec',
      this.host(this.ctl().name).ns,
      'kubectl',
      '--kubeconfig',
      this.kubeconfig,
      '--cache-dir',
      join(this.lab.workDir, 'kube-cache'),
      ...args,
    ]);
    return stdout;
  }

  /** The BGP paths a ToR has for a prefix (IPv4 or IPv6 unicast, after the prefix's family). */
  async torPaths(tor: string, prefix: string): Promise<TorPath[]> {
    const afi = prefix.includes(':') ? 'ipv6' : 'ipv4';
    const r = await this.router(tor).json<{
      paths?: {
        nexthops?: { ip: string }[];
        peer?: { peerId?: string };
        bestpath?: { overall?: boolean };
        multipath?: boolean;
        addpathRxId?: number;
        stale?: boolean;
      }[];
    }>(`show bgp ${afi} unicast ${prefix} json`);
    return (r.paths ?? []).map((p) => ({
      nextHop: p.nexthops?.[0]?.ip ?? '',
      peer: p.peer?.peerId ?? '',
      best: p.bestpath?.overall === true,
      multipath: p.multipath === true,
      ...(p.addpathRxId !== undefined ? { pathId: p.addpathRxId } : {}),
      ...(p.stale === true ? { stale: true as const } : {}),
    }));
  }

  /** The next hops of the ToR's kernel route for a prefix (ECMP: several), sorted. */
  async torFib(tor: string, prefix: string): Promise<string[]> {
    const routes = await this.host(tor).ipJson<
      { dst: string; gateway?: string; nexthops?: { gateway: string }[] }[]
    >(prefix.includes(':') ? '-6' : '-4', 'route', 'show', prefix);
    const hops = routes.flatMap((r) =>
      r.nexthops ? r.nexthops.map((h) => h.gateway) : r.gateway ? [r.gateway] : [],
    );
    return hops.sort();
  }

  /** `ip route show PREFIX` on a ToR, as text. */
  async torRouteText(tor: string, prefix: string): Promise<string> {
    return (await this.host(tor).ip('route', 'show', prefix)).trim();
  }

  /** COUNT new TCP connections from the client to IP:PORT; who answered how often. */
  async probe(
    ip: string,
    port: number,
    count: number,
    client = 'client',
  ): Promise<{
    ok: number;
    failed: number;
    responders: Record<string, number>;
    /** The source addresses the backends saw (X-Client-Address). */
    sources: Record<string, number>;
    errors: string[];
  }> {
    const out = await this.host(client).exec(
      process.execPath,
      [join(HERE, 'probe.ts'), 'once', ip, String(port), String(count)],
      Math.max(60_000, count * 100),
    );
    return JSON.parse(out.trim().split('\n').pop() ?? '{}');
  }

  /** Starts requesting IP:PORT every intervalMs from the client; stop() returns every result. */
  probeLoop(
    ip: string,
    port: number,
    intervalMs = 50,
    client = 'client',
  ): { stop: () => Promise<ProbeResult[]> } {
    const p = this.spawnPlain(client, `probe-${ip}-${Date.now()}`, join(HERE, 'probe.ts'), [
      'loop',
      ip,
      String(port),
      String(intervalMs),
    ]);
    return {
      stop: async () => {
        await p.stop('SIGTERM', 5_000);
        return p.lines as unknown as ProbeResult[];
      },
    };
  }

  /**
   * Starts a request to IP:PORT every intervalMs from the client, each on its own (probe.ts
   * `every`: a failed request does not hold the next back); stop() returns every result.
   */
  probeEvery(
    ip: string,
    port: number,
    intervalMs = 20,
    client = 'client',
  ): { stop: () => Promise<ProbeResult[]> } {
    const p = this.spawnPlain(client, `probe-every-${ip}-${Date.now()}`, join(HERE, 'probe.ts'), [
      'every',
      ip,
      String(port),
      String(intervalMs),
    ]);
    return {
      stop: async () => {
        await p.stop('SIGTERM', 5_000);
        return p.lines as unknown as ProbeResult[];
      },
    };
  }

  /**
   * Brings a failed node back (after `nodeDown`): links up, and its topology `exec` routes again
   * (the kernel dropped them with the links). Processes are the caller's to restart.
   */
  async restoreNode(node: string): Promise<void> {
    await this.nodeUp(node);
    const n = this.topo.nodes.find((x) => x.name === node);
    for (const line of n?.exec ?? []) {
      if (!/^ip route add /.test(line)) continue;
      await this.host(node)
        .exec('sh', ['-c', line])
        .catch((err: Error) => {
          if (!/File exists/.test(err.message)) throw err;
        });
    }
  }

  /**
   * Simulates a node failure: every link of the node goes down (data and management) in one
   * `ip -batch`. Returns when the links were down (ms since the epoch, read by `date` in the
   * namespace right after `ip -batch` returned), the zero of a failover's timings: the links are
   * listed before it, one command instead of one per link, and the time is taken there, so that a
   * loaded machine's process start-ups (`ip netns exec`, the shell: 100-200 ms each under load) stay
   * out of the measured time (as AgentLab.setLink does).
   */
  async nodeDown(node: string): Promise<number> {
    const host = this.host(node);
    const links = await host.ipJson<{ ifname: string }[]>('link', 'show');
    const batch = links
      .filter((l) => l.ifname !== 'lo')
      .map((l) => `link set dev ${l.ifname} down`)
      .join('\n');
    const out = await host.exec('sh', [
      '-c',
      `printf '%s\\n' "$1" | ip -batch - && date +%s%3N`,
      'sh',
      batch,
    ]);
    const cutAt = Number(out.trim());
    if (!Number.isFinite(cutAt)) throw new Error(`nodeDown ${node}: no time from date: ${out}`);
    return cutAt;
  }

  /**
   * A node dies: its links go down (nodeDown) and `processes` (e.g. `agent`, `kubelet`) are killed
   * with SIGKILL, no clean stop. Returns when the links were down (nodeDown).
   */
  async killNode(node: string, processes: readonly string[]): Promise<number> {
    const cutAt = await this.nodeDown(node);
    await Promise.all(processes.map((p) => this.proc(`${p}/${node}`).stop('SIGKILL')));
    return cutAt;
  }

  /**
   * BFD on the service sessions, both ends: `neighbor LB bfd profile fast` on `tor` and `bfd` in
   * BGPPeer bgppeer1 (the agents' side), so a dead holder's own session goes too.
   */
  async enableServiceBfd(tor: string, bfd = { minTxMs: 300, minRxMs: 300, multiplier: 3 }): Promise<void> {
    await this.router(tor).configure('router bgp 65002', 'neighbor LB bfd profile fast');
    const peer = this.server.store.get(V1, 'BGPPeer', 'bgppeer1', this.clusterNamespace);
    if (!peer) throw new Error('BGPPeer bgppeer1 not found');
    this.server.store.upsert({ ...peer, spec: { ...(peer.spec as object), bfd } });
  }

  /**
   * FRR on `tor` has its BFD session to every one of `peers` Up in its settled form: FRR 8.4
   * replaces a neighbor's session when BGP first reaches Established, which ends that BGP session
   * once more if BFD was already Up (FrrRouter.bgpBfdPeer). Steady-state checks wait for this, so
   * that a fault injected next never meets that start-up flap.
   */
  async torBfdUp(tor: string, peers: readonly string[]): Promise<boolean> {
    const router = this.router(tor);
    return (await Promise.all(peers.map((ip) => router.bgpBfdPeer(ip)))).every((p) => p?.status === 'up');
  }

  async nodeUp(node: string): Promise<void> {
    const host = this.host(node);
    const links = await host.ipJson<{ ifname: string }[]>('link', 'show');
    for (const l of links) if (l.ifname !== 'lo') await host.ip('link', 'set', l.ifname, 'up');
  }

  /** Who holds which floating IP, per the NetworkGatewayGroup status. */
  floatingIPs(): Record<string, string> {
    const ngg = this.server.store.get(V1, 'NetworkGatewayGroup', 'default', this.clusterNamespace);
    return { ...((ngg?.status as { floatingIPs?: Record<string, string> } | undefined)?.floatingIPs ?? {}) };
  }

  createService(name: string, namespace = 'default', extra: Record<string, unknown> = {}): void {
    this.server.store.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace },
      spec: {
        type: 'LoadBalancer',
        selector: { app: name },
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }],
        ...extra,
      },
    });
  }

  /** Every VIP of a Service (`status.loadBalancer.ingress`: one per family when dual-stack). */
  serviceVIPs(name: string, namespace = 'default'): string[] {
    const svc = this.server.store.get('v1', 'Service', name, namespace);
    const ingress = (svc?.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)
      ?.loadBalancer?.ingress;
    return (ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  }

  serviceVIP(name: string, namespace = 'default'): string | undefined {
    const svc = this.server.store.get('v1', 'Service', name, namespace);
    const ingress = (svc?.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)
      ?.loadBalancer?.ingress;
    return ingress?.[0]?.ip;
  }

  async waitFor<T>(
    what: string,
    check: () => Promise<T | undefined | false> | T | undefined | false,
    timeoutMs = 15_000,
    intervalMs = 100,
  ): Promise<T> {
    return waitFor(what, check, timeoutMs, intervalMs, () => this.diagnose());
  }

  /**
   * Polls `checks` side by side (every `intervalMs`) until each has passed once; resolves with how
   * long after `since` (epoch ms) each one's first passing poll returned. Each clock stops at its
   * own first observation: polled one after the other (a RIB, then the FIB), a later check's time
   * would include the earlier waits, seconds on a loaded machine that the product never spent.
   */
  async msUntilEach<K extends string>(
    what: string,
    since: number,
    checks: Record<K, () => Promise<boolean>>,
    timeoutMs = 10_000,
    intervalMs = 20,
  ): Promise<Record<K, number>> {
    const keys = Object.keys(checks) as K[];
    const times = await Promise.all(
      keys.map((k) =>
        this.waitFor(
          `${what} (${k})`,
          async () => (await checks[k]()) && Date.now() - since,
          timeoutMs,
          intervalMs,
        ),
      ),
    );
    return Object.fromEntries(keys.map((k, i) => [k, times[i]])) as Record<K, number>;
  }

  /** BGP summaries of the ToRs and the last lines of the bgplb processes, for failure messages. */
  async diagnose(): Promise<string> {
    const out = await bgpSummaries(this.frr);
    for (const [name, p] of this.processes) {
      if (
        name.startsWith('kubelet') ||
        name.startsWith('probe') ||
        name === 'forwarder' ||
        name === 'node-lifecycle'
      )
        continue;
      out.push(`--- ${name}${p.running ? '' : ' (exited)'}`, ...p.tail(8));
    }
    return out.join('\n');
  }

  /** Stops everything and removes every namespace; safe to call twice and after a failed up(). */
  async down(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop('SIGTERM', 3_000)));
    await this.lab.destroy();
    for (const s of this.bridgeSockets) s.destroy();
    await new Promise<void>((ok) => (this.bridge ? this.bridge.close(() => ok()) : ok()));
    await this.server?.close();
  }
}

/** Whether kubectl is on the PATH (the machine image ships it; the suites skip kubectl checks without it). */
export function kubectlInstalled(): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, 'kubectl')));
}

export interface ProbeResult {
  t: number;
  /** How long the request was open (probe.ts `every` only). */
  ms?: number;
  ok: boolean;
  node?: string;
  err?: string;
}
