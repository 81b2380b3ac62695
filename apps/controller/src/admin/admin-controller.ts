/**
 * `bgplb-controller --mode admin`: runs in the admin cluster and makes every user cluster hold
 * exactly the NetworkGatewayGroup, BGPLoadBalancer and BGPPeer objects of its Cluster's namespace
 * (SPEC.md section 12). Informers on the admin cluster feed one UserClusterSync per user cluster;
 * each has its own queue and connection, so one slow or broken user cluster delays no other.
 * Only the leader syncs; standbys keep their caches warm.
 */
import { Informer, KubeClient, type LeaderElector, paths } from '@bgplb/kube-runtime';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { type LeaderElectionConfig, leaderElector } from '../leadership.js';
import type { KubeObject } from '../types.js';
import { AdminMetrics } from './admin-metrics.js';
import { CLUSTER_API, GROUP_PATH, SYNCED_API_VERSION, SYNCED_KINDS } from './names.js';
import { type AdminView, UserClusterSync, type UserClusterSyncOptions } from './user-cluster-sync.js';
import { type UserClusterRef, userClusterRef } from './user-clusters.js';

export interface AdminControllerConfig {
  kubeConfig: KubeConfig;
  log: Logger;
  identity: string;
  leaderElection: LeaderElectionConfig;
  /** Called when leadership is lost after having been held (the CLI exits, like client-go). */
  onLostLeadership?: () => void;
  metrics?: AdminMetrics;
  /** Per user cluster (see UserClusterSyncOptions). */
  statusNamespace?: string;
  resyncMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

const SECRET_KEY = (namespace: string, name: string) => `${namespace}/${name}`;

export class AdminController {
  readonly client: KubeClient;
  readonly metrics: AdminMetrics;
  private readonly log: Logger;
  private readonly clusters: Informer<KubeObject>;
  private readonly sources = new Map<string, Informer<KubeObject>>();
  /** Secret informers by `namespace/name`: one per user cluster's kubeconfig Secret. */
  private readonly secrets = new Map<string, Informer<KubeObject>>();
  private readonly workers = new Map<string, UserClusterSync>();
  private readonly elector: LeaderElector | undefined;
  private leading = false;
  private started = false;

  constructor(private readonly config: AdminControllerConfig) {
    this.log = config.log.child({ mode: 'admin' });
    this.client = new KubeClient(config.kubeConfig);
    this.metrics = config.metrics ?? new AdminMetrics();
    this.clusters = new Informer<KubeObject>(config.kubeConfig, this.client, {
      name: 'clusters',
      path: paths.group(CLUSTER_API.group, CLUSTER_API.version, CLUSTER_API.plural),
      apiVersion: `${CLUSTER_API.group}/${CLUSTER_API.version}`,
      kind: 'Cluster',
      log: this.log,
    });
    this.clusters.on(() => this.reconcileWorkers());
    this.clusters.onSynced(() => this.reconcileWorkers());
    for (const k of SYNCED_KINDS) {
      const informer = new Informer<KubeObject>(config.kubeConfig, this.client, {
        name: k.plural,
        path: paths.group(GROUP_PATH.group, GROUP_PATH.version, k.plural),
        apiVersion: SYNCED_API_VERSION,
        kind: k.kind,
        log: this.log,
      });
      informer.on((_type, object) => this.triggerNamespace(object.metadata.namespace));
      informer.onSynced(() => this.triggerAll());
      this.sources.set(k.kind, informer);
    }
    this.elector = leaderElector(this.client, config.leaderElection, this.log, {
      setLeading: (v) => this.setLeading(v),
      isLeading: () => this.leading,
      isStarted: () => this.started,
      onLostLeadership: config.onLostLeadership,
    });
  }

  /** The admin cluster as the workers read it. */
  private readonly view: AdminView = {
    ready: () =>
      this.clusters.synced &&
      !this.clusters.relisting &&
      [...this.sources.values()].every((i) => i.synced && !i.relisting),
    sources: (namespace) => {
      const out: KubeObject[] = [];
      for (const i of this.sources.values()) out.push(...i.list(namespace));
      return out;
    },
    cluster: (key) => {
      const [ns, name] = key.split('/');
      return name === undefined ? undefined : this.clusters.get(name, ns);
    },
    secret: (namespace, name) => {
      const informer = this.secrets.get(SECRET_KEY(namespace, name));
      // Listed is enough (onSynced fires after the list, before the watch is answered).
      if (informer === undefined || informer.lists === 0) {
        // Never listed: forbidden (not in adminSync.clusterNamespaces) or the API is failing.
        if (informer?.lastError !== undefined) return { error: informer.lastError };
        return 'unknown';
      }
      return informer.get(name, namespace);
    },
  };

