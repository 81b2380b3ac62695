/**
 * Live mode (`--cluster NAMESPACE/NAME` with `--kubeconfig` or in-cluster credentials): the
 * control-plane speaker follows the Cluster object through the API server.
 *
 * - Start-up: the Cluster from the API server when it answers within `startupTimeoutMs`, else the
 *   last good configuration persisted by an earlier run (last-good.ts); with neither, it waits
 *   for the API server (the informer retries with back-off) and announces nothing until then.
 * - Changes: every new version of the Cluster is decided (decide.ts: the checks of `bgpadvertiser
 *   validate`, then this node's peers) and applied through ControlPlaneAdvertiser.applyConfig, the
 *   path of a SIGHUP reload: only added, removed or changed peers are touched.
 * - An invalid version is refused whole: the running sessions and the VIP stay; the refusal is a
 *   log line, a Warning Event `BGPConfigRefused` on the Cluster, the `BGPConfigRefused` condition
 *   (config-condition.ts) and `/readyz` detail. A good version clears the condition.
 * - Control-plane BGPSession objects follow the applied configuration (session-objects.ts).
 * The API server may come and go at any time: nothing here ever stops the speaker for it.
 */
import { CLUSTER_API_VERSION, CLUSTER_GROUP, type DrainSettings, RESOURCES, VERSION } from '@bgplb/api-types';
import {
  type Clock,
  describeError,
  EventRecorder,
  Informer,
  KubeClient,
  type KubeObject,
  loadKubeConfig,
  paths,
  systemClock,
} from '@bgplb/kube-runtime';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ConfigChange } from '../advertiser.js';
import type { HostAddress } from '../shared/host-addresses.js';
import type { Speaker } from '../shared/speaker-types.js';
import { ConditionWriter } from './condition-writer.js';
import { decideFromCluster, type LiveDecision, type NodeIdentity, sameSpeakerConfig } from './decide.js';
import { loadLastGood, saveLastGood } from './last-good.js';
import { SessionObjects } from './session-objects.js';

export interface LiveSource {
  kind: 'live';
  /** `--kubeconfig`; absent: KUBECONFIG, in-cluster credentials, ~/.kube/config (kube-runtime's order). */
  kubeconfig?: string;
  namespace: string;
  name: string;
  /** `--node-ip`; absent: the one control-plane node address found on this host. */
  nodeIp?: string;
  /** `--node-ip-other-family`; absent: found on the interface of the node's address. */
  nodeIpOtherFamily?: string;
  /** `--node-name`: `spec.nodeName` of this node's BGPSessions and the Events' source host. */
  nodeName: string;
  /** `--last-good-config`. */
  lastGoodPath: string;
}

/** The configuration the speaker starts with. */
export interface LiveStart {
  from: 'api' | 'last-good';
  node: string;
  config: Extract<LiveDecision, { ok: true }>['config'];
  vip: string;
  /** Every control-plane VIP (`vip`, then `controlPlaneVIPOtherFamily` when set). */
  vips: string[];
  checkUrl: string;
  /** `--on-exit drain`'s settings in the Cluster (only those set). */
  drain: DrainSettings;
  warnings: string[];
  /** VIP -> why this node does not announce it (no address of its family found on the host). */
  unannounced: Record<string, string>;
}

export interface LiveDependencies {
  log: Logger;
  hostAddresses: () => readonly HostAddress[];
  clock?: Clock;
  /** The start-up GET of the Cluster gives up after this (default 5 s); then the last good config. */
  startupTimeoutMs?: number;
  /** Tests: the BGPSession resync period and the informer's back-off ceiling. */
  resyncMs?: number;
  backoffMaxMs?: number;
}

interface Applied {
  config: LiveStart['config'];
  vips: string[];
  drain: DrainSettings;
  generation: number | undefined;
  from: 'api' | 'last-good';
}

interface Refusal {
  generation: number | undefined;
  problems: string[];
  at: string;
}

type ClusterObject = KubeObject & { spec?: unknown };

const generationOf = (o: KubeObject): number | undefined =>
  typeof o.metadata.generation === 'number' ? o.metadata.generation : undefined;

