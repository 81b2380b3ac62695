/**
 * The controller: informers feed a snapshot, the leader reconciles it (desiredState -> plan ->
 * writes), events and metrics explain what happened. One reconcile key covers the whole cluster
 * namespace because every decision depends on all of it (pools, floating IPs, peers); bursts of
 * changes are coalesced into one reconcile by the work queue.
 */
import { CLUSTER_GROUP, FLOATING_IP_LEASE_LABEL, GROUP, STATUS_NAMESPACE, VERSION } from '@bgplb/api-types';
import { leaseFreshness } from '@bgplb/floating-ip-allocator';
import {
  type ChangeType,
  describeError,
  EventRecorder,
  Informer,
  KubeClient,
  type LeaderElector,
  type Lease,
  LeaseClient,
  leasePath,
  paths,
  WorkQueue,
} from '@bgplb/kube-runtime';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type ApplyResult, applyWrites } from './apply.js';
import type { ConfigObjects } from './config.js';
import { liveSessionsOf } from './desired/make-before-break.js';
import {
  type Desired,
  type DesiredStateOptions,
  type HeldSince,
  MemoizedDesiredState,
} from './desired-state.js';
import { EndpointIndex } from './endpoint-index.js';
import { hash53 } from './hash.js';
import { type LeaderElectionConfig, leaderElector } from './leadership.js';
import { LeaseObservations, leaseFloatingIP } from './lease-observer.js';
import { ControllerMetrics } from './metrics.js';
import { FloatingIPMoveClock } from './move-clock.js';
import {
  DRAIN_ANNOTATION,
  DRAIN_STARTED_ANNOTATION,
  EXCLUDE_FROM_LB_LABEL,
  LABELS,
  MANAGED_BY,
  NODE_SUBNETS_ANNOTATION,
  SERVICE_NAME_LABEL,
} from './names.js';
import { type Plan, type PlanCache, planWrites } from './plan.js';
import { ServiceFastPath } from './service-fast-path.js';
import { trimEndpointSlice, trimNode, trimOwned, trimService } from './trim.js';
import type {
  EndpointSliceObject,
  EventSpec,
  KubeObject,
  NodeObject,
  RouteObject,
  ServiceObject,
  SessionObject,
} from './types.js';

export interface ControllerConfig {
  kubeConfig: KubeConfig;
  log: Logger;
  clusterNamespace: string;
  /** Namespace of BGPSession/BGPAdvertisedRoute (default kube-system). */
  statusNamespace?: string;
  graceSeconds: number;
  /**
   * The per-floating-IP Lease fast path: the Leases live in `namespace`; a floating IP moves when
   * its Lease has not been renewed for `expirySeconds`. Absent or 0: off (NotReady only).
   */
  floatingIPLeases?: { namespace: string; expirySeconds: number } | undefined;
  nodePrefixLength?: number;
  loadBalancerClass?: string;
  ingressService?: string | undefined;
  /** Cluster-wide weightedECMP (default endpoints); the BGPLoadBalancer may override it. */
  weightedECMP?: 'endpoints' | 'off' | undefined;
  /** Full reconcile at this interval even without changes (default 300 s). */
  resyncSeconds?: number;
  /** Coalescing window for bursts of changes (default 1 ms). */
  debounceMs?: number;
  leaderElection: LeaderElectionConfig;
  metrics?: ControllerMetrics;
  /** Called when leadership is lost after having been held (the CLI exits then, like client-go). */
  onLostLeadership?: () => void;
  /** Parallel writes per phase (default 16). */
  writeConcurrency?: number;
}

export const DEFAULT_LOAD_BALANCER_CLASS = 'networking.gke.io/bgplb';
const KEY = 'reconcile';

export interface ReconcileResult {
  skipped?: 'not-leader' | 'not-synced' | 'nothing-changed';
  desired?: Desired;
  plan?: Plan;
  applied?: ApplyResult;
  durationMs: number;
  /** Which pass ran: the full one, or the incremental Service path. */
  path?: 'full' | 'services';
  /** A full pass: the first change that asked for it (as logged). */
  fullReason?: string;
}

/**
 * Our latest write of an object, laid over the informer's copy until the watch catches up, and
 * the resourceVersions of our earlier writes of it the watch has not delivered yet (a route is
 * created, then its status written: the create's echo arrives after the second write's answer).
 */
type Overlay = { object: KubeObject | 'deleted'; at: number; earlier?: readonly string[] };

/** Earlier own versions kept per object: a reconcile writes an object at most twice. */
const EARLIER_KEPT = 4;

function rvNumber(rv: string | undefined): bigint | undefined {
  return rv !== undefined && /^\d+$/.test(rv) ? BigInt(rv) : undefined;
}