  get synced(): boolean {
    return this.view.ready();
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The sync of one user cluster (`namespace/name` of its Cluster), for tests and status. */
  worker(key: string): UserClusterSync | undefined {
    return this.workers.get(key);
  }

  async start(): Promise<void> {
    this.clusters.start();
    for (const i of this.sources.values()) i.start();
    await Promise.all([this.clusters.whenSynced(), ...[...this.sources.values()].map((i) => i.whenSynced())]);
    this.log.info({ clusters: this.clusters.list().length }, 'admin informers synced');
    this.started = true;
    if (this.elector) this.elector.start();
    else this.setLeading(true);
  }

  async stop(options: { releaseLease?: boolean } = {}): Promise<void> {
    this.started = false;
    await this.elector?.stop(options.releaseLease ?? true);
    await this.stopWorkers();
    await Promise.all(
      [this.clusters, ...this.sources.values(), ...this.secrets.values()].map((i) => i.stop()),
    );
    this.secrets.clear();
    this.client.close();
  }

  private setLeading(value: boolean): void {
    this.leading = value;
    this.metrics.leader.set(value ? 1 : 0);
    if (value) this.reconcileWorkers();
    else void this.stopWorkers();
  }

  private async stopWorkers(): Promise<void> {
    const all = [...this.workers.values()];
    this.workers.clear();
    this.metrics.userClusters.set(0);
    await Promise.all(all.map((w) => w.stop()));
  }

  /** Starts, updates and stops workers (and their Secret informers) to match the user Clusters. */
  private reconcileWorkers(): void {
    if (!this.leading || !this.started || !this.clusters.synced) return;
    const wanted = new Map<string, UserClusterRef>();
    for (const c of this.clusters.list()) {
      const ref = userClusterRef(c);
      if (ref !== undefined) wanted.set(ref.key, ref);
    }
    for (const [key, worker] of this.workers) {
      if (wanted.has(key)) continue;
      // The Cluster is gone or no longer synced: stop, and leave the user cluster's objects alone.
      this.workers.delete(key);
      void worker.stop();
      this.log.info({ userCluster: key }, 'stopped syncing the user cluster');
    }
    for (const ref of wanted.values()) {
      this.ensureSecretInformer(ref);
      const existing = this.workers.get(ref.key);
      if (existing !== undefined) {
        existing.update(ref);
        continue;
      }
      const options: UserClusterSyncOptions = {
        ref,
        adminClient: this.client,
        admin: this.view,
        log: this.log,
        metrics: this.metrics,
        identity: this.config.identity,
      };
      if (this.config.statusNamespace !== undefined) options.statusNamespace = this.config.statusNamespace;
      if (this.config.resyncMs !== undefined) options.resyncMs = this.config.resyncMs;
      if (this.config.backoffBaseMs !== undefined) options.backoffBaseMs = this.config.backoffBaseMs;
      if (this.config.backoffMaxMs !== undefined) options.backoffMaxMs = this.config.backoffMaxMs;
      const worker = new UserClusterSync(options);
      this.workers.set(ref.key, worker);
      this.log.info(
        { userCluster: ref.key, targetNamespace: ref.targetNamespace },
        'syncing the user cluster',
      );
      worker.start();
    }
    for (const key of [...this.secrets.keys()]) {
      if ([...wanted.values()].some((r) => SECRET_KEY(r.namespace, r.secretName) === key)) continue;
      void this.secrets.get(key)?.stop();
      this.secrets.delete(key);
    }
    this.metrics.userClusters.set(this.workers.size);
  }

  /**
   * A watch on exactly the one Secret of a user cluster (field selector on its name), so that a
   * rotated kubeconfig is used at once; Secrets are read only in the namespaces of user Clusters.
   */
  private ensureSecretInformer(ref: UserClusterRef): void {
    const key = SECRET_KEY(ref.namespace, ref.secretName);
    if (this.secrets.has(key)) return;
    const informer = new Informer<KubeObject>(this.config.kubeConfig, this.client, {
      name: `secret ${key}`,
      path: paths.core('secrets', ref.namespace),
      apiVersion: 'v1',
      kind: 'Secret',
      fieldSelector: `metadata.name=${ref.secretName}`,
      log: this.log,
    });
    const wake = () => this.triggerNamespace(ref.namespace);
    informer.on(wake);
    informer.onSynced(wake);
    informer.onError(wake);
    this.secrets.set(key, informer);
    informer.start();
  }

  private triggerNamespace(namespace: string | undefined): void {
    for (const w of this.workers.values()) if (w.key.startsWith(`${namespace}/`)) w.trigger();
  }

  private triggerAll(): void {
    for (const w of this.workers.values()) w.trigger();
  }
}
