/**
 * The Kubernetes API client: JSON REST over a keep-alive agent, authenticated by
 * @kubernetes/client-node's KubeConfig (kubeconfig file, exec/OIDC plugins or in-cluster service
 * account; see kubeconfig.ts). It deliberately returns the API's plain JSON rather than
 * client-node's generated model classes: the controller caches 10k Services, and the typed
 * deserializer (a class instance per nested object, Dates for timestamps) costs CPU and memory
 * the apps never read. Errors are ApiError with the HTTP status and the Status reason.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError } from './errors.js';
import type { KubeList, KubeObject } from './types.js';

export const MERGE_PATCH = 'application/merge-patch+json';

interface Connection {
  base: URL;
  agent: http.Agent;
  headers: Record<string, string>;
  loadedAt: number;
}

/** Credentials are re-read at this interval (bound service-account tokens rotate). */
const CREDENTIAL_REFRESH_MS = 60_000;

export interface KubeClientOptions {
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Parallel connections to the API server (default 32). */
  maxSockets?: number;
}

export interface ListOptions {
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  /** Page size (default 500, as client-go); 0 asks for everything at once. */
  limit?: number;
}

export class KubeClient {
  private connection: Connection | undefined;
  private readonly timeoutMs: number;
  private readonly maxSockets: number;

  constructor(
    readonly kubeConfig: KubeConfig,
    options: KubeClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxSockets = options.maxSockets ?? 32;
  }

  private async connect(): Promise<Connection> {
    const now = Date.now();
    if (this.connection !== undefined && now - this.connection.loadedAt < CREDENTIAL_REFRESH_MS)
      return this.connection;
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const opts: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
    if (typeof opts.auth === 'string')
      headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    const base = new URL(cluster.server);
    const tls: https.AgentOptions = {};
    if (opts.ca !== undefined) tls.ca = opts.ca;
    if (opts.cert !== undefined) tls.cert = opts.cert;
    if (opts.key !== undefined) tls.key = opts.key;
    if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
    // The agent (and its TLS material) is kept across credential refreshes: client certificates
    // come from the kubeconfig file and do not rotate; tokens go in the headers.
    const agent =
      this.connection?.agent ??
      (base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: this.maxSockets, ...tls })
        : new http.Agent({ keepAlive: true, maxSockets: this.maxSockets }));
    this.connection = { base, agent, headers, loadedAt: now };
    return this.connection;
  }

  /** Sends one request; resolves with the parsed JSON body, rejects with ApiError on >= 400. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const c = await this.connect();
    const url = new URL(path, c.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { ...c.headers, accept: 'application/json' };
    if (payload !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = String(payload.length);
    }
    const mod = url.protocol === 'https:' ? https : http;
    return await new Promise<T>((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent: c.agent, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          const parsed = parseJson(text);
          if (status >= 400) reject(apiError(method, url.pathname, status, parsed, text));
          else resolve(parsed as T);
        });
      });
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${url.pathname}: timed out after ${this.timeoutMs} ms`)),
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  create<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }
  replace<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.request<T>('PATCH', path, patch, MERGE_PATCH);
  }
  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('DELETE', path, body);
  }

  /**
   * Lists a collection page by page (`limit`/`continue`), so that a 10k-object list is never one
   * response in memory and the caller can trim each page before the next arrives.
   */
  async *listPages<T extends KubeObject>(
    path: string,
    options: ListOptions = {},
  ): AsyncGenerator<KubeList<T>> {
    let token: string | undefined;
    do {
      const query = new URLSearchParams();
      const limit = options.limit ?? 500;
      if (limit > 0) query.set('limit', String(limit));
      if (options.labelSelector !== undefined) query.set('labelSelector', options.labelSelector);
      if (options.fieldSelector !== undefined) query.set('fieldSelector', options.fieldSelector);
      if (token !== undefined) query.set('continue', token);
      const q = query.toString();
      const page = await this.get<KubeList<T>>(q === '' ? path : `${path}?${q}`);
      yield page;
      token = page.metadata?.continue || undefined;
    } while (token !== undefined);
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.connection?.agent.destroy();
    this.connection = undefined;
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function apiError(method: string, path: string, status: number, parsed: unknown, text: string): ApiError {
  const s = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
    reason?: unknown;
    message?: unknown;
  };
  const reason = typeof s.reason === 'string' && s.reason !== '' ? s.reason : String(status);
  const message = typeof s.message === 'string' ? s.message : text.slice(0, 200);
  return new ApiError(status, reason, `${method} ${path}: ${status} ${message}`);
}

/** URL paths of API resources. */
export const paths = {
  /** Core group (`/api/v1/...`). */
  core(resource: string, namespace?: string, name?: string, sub?: string): string {
    const base = namespace === undefined ? '/api/v1' : `/api/v1/namespaces/${namespace}`;
    return withName(`${base}/${resource}`, name, sub);
  },
  /** A named group (`/apis/<group>/<version>/...`). */
  group(
    group: string,
    version: string,
    resource: string,
    namespace?: string,
    name?: string,
    sub?: string,
  ): string {
    const base =
      namespace === undefined
        ? `/apis/${group}/${version}`
        : `/apis/${group}/${version}/namespaces/${namespace}`;
    return withName(`${base}/${resource}`, name, sub);
  },
};

function withName(collection: string, name: string | undefined, sub: string | undefined): string {
  let p = collection;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (sub !== undefined) p += `/${sub}`;
  return p;
}
