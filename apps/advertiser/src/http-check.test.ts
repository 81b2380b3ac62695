import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCheck } from './http-check.js';

let server: Server;
let base: string;
let status = 200;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/slow') return; // never answers
    res.writeHead(status);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('httpCheck', () => {
  it('is healthy on 2xx and not on other statuses', async () => {
    status = 200;
    expect(await httpCheck({ url: `${base}/readyz`, timeoutMs: 1000 })).toEqual({
      ok: true,
      detail: 'HTTP 200',
    });
    status = 503;
    expect(await httpCheck({ url: `${base}/readyz`, timeoutMs: 1000 })).toEqual({
      ok: false,
      detail: 'HTTP 503',
    });
  });

  it('fails on timeout', async () => {
    expect(await httpCheck({ url: `${base}/slow`, timeoutMs: 100 })).toEqual({
      ok: false,
      detail: 'timeout after 100ms',
    });
  });

  it('fails on a refused connection, naming it', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await httpCheck({ url: `http://127.0.0.1:${port}/readyz`, timeoutMs: 1000 });
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('ECONNREFUSED');
  });

  it('fails on TLS to a plain server and on a bad URL', async () => {
    const r = await httpCheck({
      url: `${base.replace('http', 'https')}/readyz`,
      timeoutMs: 1000,
      insecure: true,
    });
    expect(r.ok).toBe(false);
    expect(await httpCheck({ url: 'not a url', timeoutMs: 100 })).toEqual({
      ok: false,
      detail: 'invalid URL not a url',
    });
  });
});