/** What of a Node matters to the controller (heartbeat-only status updates are ignored). */
function nodeSignature(n: NodeObject): string {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  return JSON.stringify([
    ready?.status,
    ready?.lastTransitionTime,
    n.status?.addresses,
    n.metadata.labels?.[EXCLUDE_FROM_LB_LABEL],
    n.metadata.annotations?.[DRAIN_ANNOTATION],
    n.metadata.annotations?.[DRAIN_STARTED_ANNOTATION],
    n.spec?.unschedulable === true,
    n.metadata.annotations?.[NODE_SUBNETS_ANNOTATION],
    n.metadata.uid,
    n.metadata.deletionTimestamp,
  ]);
}

/**
 * What of a BGPSession/BGPAdvertisedRoute matters to the controller (not status), hashed: kept
 * for every route, the JSON itself was 5 MB at 10k dual-stack Services.
 */
function ownedSignature(o: KubeObject): number {
  const generation = (o.metadata as { generation?: number }).generation;
  // Without a generation (no status subresource) any change counts.
  if (generation === undefined) return hash53(String(o.metadata.resourceVersion));
  return hash53(
    JSON.stringify([
      generation,
      o.metadata.labels,
      o.metadata.ownerReferences?.map((r) => r.uid),
      o.metadata.uid,
    ]),
  );
}

export class Controller {
  readonly client: KubeClient;
  readonly metrics: ControllerMetrics;
  readonly events: EventRecorder;
  private readonly log: Logger;
  private readonly statusNamespace: string;
  private readonly options: DesiredStateOptions;
  private readonly queue: WorkQueue;
  private readonly elector: LeaderElector | undefined;
  private informers = new Map<string, Informer<KubeObject>>();
  private readonly overlay = new Map<string, Overlay>();
  /** Owned objects with a create or update of ours on the wire (`resource|namespace|name`: count). */
  private readonly sending = new Map<string, number>();
  private readonly nodeSignatures = new Map<string, string>();
  /** Per owned resource, by object name: the hashed signature last seen (`ownedSignature`). */
  private readonly ownedSignatures = new Map<string, Map<string, number>>();
  private lastGood: ConfigObjects | undefined;
  /** desiredState with the memo of the last full reconcile. */
  private readonly desiredState = new MemoizedDesiredState();
  /** When each node's drain began (see Observed.drainingSince; also on the Node, bgplb.io/drain-started). */
  private drainingSince: ReadonlyMap<string, number> = new Map();
  /** Floating-IP holders and since when (see Observed.heldSince). */
  private heldSince: ReadonlyMap<string, HeldSince> = new Map();
  /** Nodes kept out of the next hops for an expired Lease (see Observed.leaseSuspects). */
  private leaseSuspects: ReadonlyMap<string, number> = new Map();
  /** What the Lease informer and direct reads have seen of the floating-IP Leases. */
  private readonly leaseObservations = new LeaseObservations();
  private readonly leases: LeaseClient;
  private leaseTimer: NodeJS.Timeout | undefined;
  private readonly moveClock: FloatingIPMoveClock;
  private readonly planCache: PlanCache = { routes: new WeakMap() };
  private lastWarnings = '';
  /** Set by anything but a Service change: the next reconcile must be a full one. */
  private fullNeeded = true;
  /** The first change that asked for the coming full pass (logged with it: a full pass costs). */
  private fullReason: string | undefined = 'start';
  /** Services changed since the last reconcile (`namespace/name`). */
  private dirtyServices = new Set<string>();
  private fastPath: ServiceFastPath | undefined;
  /** Ready endpoints per node of every Service, from the EndpointSlice informer. */
  private readonly endpoints = new EndpointIndex();
  private lastFull: Desired | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private readonly recheck = () => {
    this.needFull('recheck');
    this.queue.add(KEY);
  };
  private leading = false;
  private started = false;
  private resyncTimer: NodeJS.Timeout | undefined;
  /** Resolves after each reconcile (tests and benchmarks wait on it). */
  private reconcileListeners: ((r: ReconcileResult) => void)[] = [];