export class LiveMode {
  private readonly clock: Clock;
  private readonly node: NodeIdentity;
  private readonly recorder: EventRecorder;
  private readonly conditions: ConditionWriter;
  private informer: Informer<ClusterObject> | undefined;
  private sessions: SessionObjects | undefined;
  private apply:
    | ((config: LiveStart['config'], unannounced: LiveStart['unannounced']) => Promise<ConfigChange>)
    | undefined;
  private applyDrain: ((drain: DrainSettings) => void) | undefined;
  private applied: Applied | undefined;
  private refusal: Refusal | undefined;
  private lastRefusalKey: string | undefined;
  private lastVerdictKey: string | undefined;
  private latest: ClusterObject | undefined;
  private queue: Promise<void> = Promise.resolve();
  private firstGood: ((start: { start: LiveStart; object: ClusterObject }) => void) | undefined;
  private stopped = false;

  private constructor(
    private readonly source: LiveSource,
    private readonly kubeConfig: KubeConfig,
    private readonly client: KubeClient,
    private readonly deps: LiveDependencies,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.node = {
      nodeIp: source.nodeIp,
      nodeIpOtherFamily: source.nodeIpOtherFamily,
      hostAddresses: deps.hostAddresses,
    };
    this.recorder = new EventRecorder(client, {
      component: 'bgpadvertiser',
      host: source.nodeName,
      log: deps.log,
      // A refusal repeated after a restart is still news: write repeats after a minute, not ten.
      patchIntervalMs: 60_000,
    });
    this.conditions = new ConditionWriter({
      client,
      namespace: source.namespace,
      name: source.name,
      log: deps.log,
      clock: this.clock,
    });
  }

