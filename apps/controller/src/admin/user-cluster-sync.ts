/**
 * One user cluster's sync: its credentials (from the admin cluster's Secret), informers on the
 * user cluster, and a work queue of its own, so that a slow or unreachable user cluster delays
 * nobody else. Each pass is level-triggered: plan from both caches (sync-plan.ts), apply, write the
 * status back to the admin cluster (sync-status.ts). Triggers: a source or Secret change in the
 * admin cluster, any change of the synced kinds in the user cluster (drift is seen at once), and
 * a periodic resync.
 */

import { STATUS_NAMESPACE } from '@bgplb/api-types';
import {
  ApiError,
  EventRecorder,
  type EventSpec,
  Informer,
  isStatus,
  KubeClient,
  paths,
  WorkQueue,
} from '@bgplb/kube-runtime';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeObject } from '../types.js';
import type { AdminMetrics } from './admin-metrics.js';
import { CLUSTER_API, GROUP_PATH, SYNCED_API_VERSION, SYNCED_KINDS } from './names.js';
import { isManagedBy, planSync, type SyncAction } from './sync-plan.js';
import {
  clusterStatusPatch,
  type NotSyncedReason,
  type SyncOutcome,
  sessionCounts,
  sourceStatusPatch,
  type UserClusterSummary,
} from './sync-status.js';
import type { UserClusterRef } from './user-clusters.js';
import { CredentialsError, classifyUserClusterError, kubeConfigFromSecret } from './user-credentials.js';

/** What the worker reads of the admin cluster (the admin controller's caches). */
export interface AdminView {
  /** True while every admin informer has listed and none is re-listing. */
  ready(): boolean;
  /** Source objects of the synced kinds in `namespace`. */
  sources(namespace: string): KubeObject[];
  cluster(key: string): KubeObject | undefined;
  /**
   * The Secret; undefined when it does not exist; `unknown` before its informer has listed; the
   * error when it cannot be read at all (e.g. forbidden).
   */
  secret(namespace: string, name: string): KubeObject | undefined | 'unknown' | { error: string };
}

export interface UserClusterSyncOptions {
  ref: UserClusterRef;
  adminClient: KubeClient;
  admin: AdminView;
  log: Logger;
  metrics: AdminMetrics;
  /** This replica, for Events. */
  identity: string;
  /** Namespace of the user cluster's BGPSession/BGPAdvertisedRoute objects (default kube-system). */
  statusNamespace?: string;
  /** Full pass at this interval without changes (default 30 s). */
  resyncMs?: number;
  /** Back-off of failed passes: first delay and ceiling (default 500 ms, 30 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Parallel writes within one kind (default 8). */
  writeConcurrency?: number;
}

interface Connection {
  /** The Secret content it was built from. */
  secretValue: string;
  client: KubeClient;
  informers: Map<string, Informer<KubeObject>>;
  events: EventRecorder;
}

const KEY = 'sync';

/** Keeps only what the summary reads of the user cluster's status objects. */
function trimStatusObject(o: KubeObject): KubeObject {
  const state = (o.status as { state?: unknown } | undefined)?.state;
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      resourceVersion: o.metadata.resourceVersion,
    },
    status: state === undefined ? {} : { state },
  } as KubeObject;
}

export class UserClusterSync {
  private ref: UserClusterRef;
  private connection: Connection | undefined;
  private credentialsError: CredentialsError | undefined;
  private readonly queue: WorkQueue;
  private resyncTimer: NodeJS.Timeout | undefined;
  private running = false;
  /** Managed copies deleted by someone else since the last pass: their re-creation gets an Event. */
  private readonly deletedByOthers = new Set<string>();
  /** Deletes of our own in flight (their watch events are not drift). */
  private readonly ourDeletes = new Set<string>();
  private lastState = '';
  /** Resolves after each pass (tests wait on it). */
  private passListeners: ((state: string) => void)[] = [];
  private readonly log: Logger;

  constructor(private readonly o: UserClusterSyncOptions) {
    this.ref = o.ref;
    this.log = o.log.child({ userCluster: o.ref.key });
    this.queue = new WorkQueue(
      () => this.pass(),
      {
        baseDelayMs: o.backoffBaseMs ?? 500,
        maxDelayMs: o.backoffMaxMs ?? 30_000,
      },
      (_key, err, retryInMs) =>
        this.log.warn({ err: String(err), retryInMs }, 'user cluster sync failed; retrying'),
    );
  }