  constructor(private readonly config: ControllerConfig) {
    this.log = config.log;
    this.client = new KubeClient(config.kubeConfig);
    this.metrics = config.metrics ?? new ControllerMetrics();
    this.metrics.observe({
      sessions: () => this.view('bgpsessions'),
      routes: () => this.view('bgpadvertisedroutes'),
    });
    this.statusNamespace = config.statusNamespace ?? STATUS_NAMESPACE;
    this.leases = new LeaseClient(this.client);
    this.moveClock = new FloatingIPMoveClock((reason, seconds) =>
      this.metrics.floatingIPMoveDuration.observe({ reason }, seconds),
    );
    this.options = {
      clusterNamespace: config.clusterNamespace,
      graceSeconds: config.graceSeconds,
      leaseExpirySeconds: config.floatingIPLeases?.expirySeconds ?? 0,
      nodePrefixLength: config.nodePrefixLength ?? 24,
      loadBalancerClass: config.loadBalancerClass ?? DEFAULT_LOAD_BALANCER_CLASS,
      ingressService: config.ingressService,
      weightedECMP: config.weightedECMP,
    };
    this.events = new EventRecorder(this.client, {
      component: 'bgplb-controller',
      host: config.leaderElection.identity,
      log: this.log,
      onPending: (n) => this.metrics.eventsPending.set(n),
    });
    this.queue = new WorkQueue(
      async () => {
        await this.reconcile();
      },
      {},
      (_key, err, retryInMs) => this.log.warn({ err: String(err), retryInMs }, 'reconcile failed; retrying'),
    );
    this.elector = leaderElector(this.client, config.leaderElection, this.log, {
      setLeading: (v) => this.setLeading(v),
      isLeading: () => this.leading,
      isStarted: () => this.started,
      onLostLeadership: config.onLostLeadership,
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** True once every informer has listed. */
  get synced(): boolean {
    return this.informers.size > 0 && [...this.informers.values()].every((i) => i.synced);
  }

  private setLeading(value: boolean): void {
    this.leading = value;
    this.metrics.leader.set(value ? 1 : 0);
    if (value) this.recheck();
  }

  private trigger(): void {
    this.queue.addAfter(KEY, this.config.debounceMs ?? 1);
    this.metrics.queueDepth.set(this.queue.depth);
  }

  private onChange(resource: string, type: ChangeType, object: KubeObject): void {
    if (resource === 'leases') {
      // A renewal only refreshes what we know; the lease timer decides when to look again. A
      // suspect renewing or claiming again ends its suspicion (lease-suspects.ts): worth a reconcile.
      const lease = object as unknown as Lease;
      const holder = lease.spec?.holderIdentity ?? null;
      if (type === 'delete') this.leaseObservations.forget(lease);
      else if (this.leaseObservations.observe(lease, performance.now())) {
        if (holder !== null && this.leaseSuspects.has(holder)) this.recheck();
        else if (this.leaseTimer === undefined && this.started) {
          // The first Lease seen since the last full reconcile (which found none, so armed no
          // timer): without this, a holder that renewed once and then died would never expire.
          this.checkLeases();
        }
      }
      return;
    }
    if (resource === 'bgpsessions' && type !== 'delete')
      this.moveClock.session(object as SessionObject, Date.now());
    const key = `${resource}|${object.metadata.namespace ?? ''}|${object.metadata.name}`;
    const pending = this.overlay.get(key);
    if (pending !== undefined) {
      // The echo of our own write tells us nothing new: it does not trigger a reconcile.
      let echo = false;
      if (pending.object === 'deleted') {
        if (type === 'delete') {
          this.overlay.delete(key);
          echo = true;
        }
      } else {
        const ours = rvNumber(pending.object.metadata.resourceVersion);
        const seen = rvNumber(object.metadata.resourceVersion);
        if (type === 'delete' || ours === undefined || seen === undefined || seen >= ours)
          this.overlay.delete(key);
        // Our latest write, or one of our earlier writes that it superseded (that version is our
        // own too: without this, a new dual-stack Service's second route cost a full pass).
        const rv = object.metadata.resourceVersion;
        echo =
          type !== 'delete' &&
          rv !== undefined &&
          (pending.object.metadata.resourceVersion === rv || pending.earlier?.includes(rv) === true);
      }
      if (echo) {
        this.noteSignature(resource, type, object);
        return;
      }
    }
    if (
      type !== 'delete' &&
      this.sending.has(key) &&
      object.metadata.labels?.[LABELS.managedBy] === MANAGED_BY
    ) {
      // Most likely the echo of the write on the wire, delivered before its answer (no overlay
      // yet). Had someone else created or changed it meanwhile, that write fails (AlreadyExists,
      // or Conflict as updates carry the resourceVersion) and the failure asks for a full pass.
      this.noteSignature(resource, type, object);
      return;
    }
    if (this.noteSignature(resource, type, object)) return;
    if (resource === 'endpointslices') {
      // Only a change of a Service's ready endpoints per node matters: that Service is decided
      // again on the incremental path (externalTrafficPolicy: Local routes follow their endpoints).
      // Other Services do not read endpoints (a Service that becomes Local later is decided
      // then, with the counts kept here), so pod churn behind them costs no reconcile.
      let dirty = false;
      for (const key of this.endpoints.update(type, object as EndpointSliceObject)) {
        const slash = key.indexOf('/');
        const svc = this.lookup<ServiceObject>('services', key.slice(0, slash), key.slice(slash + 1));
        if (svc?.spec?.externalTrafficPolicy !== 'Local') continue;
        this.dirtyServices.add(key);
        dirty = true;
      }
      if (dirty && this.started) this.trigger();
      return;
    }
    if (resource === 'services')
      this.dirtyServices.add(`${object.metadata.namespace ?? ''}/${object.metadata.name}`);
    else this.needFull(`${type} ${resource} ${object.metadata.namespace ?? ''}/${object.metadata.name}`);
    if (this.started) this.trigger();
  }

  private needFull(reason: string): void {
    if (!this.fullNeeded) this.fullReason = reason;
    this.fullNeeded = true;
  }

  /**
   * Remembers what of a Node or owned object matters to the controller; returns true when this
   * change touched nothing of it (a kubelet or node-agent status heartbeat).
   */
  private noteSignature(resource: string, type: ChangeType, object: KubeObject): boolean {
    if (resource === 'bgpsessions' || resource === 'bgpadvertisedroutes') {
      // The node agents write session status every heartbeat; only spec (generation), labels and
      // owners matter to the controller.
      let known = this.ownedSignatures.get(resource);
      if (known === undefined) {
        known = new Map();
        this.ownedSignatures.set(resource, known);
      }
      const name = object.metadata.name;
      if (type === 'delete') known.delete(name);
      else {
        const sig = ownedSignature(object);
        if (known.get(name) === sig) return true;
        known.set(name, sig);
      }
    }
    if (resource === 'nodes') {
      const sig = type === 'delete' ? '' : nodeSignature(object as NodeObject);
      if (this.nodeSignatures.get(object.metadata.name) === sig) return true;
      if (type === 'delete') this.nodeSignatures.delete(object.metadata.name);
      else this.nodeSignatures.set(object.metadata.name, sig);
    }
    return false;
  }

  private onWritten(resource: string, namespace: string, name: string, object: KubeObject | 'deleted'): void {
    // The watch may deliver the echo before the response arrives: then there is nothing to overlay.
    const cached = this.informers.get(resource)?.get(name, namespace === '' ? undefined : namespace);
    if (object === 'deleted' ? cached === undefined : cached !== undefined) {
      const seen = rvNumber(cached?.metadata.resourceVersion);
      const ours = object === 'deleted' ? undefined : rvNumber(object.metadata.resourceVersion);
      if (object === 'deleted' || (seen !== undefined && ours !== undefined && seen >= ours)) return;
    }
    // Kept until the informer catches up; trimmed like the informer's copy.
    if (object !== 'deleted') {
      if (resource === 'services') trimService(object);
      else if (resource === 'nodes') trimNode(object);
      else trimOwned(object);
    }
    const key = `${resource}|${namespace}|${name}`;
    const before = this.overlay.get(key);
    const beforeRv = before?.object === 'deleted' ? undefined : before?.object.metadata.resourceVersion;
    const earlier = beforeRv === undefined ? [] : [...(before?.earlier ?? []), beforeRv].slice(-EARLIER_KEPT);
    this.overlay.set(
      key,
      earlier.length > 0 ? { object, at: Date.now(), earlier } : { object, at: Date.now() },
    );
  }

  /** Informer contents with our own recent writes laid over them. */
  private view<T extends KubeObject>(resource: string): T[] {
    const informer = this.informers.get(resource);
    const items = (informer?.list() ?? []) as T[];
    if (this.overlay.size === 0) return items;
    const now = Date.now();
    const out: T[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const key = `${resource}|${item.metadata.namespace ?? ''}|${item.metadata.name}`;
      seen.add(key);
      const o = this.overlay.get(key);
      if (o !== undefined && now - o.at > 30_000) this.overlay.delete(key);
      if (o === undefined || now - o.at > 30_000) out.push(item);
      else if (o.object !== 'deleted') out.push(o.object as T);
    }
    for (const [key, o] of this.overlay) {
      if (!key.startsWith(`${resource}|`) || seen.has(key)) continue;
      if (now - o.at > 30_000) this.overlay.delete(key);
      else if (o.object !== 'deleted') out.push(o.object as T);
    }
    return out;
  }

  async start(): Promise<void> {
    const ns = this.config.clusterNamespace;
    const specs = [
      {
        name: 'clusters',
        path: paths.group(CLUSTER_GROUP, VERSION, 'clusters', ns),
        apiVersion: `${CLUSTER_GROUP}/${VERSION}`,
        kind: 'Cluster',
      },
      {
        name: 'networkgatewaygroups',
        path: paths.group(GROUP, VERSION, 'networkgatewaygroups', ns),
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'NetworkGatewayGroup',
      },
      {
        name: 'bgploadbalancers',
        path: paths.group(GROUP, VERSION, 'bgploadbalancers', ns),
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'BGPLoadBalancer',
      },
      {
        name: 'bgppeers',
        path: paths.group(GROUP, VERSION, 'bgppeers', ns),
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'BGPPeer',
      },
      {
        name: 'bgpsessions',
        path: paths.group(GROUP, VERSION, 'bgpsessions', this.statusNamespace),
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'BGPSession',
        transform: trimOwned,
      },
      {
        name: 'bgpadvertisedroutes',
        path: paths.group(GROUP, VERSION, 'bgpadvertisedroutes', this.statusNamespace),
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'BGPAdvertisedRoute',
        transform: trimOwned,
      },
      { name: 'nodes', path: paths.core('nodes'), apiVersion: 'v1', kind: 'Node', transform: trimNode },
      {
        name: 'services',
        path: paths.core('services'),
        apiVersion: 'v1',
        kind: 'Service',
        transform: trimService,
      },
      {
        name: 'endpointslices',
        path: paths.group('discovery.k8s.io', 'v1', 'endpointslices'),
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        labelSelector: SERVICE_NAME_LABEL,
        transform: trimEndpointSlice,
      },
    ];
    const leaseConfig = this.config.floatingIPLeases;
    if (leaseConfig !== undefined && leaseConfig.expirySeconds > 0) {
      specs.push({
        name: 'leases',
        path: leasePath(leaseConfig.namespace),
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        labelSelector: `${FLOATING_IP_LEASE_LABEL}=true`,
      } as (typeof specs)[number]);
    }
    for (const { transform, ...spec } of specs) {
      const informer = new Informer<KubeObject>(this.config.kubeConfig, this.client, {
        ...spec,
        log: this.log,
        // The trims change the received object in place (see trim.ts).
        ...(transform
          ? {
              transform: (o: KubeObject) => {
                transform(o);
                return o;
              },
            }
          : {}),
      });
      informer.on((type, object) => this.onChange(spec.name, type, object));
      this.informers.set(spec.name, informer);
      informer.start();
    }
    await Promise.all([...this.informers.values()].map((i) => i.whenSynced()));
    this.log.info({ clusterNamespace: ns, statusNamespace: this.statusNamespace }, 'informers synced');
    this.started = true;
    this.queue.start();
    const resync = (this.config.resyncSeconds ?? 300) * 1000;
    this.resyncTimer = setInterval(this.recheck, resync);
    this.resyncTimer.unref();
    if (this.elector) this.elector.start();
    else this.setLeading(true);
  }

  async stop(options: { releaseLease?: boolean } = {}): Promise<void> {
    this.started = false;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    await this.elector?.stop(options.releaseLease ?? true);
    await this.queue.stop();
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    // Give pending Events a moment, but never hang a shutdown on an unreachable API server.
    await Promise.race([this.events.flush(), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.client.close();
  }

  /** Resolves with the next reconcile that satisfies `predicate`. */
  nextReconcile(predicate: (r: ReconcileResult) => boolean = () => true): Promise<ReconcileResult> {
    return new Promise((resolve) => {
      const listener = (r: ReconcileResult) => {
        if (!predicate(r)) return;
        this.reconcileListeners = this.reconcileListeners.filter((l) => l !== listener);
        resolve(r);
      };
      this.reconcileListeners.push(listener);
    });
  }

  /** Waits until the queue is empty and nothing runs. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private emit(r: ReconcileResult): ReconcileResult {
    for (const l of [...this.reconcileListeners]) l(r);
    return r;
  }

  /** The live object (informer cache with our own recent writes laid over it). */
  private lookup<T extends KubeObject>(resource: string, namespace: string, name: string): T | undefined {
    const o = this.overlay.get(`${resource}|${namespace}|${name}`);
    if (o !== undefined && Date.now() - o.at <= 30_000)
      return o.object === 'deleted' ? undefined : (o.object as T);
    return this.informers.get(resource)?.get(name, namespace) as T | undefined;
  }

  /**
   * One reconcile. Throws (so the queue backs off) on failed writes. By default it takes the
   * incremental Service path when only Services changed; `{ full: true }` forces the full pass.
   */
  async reconcile(options: { full?: boolean } = {}): Promise<ReconcileResult> {
    const started = performance.now();
    this.metrics.queueDepth.set(this.queue.depth);
    if (!this.leading) return this.emit({ skipped: 'not-leader', durationMs: 0 });
    if (!this.synced) return this.emit({ skipped: 'not-synced', durationMs: 0 });
    if (options.full === true) this.fullReason ??= 'forced';
    const incremental = options.full !== true && !this.fullNeeded;
    // Built on first use only when it will be used: a full pass would drop it unused (at 10k
    // dual-stack Services building it costs about as much as a third of a full pass).
    if (
      incremental &&
      this.fastPath === undefined &&
      this.lastFull !== undefined &&
      this.dirtyServices.size > 0
    ) {
      this.fastPath = ServiceFastPath.from(this.lastFull, {
        clusterNamespace: this.config.clusterNamespace,
        loadBalancerClass: this.options.loadBalancerClass,
        ingressService: this.options.ingressService,
      });
    }
    if (incremental && this.fastPath !== undefined) {
      if (this.dirtyServices.size === 0) return this.emit({ skipped: 'nothing-changed', durationMs: 0 });
      const fast = await this.reconcileServices(started);
      if (fast !== undefined) return fast;
      this.fullReason ??= 'the incremental path declined a Service change';
    }
    return await this.reconcileAll(started);
  }

  /** The incremental path: only the Services that changed (see service-fast-path.ts). */
  private async reconcileServices(started: number): Promise<ReconcileResult | undefined> {
    const fastPath = this.fastPath!;
    const dirty = this.dirtyServices;
    this.dirtyServices = new Set();
    const changed = new Map<string, ServiceObject | undefined>();
    for (const key of dirty) {
      const [namespace = '', name = ''] = key.split('/');
      changed.set(key, this.lookup<ServiceObject>('services', namespace, name));
    }
    const result = fastPath.apply(changed, (key) => this.endpoints.get(key));
    if (result === 'full') {
      this.fastPath = undefined;
      this.lastFull = undefined;
      return undefined;
    }
    const base = fastPath.desired;
    const partial: Desired = {
      ...base,
      gateway: undefined,
      services: result.services,
      routes: result.routes,
      sessions: new Map(),
      events: result.events,
    };
    const routes: RouteObject[] = [];
    for (const name of [...result.routes.keys(), ...result.removedRoutes]) {
      const r = this.lookup<RouteObject>('bgpadvertisedroutes', this.statusNamespace, name);
      if (r !== undefined) routes.push(r);
    }
    const services = [...changed.values()].filter((s): s is ServiceObject => s !== undefined);
    const plan = planWrites(
      partial,
      { services, gateway: undefined, sessions: [], routes, configObjects: [] },
      new Map(),
      {
        statusNamespace: this.statusNamespace,
        apiVersion: `${GROUP}/${VERSION}`,
        now: Date.now(),
        cache: this.planCache,
      },
    );
    const applied = await this.apply(plan);
    this.events.record([...result.events, ...applied.events]);
    this.metrics.desiredRoutes.set(base.routes.size);
    for (const p of fastPath.usage()) {
      this.metrics.poolSize.set({ pool: p.pool }, p.size);
      this.metrics.poolUsed.set({ pool: p.pool }, p.used);
    }
    for (const w of plan.writes) this.metrics.writes.inc({ op: w.op });
    const durationMs = performance.now() - started;
    const failed = applied.errors.length > 0 || applied.conflicts > 0;
    this.metrics.reconcileDuration.observe({ result: failed ? 'retry' : 'ok' }, durationMs / 1000);
    this.log[plan.writes.length > 0 || failed ? 'info' : 'debug'](
      {
        path: 'services',
        services: changed.size,
        writes: plan.writes.length,
        written: applied.written,
        durationMs: Math.round(durationMs * 10) / 10,
      },
      'reconciled',
    );
    const out = this.emit({ desired: partial, plan, applied, durationMs, path: 'services' });
    if (failed) {
      this.needFull('retry after failed or conflicting writes');
      throw new Error(
        `${applied.errors.length} write(s) failed and ${applied.conflicts} conflicted; retrying`,
      );
    }
    return out;
  }

  private apply(plan: Plan): Promise<ApplyResult> {
    return applyWrites(plan.writes, {
      client: this.client,
      group: GROUP,
      version: VERSION,
      log: this.log,
      concurrency: this.config.writeConcurrency ?? 16,
      onWritten: (resource, namespace, name, object) => this.onWritten(resource, namespace, name, object),
      onSending: (resource, namespace, name) => {
        const key = `${resource}|${namespace}|${name}`;
        this.sending.set(key, (this.sending.get(key) ?? 0) + 1);
        return () => {
          const n = (this.sending.get(key) ?? 1) - 1;
          if (n > 0) this.sending.set(key, n);
          else this.sending.delete(key);
        };
      },
    });
  }

  /** The full pass over everything. */
  private async reconcileAll(started: number): Promise<ReconcileResult> {
    const reason =
      this.fullReason ?? (this.lastFull === undefined ? 'no earlier full pass' : 'a Service change');
    this.fullNeeded = false;
    this.fullReason = undefined;
    this.dirtyServices = new Set();
    this.fastPath = undefined;
    this.lastFull = undefined;
    const ns = this.config.clusterNamespace;
    const inNs = (o: KubeObject) => (o.metadata.namespace ?? ns) === ns;
    const clusters = this.view('clusters')
      .filter(inNs)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const gateways = this.view('networkgatewaygroups').filter(inNs);
    const balancers = this.view('bgploadbalancers').filter(inNs);
    const peers = this.view('bgppeers')
      .filter(inNs)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const gateway = gateways.find((g) => g.metadata.name === 'default');
    const balancer = balancers.find((b) => b.metadata.name === 'default');
    if (clusters.length > 1)
      this.log.warn(
        { clusters: clusters.map((c) => c.metadata.name) },
        `more than one Cluster in ${ns}; using the first`,
      );
    const config: ConfigObjects = { bgpPeers: peers };
    if (clusters[0]) config.cluster = clusters[0];
    if (gateway) config.networkGatewayGroup = gateway;
    if (balancer) config.bgpLoadBalancer = balancer;
    const nodes = this.view<NodeObject>('nodes');
    const services = this.view<ServiceObject>('services');
    const leasesOn = this.informers.has('leases');
    if (leasesOn) await this.verifyExpiredLeases();
    const now = Date.now();
    const desired = this.desiredState.compute({
      config,
      lastGood: this.lastGood,
      nodes,
      services,
      endpoints: this.endpoints.all(),
      now,
      options: this.options,
      drainingSince: this.drainingSince,
      heldSince: this.heldSince,
      leaseSuspects: this.leaseSuspects,
      liveSessions: liveSessionsOf(this.view<SessionObject>('bgpsessions')),
      ...(leasesOn ? { leases: this.leaseObservations.snapshot(now, performance.now()) } : {}),
    });
    this.drainingSince = desired.drainingSince;
    this.heldSince = desired.heldSince;
    this.leaseSuspects = desired.leaseSuspects;
    if (desired.config.lastGood !== undefined) this.lastGood = desired.config.lastGood;
    const nodeUids = new Map<string, string>();
    for (const n of nodes) if (n.metadata.uid !== undefined) nodeUids.set(n.metadata.name, n.metadata.uid);
    const configObjects = [gateway, balancer, ...peers].filter((o): o is KubeObject => o !== undefined);
    const plan = planWrites(
      desired,
      {
        services,
        gateway,
        sessions: this.view<SessionObject>('bgpsessions'),
        routes: this.view<RouteObject>('bgpadvertisedroutes'),
        configObjects,
        nodes,
      },
      nodeUids,
      {
        statusNamespace: this.statusNamespace,
        apiVersion: `${GROUP}/${VERSION}`,
        now,
        cache: this.planCache,
      },
    );
    const computedMs = performance.now() - started;
    const applied = await this.apply(plan);
    const events: EventSpec[] = [...desired.events, ...applied.events];
    for (const s of desired.shortfalls) {
      const peer = peers.find((p) => p.metadata.name === s.peer) ?? clusters[0];
      if (peer === undefined) continue;
      const involved: EventSpec['involved'] = {
        apiVersion: peer.apiVersion ?? `${GROUP}/${VERSION}`,
        kind: peer.kind ?? 'BGPPeer',
        namespace: ns,
        name: peer.metadata.name,
      };
      if (peer.metadata.uid !== undefined) involved.uid = peer.metadata.uid;
      events.push({
        involved,
        type: 'Warning',
        reason: 'SessionsShortfall',
        message: `peer ${s.peer} asks for ${s.wanted} session(s) but gets ${s.got}: ${s.reason}`,
      });
    }
    for (const f of [...plan.foreign, ...applied.foreign]) {
      this.log.warn(
        { object: f },
        'an object with this name exists but was not created by bgplb-controller; left alone',
      );
    }
    this.events.record(events);
    desired.events = []; // recorded; not kept alive by the incremental path's copy of this state
    this.recordMetrics(desired, plan, applied);
    const durationMs = performance.now() - started;
    const failed = applied.errors.length > 0 || applied.conflicts > 0;
    this.metrics.reconcileDuration.observe({ result: failed ? 'retry' : 'ok' }, durationMs / 1000);
    const level = plan.writes.length > 0 || failed ? 'info' : 'debug';
    this.log[level](
      {
        writes: plan.writes.length,
        written: applied.written,
        conflicts: applied.conflicts,
        errors: applied.errors.length,
        services: desired.services.size,
        sessions: desired.sessions.size,
        routes: desired.routes.size,
        refused: desired.config.refused.map((r) => r.ref),
        reason,
        computeMs: Math.round(computedMs * 10) / 10,
        durationMs: Math.round(durationMs * 10) / 10,
      },
      'reconciled',
    );
    const warnings = desired.warnings.join('\n');
    if (warnings !== this.lastWarnings) {
      this.lastWarnings = warnings;
      for (const w of desired.warnings) this.log.warn({ warning: w }, 'configuration warning');
    }
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
    if (desired.recheckAt !== null) {
      this.recheckTimer = setTimeout(this.recheck, Math.max(1, desired.recheckAt - Date.now()));
      this.recheckTimer.unref();
    }
    this.armLeaseTimer(desired.leaseDeadline);
    if (!failed) this.moveClock.started(desired.floatingIPMoves, (m) => m.dueAt ?? now);
    const result = this.emit({ desired, plan, applied, durationMs, path: 'full', fullReason: reason });
    if (!failed) {
      this.lastFull = desired; // the incremental path starts from it (built on first use)
    } else {
      this.needFull('retry after failed or conflicting writes');
      throw new Error(
        `${applied.errors.length} write(s) failed and ${applied.conflicts} conflicted; retrying`,
      );
    }
    return result;
  }

  /** Holder per floating IP as the last full reconcile decided it (canonical IPs). */
  private holders(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [ip, h] of this.heldSince) out[ip] = h.holder;
    return out;
  }

  /**
   * Wakes up when the earliest Lease would expire. Renewals seen since then usually pushed it
   * back: only an actually expired Lease costs a full reconcile.
   */
  private armLeaseTimer(deadline: number | null): void {
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    this.leaseTimer = undefined;
    if (deadline === null || !this.started) return;
    this.leaseTimer = setTimeout(
      () => {
        this.leaseTimer = undefined;
        this.checkLeases();
      },
      Math.max(1, deadline - Date.now()),
    );
    this.leaseTimer.unref();
  }

  /** An expired Lease costs a full reconcile; otherwise the timer waits for the next deadline. */
  private checkLeases(): void {
    const f = this.freshness(Date.now());
    if (f.expired.size > 0) this.recheck();
    else this.armLeaseTimer(f.deadline);
  }

  private freshness(now: number) {
    return leaseFreshness({
      holders: this.holders(),
      leases: this.leaseObservations.snapshot(now, performance.now()),
      heldSince: Object.fromEntries([...this.heldSince].map(([ip, h]) => [ip, h.since])),
      expirySeconds: this.options.leaseExpirySeconds ?? 0,
      now,
    });
  }

  /**
   * Reads each Lease that looks expired straight from the API before a floating IP moves for it:
   * a watch that lags or broke silently must not move floating IPs off live holders. A read that
   * fails leaves the observation as it is (the floating IP moves: its holder cannot renew through
   * this API server either, and fences itself).
   */
  private async verifyExpiredLeases(): Promise<void> {
    const ns = this.config.floatingIPLeases?.namespace;
    if (ns === undefined) return;
    const expired = [...this.freshness(Date.now()).expired.keys()];
    const names = new Map<string, string>();
    for (const l of this.informers.get('leases')?.list() ?? []) {
      const ip = leaseFloatingIP(l as unknown as Lease);
      if (ip !== undefined) names.set(ip, l.metadata.name);
    }
    await Promise.all(
      expired.map(async (ip) => {
        const name = names.get(ip);
        if (name === undefined) return;
        try {
          const lease = await this.leases.get(ns, name);
          if (lease === undefined) return;
          const renewed = this.leaseObservations.observe(lease, performance.now());
          this.metrics.floatingIPLeaseChecks.inc({ result: renewed ? 'renewed' : 'expired' });
          if (renewed)
            this.log.warn(
              { floatingIP: ip, lease: name },
              'the Lease watch lagged: a direct read shows a renewal',
            );
        } catch (err) {
          this.metrics.floatingIPLeaseChecks.inc({ result: 'error' });
          this.log.warn(
            { floatingIP: ip, err: describeError(err) },
            'could not read an expired-looking Lease',
          );
        }
      }),
    );
  }

  private recordMetrics(desired: Desired, plan: Plan, applied: ApplyResult): void {
    const m = this.metrics;
    for (const p of desired.poolUsage) {
      m.poolSize.set({ pool: p.pool }, p.size);
      m.poolUsed.set({ pool: p.pool }, p.used);
    }
    if (desired.gateway) {
      m.floatingIPs.set({ state: 'assigned' }, Object.keys(desired.gateway.floatingIPs).length);
      m.floatingIPs.set({ state: 'unassigned' }, Object.keys(desired.unassignedFloatingIPs).length);
      m.setHolders(desired.gateway.floatingIPs);
    }
    if (applied.errors.length === 0) {
      for (const mv of desired.floatingIPMoves)
        if (mv.from !== null) m.floatingIPMoves.inc({ reason: mv.reason });
    }
    m.desiredSessions.set(desired.sessions.size);
    m.desiredRoutes.set(desired.routes.size);
    m.configRefused.set(desired.config.refused.length);
    for (const w of plan.writes) m.writes.inc({ op: w.op });
    m.queueDepth.set(this.queue.depth);
  }
}
