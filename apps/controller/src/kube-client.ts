/**
 * A small JSON REST client for the Kubernetes API. Authentication and TLS come from
 * @kubernetes/client-node's KubeConfig (kubeconfig file or in-cluster service account); requests go
 * over a keep-alive agent because the controller writes thousands of objects at start-up.
 * Errors carry the HTTP status and the API's Status reason (NotFound, Conflict, AlreadyExists...).
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isStatus(err: unknown, status: number): boolean {
  return err instanceof ApiError && err.status === status;
}

export const MERGE_PATCH = 'application/merge-patch+json';

interface Connection {
  base: URL;
  agent: http.Agent;
  headers: Record<string, string>;
  tls: https.AgentOptions;
  loadedAt: number;
}

/** Credentials are re-read at this interval (bound service-account tokens rotate). */
const CREDENTIAL_REFRESH_MS = 60_000;

export class KubeClient {
  private connection: Connection | undefined;
  private readonly timeoutMs: number;

  constructor(
    private readonly kc: KubeConfig,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  private async connect(): Promise<Connection> {
    const now = Date.now();
    if (this.connection !== undefined && now - this.connection.loadedAt < CREDENTIAL_REFRESH_MS)
      return this.connection;
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
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
    const agent =
      this.connection?.agent ??
      (base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 32, ...tls })
        : new http.Agent({ keepAlive: true, maxSockets: 32 }));
    this.connection = { base, agent, headers, tls, loadedAt: now };
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
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (status >= 400) {
            const s = (parsed ?? {}) as { reason?: string; message?: string };
            reject(
              new ApiError(
                status,
                s.reason ?? String(status),
                `${method} ${url.pathname}: ${status} ${s.message ?? text.slice(0, 200)}`,
              ),
            );
            return;
          }
          resolve(parsed as T);
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

  close(): void {
    this.connection?.agent.destroy();
    this.connection = undefined;
  }
}

/** URL paths of the resources the controller uses. */
export const paths = {
  core(resource: string, namespace?: string, name?: string, sub?: string): string {
    let p = namespace === undefined ? `/api/v1/${resource}` : `/api/v1/namespaces/${namespace}/${resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (sub !== undefined) p += `/${sub}`;
    return p;
  },
  group(
    group: string,
    version: string,
    resource: string,
    namespace?: string,
    name?: string,
    sub?: string,
  ): string {
    let p =
      namespace === undefined
        ? `/apis/${group}/${version}/${resource}`
        : `/apis/${group}/${version}/namespaces/${namespace}/${resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (sub !== undefined) p += `/${sub}`;
    return p;
  },
};
