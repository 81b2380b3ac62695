import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { impersonate, selfSubjectAccessReview, selfSubjectRulesReview } from './access-review.js';
import { Authenticator, serviceAccountUser, type UserInfo } from './auth.js';
import { builtinResources } from './builtins.js';
import { loadCrdFiles } from './crd-files.js';
import {
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiV3Document,
  openApiV3Index,
  SERVER_VERSION,
} from './discovery.js';
import { parseFieldSelector } from './fields.js';
import { acceptedAs, acceptedDiscovery, parseBody, readBody, sendError, sendJson } from './http-util.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { parseLabelSelector } from './labels.js';
import { type NodeLifecycleOptions, startNodeLifecycle } from './node-lifecycle.js';
import { ObjectStore } from './objects.js';
import { checkKind, patchObject } from './patch-request.js';
import {
  boolParam,
  dryRunParam,
  fieldValidationParam,
  intParam,
  propagationParam,
  resourceVersionMatchParam,
} from './query.js';
import { RbacAuthorizer } from './rbac.js';
import { Registry } from './registry.js';
import { groupVersion } from './resources.js';
import { type ResourceRoute, routeResource } from './routing.js';
import { ApiError, badRequest, methodNotAllowed, pathNotFound } from './status.js';
import { Store, type UpdateOptions } from './store.js';
import { type IncludeObject, toTable } from './table.js';
import type { CustomResourceDefinition, KubeObject } from './types.js';
import { serveWatch } from './watch-http.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** What a fault hook sees about a resource request. */
export interface RequestInfo {
  verb: Verb;
  group: string;
  version: string;
  resource: string;
  subresource: string | undefined;
  namespace: string | undefined;
  name: string | undefined;
}

/** Returns an ApiError to fail the request with it (e.g. a 409 or a 500), or nothing to let it pass. */
export type FaultHook = (info: RequestInfo) => ApiError | undefined;

export interface TestApiServerOptions {
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** TCP port (default 0: an ephemeral port). */
  port?: number;
  /** CustomResourceDefinitions to serve: objects, or directories/files of CRD YAML. */
  crds?: Array<CustomResourceDefinition | string>;
  /** Change events kept for resuming watches; older resourceVersions get 410 Gone (default 10000). */
  historyLimit?: number;
  /** Interval of BOOKMARK events on watches that allow them (default 10000 ms). */
  bookmarkIntervalMs?: number;
  /** Unsent bytes after which a watch that is not read is disconnected (default 64 MiB). */
  maxWatchBufferBytes?: number;
  /** Watch duration when the client gives no timeoutSeconds (default 1800 s). */
  defaultWatchTimeoutSeconds?: number;
  /** Namespaces that exist from the start (default: default, kube-system, kube-public, kube-node-lease). */
  namespaces?: string[];
  /** Create a namespace on first write into it instead of answering 404 (default false). */
  autoCreateNamespaces?: boolean;
  /** Garbage-collect dependents whose owners are gone (default true). */
  garbageCollection?: boolean;
  /**
   * The first resourceVersion (default 1); older ones are answered with 410 Gone. A server that is
   * restarted should start above the last one, so that clients of the old one re-list.
   */
  initialResourceVersion?: number;
  /**
   * Authorize requests with RBAC (Roles, ClusterRoles and their bindings stored in the server), for
   * requests made with a token from `serviceAccountToken()`/`userToken()` or impersonating a user.
   * Requests without a token are the administrator (system:masters) either way. Default false.
   */
  rbac?: boolean;
  /**
   * Run a node lifecycle controller: Nodes whose heartbeats (kube-node-lease Lease or Ready
   * lastHeartbeatTime) stop for longer than the grace period turn Unknown and get the unreachable
   * taints. Off by default.
   */
  nodeLifecycle?: NodeLifecycleOptions;
  /** Called with one line per request (`GET /api/v1/nodes 200`). */
  log?: (line: string) => void;
}

export interface TestApiServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** In-process access to the objects, with the same semantics as the REST API. */
  readonly store: ObjectStore;
  /** Fails matching requests with the returned error until the returned function is called. */
  addFault(hook: FaultHook): () => void;
  /** A kubeconfig (YAML) pointing at this server, with `namespace` as the context's default and `token` as the user's. */
  kubeconfig(namespace?: string, token?: string): string;
  /** Writes that kubeconfig to `path` (mode 0600); returns `path`. */
  writeKubeconfig(path: string, namespace?: string, token?: string): string;
  /** A bearer token that authenticates as ServiceAccount `namespace/name` (for RBAC tests). */
  serviceAccountToken(namespace: string, name: string): string;
  /** A bearer token that authenticates as any user and groups. */
  userToken(user: UserInfo): string;
  /** Ends every open watch stream (clients reconnect), as an apiserver restart would. */
  dropWatches(): void;
  /** Ends every watch and stops listening. */
  close(): Promise<void>;
}