  get key(): string {
    return this.ref.key;
  }

  /** The last pass's state (`Synced`, or the reason it is not). */
  get state(): string {
    return this.lastState;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.queue.start();
    const every = this.o.resyncMs ?? 30_000;
    this.resyncTimer = setInterval(() => this.trigger(), every);
    this.resyncTimer.unref();
    this.trigger();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.resyncTimer !== undefined) clearInterval(this.resyncTimer);
    await this.queue.stop();
    await this.disconnect();
  }

  /** The Cluster's annotations changed (Secret or target namespace). */
  update(ref: UserClusterRef): void {
    const moved = ref.targetNamespace !== this.ref.targetNamespace || ref.secretName !== this.ref.secretName;
    this.ref = ref;
    if (moved) void this.disconnect().then(() => this.trigger());
    else this.trigger();
  }

  trigger(): void {
    if (this.running) this.queue.add(KEY);
  }

  /** Resolves with the state of the next pass that ends with `state` (tests). */
  waitFor(state: string, timeoutMs = 10_000): Promise<void> {
    if (this.lastState === state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`${this.ref.key}: not ${state} after ${timeoutMs} ms (last: ${this.lastState})`)),
        timeoutMs,
      );
      const listener = (s: string) => {
        if (s !== state) return;
        clearTimeout(timer);
        this.passListeners = this.passListeners.filter((l) => l !== listener);
        resolve();
      };
      this.passListeners.push(listener);
    });
  }

  private async disconnect(): Promise<void> {
    const c = this.connection;
    this.connection = undefined;
    if (c === undefined) return;
    await Promise.all([...c.informers.values()].map((i) => i.stop()));
    c.client.close();
  }

  /** (Re)connects when the Secret changed; throws CredentialsError when it is unusable. */
  private async connect(): Promise<Connection | undefined> {
    const { namespace, secretName } = this.ref;
    const secret = this.o.admin.secret(namespace, secretName);
    if (secret === 'unknown') return undefined; // its informer triggers a pass once it has listed
    if (secret !== undefined && 'error' in secret && !('metadata' in secret))
      throw new CredentialsError(`Secret ${namespace}/${secretName} cannot be read: ${secret.error}`);
    const value = (secret as { data?: Record<string, string> } | undefined)?.data?.value ?? '';
    if (this.connection !== undefined && this.connection.secretValue === value) return this.connection;
    await this.disconnect();
    const kubeConfig = kubeConfigFromSecret(secret as KubeObject | undefined, this.ref);
    this.connection = this.open(kubeConfig, value);
    this.log.info({ server: kubeConfig.getCurrentCluster()?.server }, 'connecting to the user cluster');
    return this.connection;
  }

  private open(kubeConfig: KubeConfig, secretValue: string): Connection {
    const client = new KubeClient(kubeConfig, { timeoutMs: 10_000, maxSockets: 8 });
    const informers = new Map<string, Informer<KubeObject>>();
    const ns = this.ref.targetNamespace;
    const statusNs = this.o.statusNamespace ?? STATUS_NAMESPACE;
    const log = this.log;
    for (const k of SYNCED_KINDS) {
      const inf = new Informer<KubeObject>(kubeConfig, client, {
        name: `user ${k.plural}`,
        path: paths.group(GROUP_PATH.group, GROUP_PATH.version, k.plural, ns),
        apiVersion: SYNCED_API_VERSION,
        kind: k.kind,
        log,
        backoffBaseMs: this.o.backoffBaseMs ?? 500,
        backoffMaxMs: this.o.backoffMaxMs ?? 30_000,
      });
      inf.on((type, object) => this.onUserChange(type, object));
      inf.onSynced(() => this.trigger());
      // A failing watch means the cache is only the last known state: a pass says so.
      inf.onError(() => this.trigger());
      informers.set(k.kind, inf);
    }
    for (const [kind, plural] of [
      ['BGPSession', 'bgpsessions'],
      ['BGPAdvertisedRoute', 'bgpadvertisedroutes'],
    ] as const) {
      // Read for the Cluster's summary only: no trigger (agents heartbeat these).
      informers.set(
        kind,
        new Informer<KubeObject>(kubeConfig, client, {
          name: `user ${plural}`,
          path: paths.group(GROUP_PATH.group, GROUP_PATH.version, plural, statusNs),
          apiVersion: SYNCED_API_VERSION,
          kind,
          log,
          transform: trimStatusObject,
          backoffBaseMs: this.o.backoffBaseMs ?? 500,
          backoffMaxMs: this.o.backoffMaxMs ?? 30_000,
        }),
      );
    }
    for (const i of informers.values()) i.start();
    const events = new EventRecorder(client, { component: 'bgplb-admin-sync', host: this.o.identity, log });
    return { secretValue, client, informers, events };
  }

  private onUserChange(type: string, object: KubeObject): void {
    if (type === 'delete' && isManagedBy(object, this.ref.key)) {
      const k = `${object.kind}/${object.metadata.name}`;
      if (!this.ourDeletes.delete(k)) this.deletedByOthers.add(k);
    }
    this.trigger();
  }

  /**
   * Every informer of the synced kinds has listed (onSynced fires then, before the watch is
   * answered), is not re-listing, and has no failure since.
   */
  private userLive(c: Connection): boolean {
    for (const k of SYNCED_KINDS) {
      const i = c.informers.get(k.kind);
      if (i === undefined || i.lists === 0 || i.relisting || i.lastError !== undefined) return false;
    }
    return true;
  }

  private async pass(): Promise<void> {
    if (!this.running) return;
    if (!this.o.admin.ready()) return; // the admin controller triggers every worker once it is
    const started = performance.now();
    let state: string;
    try {
      state = await this.syncOnce();
    } finally {
      this.o.metrics.syncDuration.observe((performance.now() - started) / 1000);
    }
    this.lastState = state;
    this.log.debug({ state }, 'sync pass done');
    for (const l of [...this.passListeners]) l(state);
  }

  /** One pass; returns the state reached. Throws (the queue retries with back-off) on failures worth retrying. */
  private async syncOnce(): Promise<string> {
    const cluster = this.o.admin.cluster(this.ref.key);
    if (cluster === undefined) return 'Gone';
    const sources = this.o.admin.sources(this.ref.namespace);
    let c: Connection;
    try {
      const connected = await this.connect();
      if (connected === undefined) return 'Pending';
      c = connected;
      this.credentialsError = undefined;
    } catch (err) {
      if (!(err instanceof CredentialsError)) throw err;
      if (this.credentialsError?.message !== err.message) this.log.warn(err.message);
      this.credentialsError = err;
      await this.report(cluster, sources, { reason: 'CredentialsInvalid', message: err.message });
      return 'CredentialsInvalid'; // a Secret change triggers the next pass
    }
    if (!this.userLive(c)) {
      // Ask once, to say why (the informers retry on their own and trigger when they recover).
      const failure = await this.probe(c);
      if (failure === undefined) return 'Pending';
      await this.report(cluster, sources, failure);
      throw new Error(`${failure.reason}: ${failure.message}`);
    }
    const targets: KubeObject[] = [];
    for (const k of SYNCED_KINDS)
      targets.push(...(c.informers.get(k.kind)?.list(this.ref.targetNamespace) ?? []));
    const plan = planSync({
      sources,
      targets,
      targetNamespace: this.ref.targetNamespace,
      sourceCluster: this.ref.key,
    });
    const outcomes = new Map<string, SyncOutcome>();
    for (const s of plan.inSync) outcomes.set(`${s.kind}/${s.metadata.name}`, { synced: true });
    let unreachable: { reason: NotSyncedReason; message: string } | undefined;
    let conflicts = 0;
    let failures = 0;
    const events: EventSpec[] = [];
    // Already ordered (creates and updates kind by kind, then deletes): a run of actions of one
    // kind and direction goes in parallel.
    const writeOrder = plan.actions; // already ordered: creates/updates by kind, then deletes
    const limit = Math.max(1, this.o.writeConcurrency ?? 8);
    for (let i = 0; i < writeOrder.length; ) {
      const first = writeOrder[i] as SyncAction;
      let j = i;
      const isDelete = first.op === 'delete';
      while (
        j < writeOrder.length &&
        j - i < limit &&
        writeOrder[j]?.kind === first.kind &&
        (writeOrder[j]?.op === 'delete') === isDelete
      )
        j++;
      const run = writeOrder.slice(i, j);
      i = j;
      await Promise.all(
        run.map(async (action) => {
          const id = `${action.kind}/${action.name}`;
          if (action.op === 'conflict') {
            conflicts++;
            outcomes.set(id, { synced: false, reason: 'Conflict', message: action.message });
            return;
          }
          try {
            const event = await this.apply(c, action);
            if (event !== undefined) events.push(event);
            if (action.op !== 'delete') outcomes.set(id, { synced: true });
          } catch (err) {
            const classified = classifyUserClusterError(err);
            if (classified.reason === 'CredentialsInvalid' || !(err instanceof ApiError))
              unreachable ??= classified;
            failures++;
            const message = `${action.op} ${action.kind} ${this.ref.targetNamespace}/${action.name} in the user cluster failed: ${classified.message}`;
            if (action.op !== 'delete')
              outcomes.set(id, {
                synced: false,
                reason: err instanceof ApiError ? 'WriteFailed' : classified.reason,
                message,
              });
            this.log.warn({ err: String(err) }, message);
          }
        }),
      );
    }
    if (events.length > 0) c.events.record(events);
    const synced = conflicts === 0 && failures === 0;
    const state = synced
      ? 'Synced'
      : unreachable !== undefined
        ? unreachable.reason
        : conflicts > 0
          ? 'Conflict'
          : 'WriteFailed';
    await this.writeSourceStatuses(sources, outcomes);
    const summary: UserClusterSummary = {
      state,
      message: synced
        ? `${sources.length} objects held in the user cluster's namespace ${this.ref.targetNamespace}`
        : `${conflicts} conflicts, ${failures} failed writes; see the Synced condition of each object`,
      objectsSynced: [...outcomes.values()].filter((o) => o.synced).length,
      objectsTotal: sources.length,
      ...sessionCounts(
        c.informers.get('BGPSession')?.list() ?? [],
        c.informers.get('BGPAdvertisedRoute')?.list() ?? [],
      ),
    };
    if (synced && (plan.actions.length > 0 || this.lastState !== 'Synced'))
      summary.lastSyncTime = new Date().toISOString();
    await this.writeClusterStatus(cluster, summary);
    this.o.metrics.userClusterSynced.set({ cluster: this.ref.key }, synced ? 1 : 0);
    this.o.metrics.syncs.inc({
      result: state === 'Synced' ? 'synced' : state === 'Conflict' ? 'conflict' : 'write-failed',
    });
    if (failures > 0) throw new Error(`${failures} writes to the user cluster failed`);
    return state;
  }

  /** Writes one action; returns the Event it deserves in the user cluster, if any. */
  private async apply(
    c: Connection,
    action: Exclude<SyncAction, { op: 'conflict' }>,
  ): Promise<EventSpec | undefined> {
    const kind = SYNCED_KINDS.find((k) => k.kind === action.kind);
    if (kind === undefined) throw new Error(`unknown kind ${action.kind}`);
    const ns = this.ref.targetNamespace;
    const path = (name?: string) => paths.group(GROUP_PATH.group, GROUP_PATH.version, kind.plural, ns, name);
    const id = `${action.kind}/${action.name}`;
    const owned = (verb: string): EventSpec => ({
      involved: { apiVersion: SYNCED_API_VERSION, kind: action.kind, name: action.name, namespace: ns },
      type: 'Warning',
      reason: 'ManagedByAdminCluster',
      message: `${action.kind} ${ns}/${action.name} is managed by the admin cluster (Cluster ${this.ref.key}): the direct ${verb} was reverted; change it in the admin cluster's namespace ${this.ref.namespace}`,
    });
    switch (action.op) {
      case 'create': {
        let created: KubeObject;
        try {
          created = await c.client.create<KubeObject>(path(), action.object);
        } catch (err) {
          if (isStatus(err, 409)) this.trigger(); // the cache was behind: plan again
          throw err;
        }
        this.o.metrics.writes.inc({ op: 'create' });
        if (this.deletedByOthers.delete(id)) {
          this.o.metrics.driftReverted.inc({ kind: action.kind });
          const e = owned('deletion');
          e.involved.uid = created.metadata.uid;
          return e;
        }
        return undefined;
      }
      case 'update': {
        const updated = await c.client.replace<KubeObject>(path(action.name), action.object);
        this.o.metrics.writes.inc({ op: 'update' });
        if (action.reason !== 'drift') return undefined;
        this.o.metrics.driftReverted.inc({ kind: action.kind });
        const e = owned('edit');
        e.involved.uid = updated.metadata.uid;
        return e;
      }
      case 'delete': {
        this.ourDeletes.add(id);
        try {
          await c.client.delete(path(action.name), {
            apiVersion: 'v1',
            kind: 'DeleteOptions',
            preconditions: { uid: action.target.metadata.uid },
          });
        } catch (err) {
          this.ourDeletes.delete(id);
          if (isStatus(err, 404)) return undefined;
          throw err;
        }
        this.o.metrics.writes.inc({ op: 'delete' });
        return undefined;
      }
    }
  }

  /** Why the user cluster's informers have not listed, or undefined if they just have not yet. */
  private async probe(c: Connection): Promise<{ reason: NotSyncedReason; message: string } | undefined> {
    const k = SYNCED_KINDS[0];
    if (k === undefined) return undefined;
    try {
      await c.client.get(
        `${paths.group(GROUP_PATH.group, GROUP_PATH.version, k.plural, this.ref.targetNamespace)}?limit=1`,
      );
      return undefined;
    } catch (err) {
      const classified = classifyUserClusterError(err);
      return { reason: classified.reason, message: `user cluster: ${classified.message}` };
    }
  }

  /** Reports a failure of the whole user cluster on the Cluster and every source. */
  private async report(
    cluster: KubeObject,
    sources: readonly KubeObject[],
    failure: { reason: NotSyncedReason; message: string },
  ): Promise<void> {
    this.lastState = failure.reason;
    this.o.metrics.userClusterSynced.set({ cluster: this.ref.key }, 0);
    this.o.metrics.syncs.inc({
      result: failure.reason === 'CredentialsInvalid' ? 'credentials-invalid' : 'unreachable',
    });
    const outcomes = new Map<string, SyncOutcome>();
    for (const s of sources) outcomes.set(`${s.kind}/${s.metadata.name}`, { synced: false, ...failure });
    await this.writeSourceStatuses(sources, outcomes);
    await this.writeClusterStatus(cluster, {
      state: failure.reason,
      message: failure.message,
      objectsSynced: 0,
      objectsTotal: sources.length,
    });
    for (const l of [...this.passListeners]) l(failure.reason);
  }

  private async writeSourceStatuses(
    sources: readonly KubeObject[],
    outcomes: ReadonlyMap<string, SyncOutcome>,
  ): Promise<void> {
    const now = new Date();
    const writes: Promise<unknown>[] = [];
    for (const s of sources) {
      const outcome = outcomes.get(`${s.kind}/${s.metadata.name}`);
      if (outcome === undefined) continue;
      const patch = sourceStatusPatch(s, outcome, this.ref.targetNamespace, now);
      if (patch === undefined) continue;
      const plural = SYNCED_KINDS.find((k) => k.kind === s.kind)?.plural as string;
      writes.push(
        this.o.adminClient
          .mergePatch(
            paths.group(
              GROUP_PATH.group,
              GROUP_PATH.version,
              plural,
              s.metadata.namespace,
              s.metadata.name,
              'status',
            ),
            patch,
          )
          .catch((err: unknown) => {
            if (!isStatus(err, 404))
              this.log.warn({ err: String(err) }, `status of ${s.kind} ${s.metadata.name} not written`);
          }),
      );
    }
    await Promise.all(writes);
  }

  private async writeClusterStatus(cluster: KubeObject, summary: UserClusterSummary): Promise<void> {
    const patch = clusterStatusPatch(cluster, summary);
    if (patch === undefined) return;
    try {
      await this.o.adminClient.mergePatch(
        paths.group(
          CLUSTER_API.group,
          CLUSTER_API.version,
          CLUSTER_API.plural,
          cluster.metadata.namespace,
          cluster.metadata.name,
          'status',
        ),
        patch,
      );
    } catch (err) {
      if (!isStatus(err, 404)) this.log.warn({ err: String(err) }, 'Cluster status not written');
    }
  }
}
