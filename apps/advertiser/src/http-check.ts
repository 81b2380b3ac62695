import { request as httpRequest } from 'node:http';
import { formatDuration } from '@bgplb/kube-runtime/process';
import type { CheckResult } from './health-gate.js';

export interface HttpCheckOptions {
  url: string;
  timeoutMs: number;
  /** PEM text of the CA that signed the server's certificate (e.g. /etc/kubernetes/pki/ca.crt). */
  ca?: string;
  /** Skip certificate verification (like curl -k). */
  insecure?: boolean;
}

/**
 * One GET of the check URL. 2xx is healthy; anything else (other status, TLS error, refused,
 * timeout) is a failure with a detail that says which.
 */
export async function httpCheck(options: HttpCheckOptions): Promise<CheckResult> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    return { ok: false, detail: `invalid URL ${options.url}` };
  }
  const isHttps = url.protocol === 'https:';
  // node:https (with tls) costs the idle process about 6 MiB: loaded only for an https URL.
  const request = isHttps ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: CheckResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const tlsOptions = isHttps
      ? {
          rejectUnauthorized: options.insecure !== true,
          ...(options.ca !== undefined ? { ca: options.ca } : {}),
        }
      : {};
    const req = request(
      url,
      {
        method: 'GET',
        agent: false,
        headers: { accept: '*/*', 'user-agent': 'bgpadvertiser' },
        ...tlsOptions,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        finish({ ok: status >= 200 && status < 300, detail: `HTTP ${status}` });
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, detail: `timeout after ${formatDuration(options.timeoutMs)}` });
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, detail: err.message || String(err.code) }),
    );
    req.end();
  });
}