const READ_VERBS = new Set(['GET']);

export async function startTestApiServer(options: TestApiServerOptions = {}): Promise<TestApiServer> {
  const registry = new Registry();
  for (const def of builtinResources()) registry.register(def);
  const store = new Store(registry, {
    ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
    ...(options.autoCreateNamespaces !== undefined
      ? { autoCreateNamespaces: options.autoCreateNamespaces }
      : {}),
    ...(options.garbageCollection !== undefined ? { garbageCollection: options.garbageCollection } : {}),
    ...(options.initialResourceVersion !== undefined
      ? { initialResourceVersion: options.initialResourceVersion }
      : {}),
  });
  const objects = new ObjectStore(store, registry);
  for (const ns of options.namespaces ?? ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  for (const c of options.crds ?? []) {
    for (const crd of typeof c === 'string' ? loadCrdFiles(c) : [c]) objects.upsert(crd);
  }

  const stopNodeLifecycle =
    options.nodeLifecycle === undefined ? () => {} : startNodeLifecycle(objects, options.nodeLifecycle);
  const authenticator = new Authenticator();
  const authorizer = new RbacAuthorizer(store, registry);
  const rbacEnabled = options.rbac ?? false;
  const faults = new Set<FaultHook>();
  const openWatches = new Set<ServerResponse>();
  const bookmarkMs = options.bookmarkIntervalMs ?? 10000;
  const defaultWatchTimeout = options.defaultWatchTimeoutSeconds ?? 1800;
  const maxWatchBuffer = options.maxWatchBufferBytes ?? 64 * 1024 * 1024;
  const host = options.host ?? '127.0.0.1';
  let address = '';

  function checkFaults(info: RequestInfo): void {
    for (const f of faults) {
      const err = f(info);
      if (err instanceof ApiError) throw err;
    }
  }

  function respondObject(
    req: IncomingMessage,
    res: ServerResponse,
    route: ResourceRoute,
    code: number,
    obj: KubeObject,
    warnings: string[] = [],
  ): void {
    const as = acceptedAs(req.headers.accept);
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    if (as === 'Table') {
      const include = (q.get('includeObject') ?? 'Metadata') as IncludeObject;
      sendJson(
        res,
        code,
        toTable(route.def, route.version, [obj], { resourceVersion: obj.metadata.resourceVersion }, include),
        warnings,
      );
    } else if (as === 'PartialObjectMetadata') {
      sendJson(
        res,
        code,
        { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata },
        warnings,
      );
    } else {
      sendJson(res, code, obj, warnings);
    }
  }

  async function handleResource(
    req: IncomingMessage,
    res: ServerResponse,
    route: ResourceRoute,
    q: URLSearchParams,
    user: UserInfo,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const { def, version, namespace, name, subresource } = route;
    const watch = route.watchPath || boolParam(q, 'watch');
    let verb: Verb;
    if (method === 'GET') verb = watch ? 'watch' : name === undefined ? 'list' : 'get';
    else if (method === 'POST' && name === undefined) verb = 'create';
    else if (method === 'PUT' && name !== undefined) verb = 'update';
    else if (method === 'PATCH' && name !== undefined) verb = 'patch';
    else if (method === 'DELETE') verb = name === undefined ? 'deletecollection' : 'delete';
    else throw methodNotAllowed();
    if (route.watchPath && method !== 'GET') throw methodNotAllowed();
    if (subresource !== undefined && !['get', 'update', 'patch'].includes(verb)) throw methodNotAllowed();
    if ((verb === 'create' || verb === 'deletecollection') && def.namespaced && namespace === undefined)
      throw methodNotAllowed();
    if (rbacEnabled)
      authorizer.authorize(user, {
        verb,
        group: route.group,
        resource: def.plural,
        subresource,
        namespace,
        name,
      });
    checkFaults({ verb, group: route.group, version, resource: def.plural, subresource, namespace, name });

    const warnings: string[] = [];
    const dryRun = READ_VERBS.has(method) ? false : dryRunParam(q);
    const fieldValidation = fieldValidationParam(q);
    const writeOpts = { dryRun, warnings, ...(fieldValidation !== undefined ? { fieldValidation } : {}) };

    switch (verb) {
      case 'watch':
        serveWatch(
          { store, openWatches, bookmarkMs, defaultWatchTimeout, maxWatchBuffer },
          req,
          res,
          route,
          q,
        );
        return;
      case 'list': {
        const result = store.list(def, version, {
          namespace,
          labelSelector: parseLabelSelector(q.get('labelSelector')),
          fieldSelector: parseFieldSelector(q.get('fieldSelector')),
          limit: intParam(q, 'limit'),
          resourceVersion: q.get('resourceVersion') ?? undefined,
          resourceVersionMatch: resourceVersionMatchParam(q),
          continueToken: q.get('continue') ?? undefined,
        });
        const meta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
        if (result.continue !== undefined) meta.continue = result.continue;
        if (result.remainingItemCount !== undefined) meta.remainingItemCount = result.remainingItemCount;
        const as = acceptedAs(req.headers.accept);
        if (as === 'Table') {
          sendJson(
            res,
            200,
            toTable(
              def,
              version,
              result.items,
              meta,
              (q.get('includeObject') ?? 'Metadata') as IncludeObject,
            ),
          );
        } else if (as === 'PartialObjectMetadataList' || as === 'PartialObjectMetadata') {
          sendJson(res, 200, {
            kind: 'PartialObjectMetadataList',
            apiVersion: 'meta.k8s.io/v1',
            metadata: meta,
            items: result.items.map((o) => ({
              kind: 'PartialObjectMetadata',
              apiVersion: 'meta.k8s.io/v1',
              metadata: o.metadata,
            })),
          });
        } else {
          sendJson(res, 200, {
            kind: def.listKind,
            apiVersion: groupVersion(def.group, version),
            metadata: meta,
            items: result.items,
          });
        }
        return;
      }
      case 'get':
        respondObject(req, res, route, 200, store.get(def, version, namespace, name!));
        return;
      case 'create': {
        const body = parseBody(await readBody(req), req.headers['content-type'] ?? '') as KubeObject;
        checkKind(route, body);
        respondObject(req, res, route, 201, store.create(def, version, namespace, body, writeOpts), warnings);
        return;
      }
      case 'update': {
        const body = parseBody(await readBody(req), req.headers['content-type'] ?? '') as KubeObject;
        checkKind(route, body);
        const existed = store.tryGet(def, version, namespace, name!) !== undefined;
        const opts: UpdateOptions = {
          ...writeOpts,
          subresource: subresource === 'status' ? 'status' : undefined,
          expectedResourceVersion: body?.metadata?.resourceVersion,
        };
        const out = store.update(def, version, namespace, name!, body, opts);
        respondObject(req, res, route, existed ? 200 : 201, out, warnings);
        return;
      }
      case 'patch': {
        const { code, obj } = await patchObject(store, req, route, q, writeOpts);
        respondObject(req, res, route, code, obj, warnings);
        return;
      }
      case 'delete': {
        const body = parseBody(await readBody(req), req.headers['content-type'] ?? '') as
          | Record<string, unknown>
          | undefined;
        const pre = (body?.preconditions ?? undefined) as
          | { uid?: string; resourceVersion?: string }
          | undefined;
        const propagationPolicy = propagationParam(q, body);
        const out = store.delete(def, version, namespace, name!, {
          dryRun,
          ...(pre !== undefined ? { preconditions: pre } : {}),
          ...(propagationPolicy !== undefined ? { propagationPolicy } : {}),
        });
        const pending = store.tryGet(def, version, namespace, name!) !== undefined && !dryRun;
        respondObject(req, res, route, pending ? 202 : 200, out);
        return;
      }
      case 'deletecollection': {
        const items = store.deleteCollection(
          def,
          version,
          {
            namespace,
            labelSelector: parseLabelSelector(q.get('labelSelector')),
            fieldSelector: parseFieldSelector(q.get('fieldSelector')),
          },
          { dryRun },
        );
        sendJson(res, 200, {
          kind: def.listKind,
          apiVersion: groupVersion(def.group, version),
          metadata: { resourceVersion: String(store.resourceVersion) },
          items,
        });
        return;
      }
    }
  }

  /** The discovery, version and OpenAPI documents; undefined when the path is not one of them. */
  function discoveryBody(segments: string[]): unknown {
    const path = segments.join('/');
    if (path === 'version') return SERVER_VERSION;
    if (path === 'api') return apiVersions(address);
    if (path === 'apis') return apiGroupList(registry);
    if (path === 'openapi/v3') return openApiV3Index(registry);
    let body: unknown;
    if (segments[0] === 'api' && segments.length === 2) body = apiResourceList(registry, '', segments[1]!);
    else if (segments[0] === 'apis' && segments.length === 2) body = apiGroup(registry, segments[1]!);
    else if (segments[0] === 'apis' && segments.length === 3)
      body = apiResourceList(registry, segments[1]!, segments[2]!);
    else if (
      segments[0] === 'openapi' &&
      segments[1] === 'v3' &&
      segments[2] === 'api' &&
      segments.length === 4
    ) {
      body = openApiV3Document(registry, '', segments[3]!);
    } else if (
      segments[0] === 'openapi' &&
      segments[1] === 'v3' &&
      segments[2] === 'apis' &&
      segments.length === 5
    ) {
      body = openApiV3Document(registry, segments[3]!, segments[4]!);
    } else return undefined;
    if (body === undefined) throw pathNotFound();
    return body;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let segments: string[];
    try {
      segments = url.pathname
        .split('/')
        .filter((s) => s !== '')
        .map(decodeURIComponent);
    } catch {
      throw badRequest(`malformed path: ${url.pathname}`);
    }
    const user = impersonate(authenticator.authenticate(req.headers.authorization), req);
    if (
      req.method === 'POST' &&
      segments.join('/') === 'apis/authorization.k8s.io/v1/selfsubjectrulesreviews'
    ) {
      const review = parseBody(await readBody(req), req.headers['content-type'] ?? '') as Record<
        string,
        unknown
      >;
      const namespace = ((review?.spec ?? {}) as { namespace?: string }).namespace;
      const rules = rbacEnabled
        ? authorizer.rulesFor(user, namespace === '' ? undefined : namespace)
        : [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }];
      sendJson(res, 201, selfSubjectRulesReview(review, rules));
      return;
    }
    if (
      req.method === 'POST' &&
      segments.join('/') === 'apis/authorization.k8s.io/v1/selfsubjectaccessreviews'
    ) {
      const review = parseBody(await readBody(req), req.headers['content-type'] ?? '') as Record<
        string,
        unknown
      >;
      sendJson(
        res,
        201,
        selfSubjectAccessReview(review, (a) => !rbacEnabled || authorizer.allows(user, a)),
      );
      return;
    }
    if (req.method === 'GET') {
      if (segments.length === 1 && ['healthz', 'readyz', 'livez'].includes(segments[0]!)) {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('ok');
        return;
      }
      const aggregated = acceptedDiscovery(req.headers.accept);
      if (
        aggregated !== undefined &&
        segments.length === 1 &&
        (segments[0] === 'api' || segments[0] === 'apis')
      ) {
        const doc = aggregatedDiscovery(registry, segments[0] === 'api', aggregated);
        sendJson(
          res,
          200,
          doc,
          [],
          `application/json;g=apidiscovery.k8s.io;v=${aggregated};as=APIGroupDiscoveryList`,
        );
        return;
      }
      const body = discoveryBody(segments);
      if (body !== undefined) {
        sendJson(res, 200, body);
        return;
      }
    }
    const route = routeResource(registry, segments);
    if (route === undefined) throw pathNotFound();
    await handleResource(req, res, route, url.searchParams, user);
  }

  const server: Server = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () =>
      options.log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`),
    );
    handle(req, res).catch((err: unknown) => {
      sendError(res, err);
    });
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  address = `${urlHost}:${port}`;
  const url = `http://${address}`;

  return {
    url,
    host,
    port,
    store: objects,
    addFault(hook) {
      faults.add(hook);
      return () => {
        faults.delete(hook);
      };
    },
    kubeconfig: (namespace = 'default', token?: string) => kubeconfigYaml(url, namespace, token),
    writeKubeconfig(path, namespace = 'default', token?: string) {
      writeFileSync(path, kubeconfigYaml(url, namespace, token), { mode: 0o600 });
      return path;
    },
    serviceAccountToken: (namespace, name) => authenticator.issue(serviceAccountUser(namespace, name)),
    userToken: (user) => authenticator.issue(user),
    dropWatches() {
      for (const res of [...openWatches]) res.end();
    },
    close() {
      stopNodeLifecycle();
      for (const res of [...openWatches]) res.end();
      openWatches.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
