/**
 * Informers: @kubernetes/client-node's ListWatch (list, then watch from the list's
 * resourceVersion; on 410 Gone it lists again). A watch that fails for any other reason is
 * restarted with backoff here, because ListWatch stops on errors.
 */
import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubeClient } from './kube-client.js';
import type { KubeObject } from './types.js';

export interface InformerSpec {
  /** Name for logs and metrics, e.g. `services`. */
  name: string;
  /** Collection path, e.g. `/api/v1/services`. */
  path: string;
  /** `apiVersion`/`kind` stamped on listed items (lists omit them). */
  apiVersion: string;
  kind: string;
  labelSelector?: string;
  /** Trims each object in place before it is cached (see trim.ts). */
  transform?: (o: KubeObject) => void;
}

export type ChangeType = 'add' | 'update' | 'delete';

export interface RunningInformer {
  readonly spec: InformerSpec;
  list(): KubeObject[];
  get(name: string, namespace?: string): KubeObject | undefined;
  readonly synced: boolean;
  /** Resolves after the first successful list. */
  whenSynced(): Promise<void>;
  stop(): Promise<void>;
}

const RESTART_BASE_MS = 200;
const LIST_PAGE_SIZE = 500;
const RESTART_MAX_MS = 30_000;

export function startInformer(
  kc: KubeConfig,
  client: KubeClient,
  spec: InformerSpec,
  log: Logger,
  onChange: (type: ChangeType, object: KubeObject) => void,
): RunningInformer {
  // Lists in pages of 500 (as client-go does) and trims each page before asking for the next, so
  // a 10k-object list never sits in memory untrimmed all at once.
  const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
    const items: KubernetesObject[] = [];
    let token: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(LIST_PAGE_SIZE) });
      if (spec.labelSelector !== undefined) query.set('labelSelector', spec.labelSelector);
      if (token !== undefined) query.set('continue', token);
      const page = await client.get<KubernetesListObject<KubernetesObject>>(`${spec.path}?${query}`);
      for (const item of page.items) {
        item.apiVersion ??= spec.apiVersion;
        item.kind ??= spec.kind;
        spec.transform?.(item as KubeObject);
        items.push(item);
      }
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      // Raw JSON: the field is `continue` (client-node's typed model calls it _continue).
      token = (page.metadata as { continue?: string } | undefined)?.continue || undefined;
    } while (token !== undefined);
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: resourceVersion ?? '' }, items };
  };
  const informer = makeInformer<KubernetesObject>(kc, spec.path, listFn, spec.labelSelector);
  let synced = false;
  let stopped = false;
  let failures = 0;
  let resolveSynced: () => void = () => {};
  const syncedPromise = new Promise<void>((r) => (resolveSynced = r));
  const stamp = (o: KubernetesObject): KubeObject => {
    o.apiVersion ??= spec.apiVersion;
    o.kind ??= spec.kind;
    spec.transform?.(o as KubeObject);
    return o as KubeObject;
  };
  informer.on('add', (o) => onChange('add', stamp(o)));
  informer.on('update', (o) => onChange('update', stamp(o)));
  informer.on('delete', (o) => onChange('delete', stamp(o)));
  informer.on('connect', () => {
    failures = 0;
  });
  let restart: NodeJS.Timeout | undefined;
  informer.on('error', (err: unknown) => {
    if (stopped) return;
    failures++;
    const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.min(failures, 10));
    log.warn({ informer: spec.name, err: String(err), retryInMs: delay }, 'watch failed; restarting');
    restart = setTimeout(() => {
      if (!stopped) void begin();
    }, delay);
    restart.unref();
  });
  const begin = async () => {
    try {
      await informer.start();
      if (!synced) {
        synced = true;
        log.debug({ informer: spec.name, objects: informer.list().length }, 'informer synced');
        resolveSynced();
      }
    } catch (err) {
      log.warn({ informer: spec.name, err: String(err) }, 'informer start failed');
    }
  };
  void begin();
  return {
    spec,
    list: () => informer.list() as KubeObject[],
    get: (name, namespace) => informer.get(name, namespace) as KubeObject | undefined,
    get synced() {
      return synced;
    },
    whenSynced: () => syncedPromise,
    stop: async () => {
      stopped = true;
      if (restart) clearTimeout(restart);
      await informer.stop();
    },
  };
}
