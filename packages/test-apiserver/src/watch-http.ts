import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFieldSelector } from './fields.js';
import { acceptedAs } from './http-util.js';
import { parseLabelSelector } from './labels.js';
import { boolParam, intParam } from './query.js';
import { checkSelectableFields, groupVersion } from './resources.js';
import type { ResourceRoute } from './routing.js';
import { ApiError, badRequest } from './status.js';
import type { Store, WatchSink } from './store.js';
import { type IncludeObject, toTable } from './table.js';
import type { WatchEventType } from './types.js';

/** What a watch request needs from its server. */
export interface WatchContext {
  store: Store;
  /** Open watch responses, ended by close() and dropWatches(). */
  openWatches: Set<ServerResponse>;
  bookmarkMs: number;
  defaultWatchTimeout: number;
  maxWatchBuffer: number;
}

/**
 * Serves a watch: a chunked 200 response of newline-delimited JSON events (as Tables or
 * PartialObjectMetadata when asked), BOOKMARKs, and the end of the stream after `timeoutSeconds`.
 */
export function serveWatch(
  ctx: WatchContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: ResourceRoute,
  q: URLSearchParams,
): void {
  const { store, openWatches, bookmarkMs, defaultWatchTimeout, maxWatchBuffer } = ctx;
  const fieldSelector = parseFieldSelector(q.get('fieldSelector'));
  if (route.name !== undefined)
    fieldSelector.push({ path: 'metadata.name', negate: false, value: route.name });
  const as = acceptedAs(req.headers.accept);
  const include = (q.get('includeObject') ?? 'Metadata') as IncludeObject;
  const allowBookmarks = boolParam(q, 'allowWatchBookmarks');
  // timeoutSeconds=0 means "the server's default", as in kube-apiserver.
  const timeoutSeconds = intParam(q, 'timeoutSeconds') || defaultWatchTimeout;
  const labelSelector = parseLabelSelector(q.get('labelSelector'));
  const resourceVersion = q.get('resourceVersion') ?? undefined;
  // Bad requests are answered before the stream starts; only 410 Gone travels inside it.
  checkSelectableFields(
    route.def,
    route.version,
    fieldSelector.map((r) => r.path),
  );
  if (resourceVersion !== undefined && resourceVersion !== '' && !/^\d+$/.test(resourceVersion)) {
    throw badRequest(`resourceVersion: Invalid value: "${resourceVersion}": must be a non-negative integer`);
  }
  if (resourceVersion !== undefined && resourceVersion !== '')
    store.checkNotTooLarge(Number(resourceVersion));
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  openWatches.add(res);
  let stop = (): void => {};
  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    stop();
    for (const t of timers) clearTimeout(t);
    openWatches.delete(res);
    if (!res.writableEnded) res.end();
  };
  const write = (type: WatchEventType, object: unknown): void => {
    if (res.writableEnded) return;
    res.write(`${JSON.stringify({ type, object })}\n`);
    // A client that stops reading is cut off, as kube-apiserver does with a full watch buffer,
    // rather than buffering without bound; it will re-list or resume.
    if (res.writableLength > maxWatchBuffer) finish();
  };
  const sink: WatchSink = {
    send(type, obj) {
      if (as === 'Table' && type !== 'BOOKMARK' && type !== 'ERROR') {
        write(
          type,
          toTable(
            route.def,
            route.version,
            [obj],
            { resourceVersion: obj.metadata.resourceVersion },
            include,
          ),
        );
      } else if (as === 'PartialObjectMetadata' && type !== 'BOOKMARK' && type !== 'ERROR') {
        write(type, {
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: obj.metadata,
        });
      } else {
        write(type, obj);
      }
    },
    close: finish,
  };
  req.on('close', finish);
  res.on('close', finish);
  try {
    stop = store.watch(
      route.def,
      route.version,
      {
        namespace: route.namespace,
        labelSelector,
        fieldSelector,
        resourceVersion,
        sendInitialEvents: boolParam(q, 'sendInitialEvents'),
        allowWatchBookmarks: allowBookmarks,
      },
      sink,
    );
  } catch (e) {
    // As the watch cache does: a 200 stream carrying one ERROR event with the Status, then EOF.
    const err = e instanceof ApiError ? e : new ApiError(500, 'InternalError', String(e));
    write('ERROR', err.toStatus());
    finish();
    return;
  }
  const bookmark = (): void =>
    write('BOOKMARK', {
      kind: route.def.kind,
      apiVersion: groupVersion(route.def.group, route.version),
      metadata: { resourceVersion: String(store.resourceVersion) },
    });
  if (allowBookmarks && bookmarkMs > 0) {
    const tick = (): void => {
      bookmark();
      timers[0] = setTimeout(tick, bookmarkMs);
    };
    timers[0] = setTimeout(tick, bookmarkMs);
  }
  // As the watch cache does, a last bookmark before the timeout lets the client resume from the newest version.
  timers[1] = setTimeout(() => {
    if (allowBookmarks) bookmark();
    finish();
  }, Math.max(0, timeoutSeconds) * 1000);
}
