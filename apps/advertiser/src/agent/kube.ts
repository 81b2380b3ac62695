/**
 * The agent's Kubernetes edge: list+watch of its objects through @kubernetes/client-node's
 * ListWatch (resourceVersion-based, re-lists on 410 Gone), restarted with backoff when a watch
 * fails, and the BGPSession status writer (JSON merge patch of the status subresource).
 */

import { GROUP, RESOURCES, STATUS_NAMESPACE, VERSION } from '@bgplb/api-types';
import { type Clock, systemClock } from '@bgplb/bgp-fsm';
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import type { Logger } from '../shared/index.js';
import { type SessionStatusPatch, StatusWriteError, type StatusWriter } from './status-reporter.js';

/** In-cluster config (service account) unless a kubeconfig file is given. */
export function loadKubeConfig(kubeconfig?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig !== undefined && kubeconfig !== '') kc.loadFromFile(kubeconfig);
  else kc.loadFromCluster();
  if (kc.getCurrentCluster() === null) {
    throw new Error(
      kubeconfig
        ? `kubeconfig ${kubeconfig} has no current cluster`
        : 'no in-cluster configuration (not running in a pod?)',
    );
  }
  return kc;
}

export interface WatchSpec {
  /** For logs: `BGPSession (own)`. */
  what: string;
  plural: string;
  namespace: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * One watched collection. `onChange` gets the full current list after every event (the agent's
 * planners are level-based). `synced` resolves once the first list arrived.
 */
export class WatchedCollection {
  private informer: ListWatch<KubernetesObject> | undefined;
  private readonly listeners: ((items: readonly KubernetesObject[]) => void)[] = [];
  private stopped = false;
  private restartTimer: unknown;
  private attempt = 0;
  private hasSynced = false;
  private startFailed = false;
  private resolveSynced!: () => void;
  readonly synced: Promise<void> = new Promise((r) => {
    this.resolveSynced = r;
  });

  constructor(
    private readonly kc: KubeConfig,
    private readonly spec: WatchSpec,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  get isSynced(): boolean {
    return this.hasSynced;
  }

  onChange(cb: (items: readonly KubernetesObject[]) => void): void {
    this.listeners.push(cb);
  }

  list(): readonly KubernetesObject[] {
    return this.informer?.list(this.spec.namespace) ?? [];
  }

  start(): void {
    this.stopped = false;
    const api = this.kc.makeApiClient(CustomObjectsApi);
    const { plural, namespace, labelSelector, fieldSelector } = this.spec;
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${plural}`;
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> =>
      (await api.listNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural,
        ...(labelSelector !== undefined ? { labelSelector } : {}),
        ...(fieldSelector !== undefined ? { fieldSelector } : {}),
      })) as KubernetesListObject<KubernetesObject>;
    const informer = new ListWatch<KubernetesObject>(
      path,
      new Watch(this.kc),
      listFn,
      false,
      labelSelector,
      fieldSelector,
    );
    this.informer = informer;
    // A (re-)list delivers one event per object, synchronously: coalesce them into one callback
    // with the full list, instead of one full list per object (quadratic for 10k objects).
    let pending = false;
    const emit = (): void => {
      if (pending) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        const items = informer.list(namespace);
        for (const cb of this.listeners) cb(items);
      });
    };
    informer.on('add', emit);
    informer.on('update', emit);
    informer.on('delete', emit);
    informer.on('connect', () => {
      if (this.attempt > 0)
        this.log.info({ watch: this.spec.what }, `watch of ${this.spec.what} reconnected`);
    });
    informer.on('error', (err: unknown) => {
      this.startFailed = true;
      if (this.stopped) return;
      this.attempt++;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(this.attempt, 6));
      this.log.warn(
        { watch: this.spec.what, err: describeError(err), retryInMs: delay },
        `watch of ${this.spec.what} failed: ${describeError(err)}`,
      );
      this.restartTimer = this.clock.setTimeout(() => {
        this.restartTimer = undefined;
        if (!this.stopped) this.startInformer(informer, emit);
      }, delay);
    });
    this.startInformer(informer, emit);
  }

  private startInformer(informer: ListWatch<KubernetesObject>, emit: () => void): void {
    // ListWatch.start() resolves after a failed list too (it reports through 'error').
    this.startFailed = false;
    informer.start().then(
      () => {
        if (this.startFailed) return;
        this.attempt = 0;
        if (!this.hasSynced) {
          this.hasSynced = true;
          // Deliver the initial list even when it is empty (no add events then).
          emit();
          this.resolveSynced();
        }
      },
      () => {
        // The 'error' handler above schedules the retry.
      },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer !== undefined) this.clock.clearTimeout(this.restartTimer);
    await this.informer?.stop();
  }
}

/** Error text for logs: the API's Status message when there is one. */
export function describeError(err: unknown): string {
  if (err instanceof ApiException) {
    const body = err.body as { message?: unknown } | string | undefined;
    let message: string | undefined;
    if (typeof body === 'string') {
      try {
        message = (JSON.parse(body) as { message?: string }).message;
      } catch {
        message = body;
      }
    } else if (typeof body?.message === 'string') {
      message = body.message;
    }
    return `HTTP ${err.code}${message ? `: ${message}` : ''}`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Writes BGPSession status with a JSON merge patch on the status subresource. */
export class KubeStatusWriter implements StatusWriter {
  private readonly api: CustomObjectsApi;

  constructor(
    kc: KubeConfig,
    private readonly namespace: string = STATUS_NAMESPACE,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  async write(name: string, status: SessionStatusPatch): Promise<void> {
    try {
      await this.api.patchNamespacedCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          namespace: this.namespace,
          plural: RESOURCES.BGPSession.plural,
          name,
          body: { status },
          fieldManager: 'bgpadvertiser-agent',
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (err) {
      throw new StatusWriteError(
        `writing status of BGPSession ${this.namespace}/${name} failed: ${describeError(err)}`,
        err instanceof ApiException ? err.code : undefined,
      );
    }
  }
}
