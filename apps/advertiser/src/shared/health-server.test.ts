import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger } from '../test-support/log-capture.js';
import { type HealthServer, parseHostPort, startHealthServer } from './health-server.js';
import { registerSpeakerMetrics } from './metrics.js';
import type { PeerStatus } from './speaker-types.js';

const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function peer(id: string, state: PeerStatus['state'], extra: Partial<PeerStatus> = {}): PeerStatus {
  return {
    id,
    state,
    uptime: 0,
    counters: {
      messagesIn: { open: 1, keepalive: 3, update: 2 },
      messagesOut: { open: 1, keepalive: 4, update: 1 },
      prefixesAnnounced: 1,
      pathsAnnounced: 1,
      prefixesReceivedByFamily: { '1/1': 2 },
      prefixesReceived: 2,
      prefixesIgnored: 3,
      peerErrors: { 'update-treat-as-withdraw': 2 },
      flaps: 1,
    },
    lastStateChange: new Date(0),
    advertisedPrefixes: ['10.0.0.8/32'],
    ...extra,
  };
}

describe('parseHostPort', () => {
  it('parses the forms operators write', () => {
    expect(parseHostPort('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHostPort(':9100')).toEqual({ host: '0.0.0.0', port: 9100 });
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
  });
  it.each(['8080', '127.0.0.1', 'host:99999', 'a:b'])('refuses %j', (a) => {
    expect(() => parseHostPort(a)).toThrow(`invalid address "${a}"`);
  });
});

describe('startHealthServer', () => {
  it('serves /healthz, /readyz and /metrics and logs its address', async () => {
    const { log, lines } = captureLogger();
    const registry = new Registry();
    let peers = [
      peer('10.0.1.254', 'Active', {
        lastError: { code: 6, subcode: 2, text: 'Cease', direction: 'received', at: new Date(0) },
      }),
    ];
    registerSpeakerMetrics(registry, () => peers);
    let ready = false;
    const server = await startHealthServer({
      address: '127.0.0.1:0',
      logger: log,
      registry,
      readiness: () => ({
        ready,
        body: { ready, peers: peers.map((p) => ({ peer: p.id, state: p.state })) },
      }),
    });
    servers.push(server);
    expect(lines.at(-1)?.msg).toBe(`Health status HTTP server started at "127.0.0.1:${server.port}"`);
    const base = `http://127.0.0.1:${server.port}`;

    const healthz = await fetch(`${base}/healthz`);
    expect(healthz.status).toBe(200);

    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, peers: [{ peer: '10.0.1.254', state: 'Active' }] });

    ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('bgplb_bgp_session_up{peer="10.0.1.254"} 0');
    expect(metrics).toContain('bgplb_bgp_session_state{peer="10.0.1.254",state="Active"} 1');
    expect(metrics).toContain('bgplb_bgp_session_state{peer="10.0.1.254",state="Established"} 0');
    expect(metrics).toContain('bgplb_bgp_messages_received_total{peer="10.0.1.254",type="update"} 2');
    expect(metrics).toContain('bgplb_bgp_messages_sent_total{peer="10.0.1.254",type="keepalive"} 4');
    expect(metrics).toContain('bgplb_bgp_prefixes_announced{peer="10.0.1.254"} 1');
    expect(metrics).toContain('bgplb_bgp_prefixes_received{peer="10.0.1.254"} 2');
    expect(metrics).toContain('bgplb_bgp_session_flaps_total{peer="10.0.1.254"} 1');
    expect(metrics).toContain('bgplb_bgp_prefixes_ignored_total{peer="10.0.1.254"} 3');
    expect(metrics).toContain(
      'bgplb_bgp_peer_errors_total{peer="10.0.1.254",class="update-treat-as-withdraw"} 2',
    );
    expect(metrics).toContain(
      'bgplb_bgp_last_error_info{peer="10.0.1.254",direction="received",code="6",subcode="2",text="Cease"} 1',
    );

    peers = [peer('10.0.2.254', 'Established')];
    const after = await (await fetch(`${base}/metrics`)).text();
    expect(after).toContain('bgplb_bgp_session_up{peer="10.0.2.254"} 1');
    expect(after).not.toContain('10.0.1.254');

    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('answers 503 on /healthz when liveness fails', async () => {
    const server = await startHealthServer({
      address: '127.0.0.1:0',
      logger: captureLogger().log,
      registry: new Registry(),
      readiness: () => ({ ready: true, body: {} }),
      liveness: () => false,
    });
    servers.push(server);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(503);
  });

  it('fails clearly when the address is taken', async () => {
    const first = await startHealthServer({
      address: '127.0.0.1:0',
      logger: captureLogger().log,
      registry: new Registry(),
      readiness: () => ({ ready: true, body: {} }),
    });
    servers.push(first);
    await expect(
      startHealthServer({
        address: first.address,
        logger: captureLogger().log,
        registry: new Registry(),
        readiness: () => ({ ready: true, body: {} }),
      }),
    ).rejects.toThrow(`health server cannot listen on ${first.address}: listen EADDRINUSE`);
  });
});