  /** Loads the credentials; a usage error (no kubeconfig) is a message for exit code 2. */
  static open(
    source: LiveSource,
    deps: LiveDependencies,
  ): { ok: true; live: LiveMode } | { ok: false; message: string } {
    try {
      const {
        kubeConfig,
        source: from,
        from: file,
      } = loadKubeConfig(source.kubeconfig !== undefined ? { kubeconfig: source.kubeconfig } : {});
      deps.log.info(
        { kubeconfig: file, credentials: from, cluster: `${source.namespace}/${source.name}` },
        'live mode: following the Cluster through the API server',
      );
      const client = new KubeClient(kubeConfig, { timeoutMs: 10_000 });
      return { ok: true, live: new LiveMode(source, kubeConfig, client, deps) };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  private get clusterRef(): string {
    return `${this.source.namespace}/${this.source.name}`;
  }

  private clusterPath(name?: string): string {
    return paths.group(CLUSTER_GROUP, VERSION, RESOURCES.Cluster.plural, this.source.namespace, name);
  }

  /**
   * The configuration to start with: the API server's Cluster, else the last good file, else
   * (neither) the first valid Cluster the API server gives, however long that takes.
   */
  async start(): Promise<LiveStart> {
    const { log } = this.deps;
    const waiting = new Promise<{ start: LiveStart; object: ClusterObject }>((resolve) => {
      this.firstGood = resolve;
    });
    let fromApi: ClusterObject | undefined;
    let apiError: string | undefined;
    try {
      fromApi = await withTimeout(
        this.client.get<ClusterObject>(this.clusterPath(this.source.name)),
        this.deps.startupTimeoutMs ?? 5_000,
      );
    } catch (err) {
      apiError = describeError(err);
    }
    this.startInformer();
    if (fromApi !== undefined) {
      fromApi.apiVersion ??= CLUSTER_API_VERSION;
      fromApi.kind ??= 'Cluster';
      this.onCluster(fromApi);
      await this.queue;
    }
    if (this.firstGood !== undefined) {
      // Not (yet) a good Cluster from the API server: the last good one, if this node has one.
      const file = await loadLastGood(this.source.lastGoodPath);
      const decided = file.ok ? decideFromCluster(file.cluster, this.node) : undefined;
      if (file.ok && decided?.ok) {
        log.warn(
          {
            lastGoodConfig: this.source.lastGoodPath,
            generation: (file.cluster.metadata as { generation?: number } | undefined)?.generation,
            ...(apiError !== undefined ? { apiError } : {}),
          },
          apiError !== undefined
            ? `API server unreachable (${apiError}); starting from the last good configuration`
            : 'the Cluster from the API server is not usable; starting from the last good configuration',
        );
        const { ok: _ok, ...start } = decided;
        this.firstGood = undefined;
        this.applied = {
          config: start.config,
          vips: start.vips,
          drain: start.drain,
          generation: undefined,
          from: 'last-good',
        };
        return { from: 'last-good', ...start };
      }
      if (file.ok && decided !== undefined && !decided.ok)
        log.error(
          { lastGoodConfig: this.source.lastGoodPath, problems: decided.problems },
          'the last good configuration is not usable',
        );
      else if (!file.ok && !file.missing) log.error({ lastGoodConfig: this.source.lastGoodPath }, file.error);
      log.warn(
        {
          cluster: this.clusterRef,
          ...(apiError !== undefined ? { apiError } : {}),
          lastGoodConfig: this.source.lastGoodPath,
        },
        'no usable configuration yet: waiting for a valid Cluster from the API server (nothing is announced until then)',
      );
    }
    const first = await waiting;
    this.applied = {
      config: first.start.config,
      vips: first.start.vips,
      drain: first.start.drain,
      generation: generationOf(first.object),
      from: 'api',
    };
    await this.accepted(first.object, undefined);
    return first.start;
  }

  /**
   * From now on, changes are applied to the running speaker (`applyDrain`: a change of only the
   * drain settings, which touches no session); its sessions get BGPSession objects.
   */
  attach(
    apply: (config: LiveStart['config'], unannounced: LiveStart['unannounced']) => Promise<ConfigChange>,
    speaker: Pick<Speaker, 'on' | 'peerStatus'>,
    applyDrain?: (drain: DrainSettings) => void,
  ): void {
    this.apply = apply;
    this.applyDrain = applyDrain;
    this.sessions = new SessionObjects({
      client: this.client,
      speaker,
      nodeName: this.source.nodeName,
      log: this.deps.log,
      clock: this.clock,
      ...(this.deps.resyncMs !== undefined ? { resyncMs: this.deps.resyncMs } : {}),
    });
    if (this.applied !== undefined) this.sessions.setConfig(this.applied.config);
    // A Cluster that arrived while the speaker was starting.
    if (this.latest !== undefined) this.onCluster(this.latest);
  }

  private startInformer(): void {
    const informer = new Informer<ClusterObject>(this.kubeConfig, this.client, {
      name: `Cluster ${this.clusterRef}`,
      path: this.clusterPath(),
      apiVersion: CLUSTER_API_VERSION,
      kind: 'Cluster',
      fieldSelector: `metadata.name=${this.source.name}`,
      backoffBaseMs: 500,
      backoffMaxMs: this.deps.backoffMaxMs ?? 30_000,
      log: this.deps.log,
      clock: this.clock,
    });
    informer.on((type, object) => {
      if (type === 'delete') {
        this.deps.log.warn(
          { cluster: this.clusterRef },
          'the Cluster was deleted; keeping the running configuration',
        );
        return;
      }
      this.onCluster(object);
    });
    informer.start();
    this.informer = informer;
  }

  private onCluster(object: ClusterObject): void {
    this.latest = object;
    this.queue = this.queue.then(
      () => this.handle(object),
      () => this.handle(object),
    );
  }

  private async handle(object: ClusterObject): Promise<void> {
    if (this.stopped || object !== this.latest) return; // superseded by a newer version
    const { log } = this.deps;
    const decided = decideFromCluster(object, this.node, this.applied?.vips);
    const generation = generationOf(object);
    if (!decided.ok) {
      this.refuse(object, generation, decided.problems);
      return;
    }
    const { ok: _ok, ...start } = decided;
    if (this.firstGood !== undefined) {
      const resolve = this.firstGood;
      this.firstGood = undefined;
      resolve({ start: { from: 'api', ...start }, object });
      return;
    }
    if (this.apply === undefined) return; // starting: attach() hands the latest version over
    let change: ConfigChange | undefined;
    if (this.applied === undefined || !sameSpeakerConfig(this.applied, start)) {
      try {
        change = await this.apply(start.config, start.unannounced);
      } catch (err) {
        log.error(
          { err, cluster: this.clusterRef, generation },
          `applying the Cluster failed: ${(err as Error).message}`,
        );
        return;
      }
      this.sessions?.setConfig(start.config);
      for (const w of start.warnings) log.warn({ cluster: this.clusterRef }, w);
      log.info({ cluster: this.clusterRef, generation, ...change }, 'Configuration applied from the Cluster');
    }
    // The drain settings are not part of the speaker config: their change alone applies no config.
    if (this.applied === undefined || JSON.stringify(this.applied.drain) !== JSON.stringify(start.drain))
      this.applyDrain?.(start.drain);
    const previous = this.applied;
    this.applied = { config: start.config, vips: start.vips, drain: start.drain, generation, from: 'api' };
    await this.accepted(object, change, previous);
  }

  /** A good version is running: clear the refusal, persist it, report it. */
  private async accepted(
    object: ClusterObject,
    change: ConfigChange | undefined,
    previous?: Applied,
  ): Promise<void> {
    const generation = generationOf(object);
    if (previous?.from === 'last-good')
      this.deps.log.info(
        { cluster: this.clusterRef, generation },
        'the API server is back: following the Cluster again',
      );
    const wasRefused = this.refusal !== undefined;
    this.refusal = undefined;
    this.lastRefusalKey = undefined;
    const verdictKey = `ok/${generation}`;
    if (verdictKey !== this.lastVerdictKey) {
      this.lastVerdictKey = verdictKey;
      this.conditions.report({ refused: false, generation });
    }
    if (
      change !== undefined &&
      (change.added.length > 0 || change.removed.length > 0 || change.changed.length > 0)
    ) {
      this.event(
        object,
        'Normal',
        'BGPConfigApplied',
        `${this.who()}: applied generation ${generation ?? '?'}: ${describeChange(change)}`,
      );
    } else if (wasRefused) {
      this.event(
        object,
        'Normal',
        'BGPConfigApplied',
        `${this.who()}: applied generation ${generation ?? '?'}; the earlier refusal is cleared`,
      );
    }
    if (
      previous === undefined ||
      previous.from !== 'api' ||
      previous.generation !== generation ||
      change !== undefined
    ) {
      try {
        await saveLastGood(this.source.lastGoodPath, object, new Date(this.clock.now()));
      } catch (err) {
        this.deps.log.error(
          { lastGoodConfig: this.source.lastGoodPath, err: (err as Error).message },
          `cannot persist the last good configuration: ${(err as Error).message}`,
        );
      }
    }
  }

  private refuse(object: ClusterObject, generation: number | undefined, problems: string[]): void {
    const key = `${generation}/${problems.join('\n')}`;
    if (key === this.lastRefusalKey) return; // the same version again (e.g. after our status write)
    this.lastRefusalKey = key;
    this.lastVerdictKey = `refused/${generation}`;
    this.refusal = { generation, problems, at: new Date(this.clock.now()).toISOString() };
    const keeping =
      this.applied === undefined
        ? 'nothing is announced yet'
        : `keeping the running configuration (${this.applied.config.peers.map((p) => p.peerIP).join(', ')})`;
    this.deps.log.error(
      { cluster: this.clusterRef, generation, problems },
      `Cluster change refused; ${keeping}`,
    );
    const message = `${this.who()} refused generation ${generation ?? '?'} of the Cluster: ${problems.join('; ')}; ${keeping}`;
    this.event(object, 'Warning', 'BGPConfigRefused', message);
    this.conditions.report({ refused: true, generation, message: problems.join('; ') });
  }

  private who(): string {
    return `bgpadvertiser on ${this.source.nodeName}`;
  }

  private event(object: ClusterObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.recorder.record({
      involved: {
        apiVersion: CLUSTER_API_VERSION,
        kind: 'Cluster',
        name: this.source.name,
        namespace: this.source.namespace,
        uid: object.metadata.uid,
      },
      type,
      reason,
      message,
    });
  }

  /** `/readyz` detail: where the running configuration came from, and a refusal if there is one. */
  readiness(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      cluster: this.clusterRef,
      source: this.applied?.from === 'last-good' ? 'last-good-config' : 'api-server',
      apiServerSynced: this.informer?.synced ?? false,
    };
    if (this.applied?.generation !== undefined) out.generation = this.applied.generation;
    if (this.refusal !== undefined) out.refused = this.refusal;
    return out;
  }

  /** Stops following the Cluster; the BGPSessions get their last status within `budgetMs`. */
  async stop(message: string, budgetMs: number): Promise<void> {
    this.stopped = true;
    this.firstGood = undefined;
    this.conditions.stop();
    const informer = this.informer?.stop();
    await Promise.allSettled([this.sessions?.stop(message, budgetMs), this.recorder.flush()].filter(Boolean));
    await informer;
    this.client.close();
  }
}

function describeChange(c: ConfigChange): string {
  const parts: string[] = [];
  if (c.added.length > 0) parts.push(`peers added ${c.added.join(', ')}`);
  if (c.removed.length > 0) parts.push(`removed ${c.removed.join(', ')}`);
  if (c.changed.length > 0) parts.push(`restarted with new settings ${c.changed.join(', ')}`);
  return parts.join('; ');
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
