import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_NODES, EXAMPLE_FILES } from './test-support/fixtures.js';
import { createService, get, type Harness, startHarness, waitFor } from './test-support/harness.js';

const kubectlAvailable = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!kubectlAvailable) console.warn('kubectl not found on PATH: skipping the kubectl output tests');

describe.skipIf(!kubectlAvailable)('kubectl against the test API server (needs kubectl on PATH)', () => {
  let h: Harness;
  // Asynchronous: the API server runs in this process and must keep answering.
  const kubectl = async (...args: string[]) =>
    (
      await promisify(execFile)('kubectl', ['--kubeconfig', h.kubeconfigPath, ...args], {
        encoding: 'utf8',
        timeout: 20_000,
      })
    ).stdout;

  beforeAll(async () => {
    h = await startHarness(EXAMPLE_FILES[2], CLUSTER_NODES);
    const c = await h.startController();
    createService(h.server, { name: 'load-balancer-example' });
    await waitFor('route', () =>
      get(h.server, 'BGPAdvertisedRoute', 'default-default-load-balancer-example', 'kube-system'),
    );
    await waitFor('session', () => get(h.server, 'BGPSession', 'bgppeer1-node-04', 'kube-system'));
    await c.idle();
    // What the node agent reports (status is never written by the controller).
    const s = get(h.server, 'BGPSession', 'bgppeer1-node-04', 'kube-system')!;
    h.server.store.updateStatus({
      ...s,
      status: {
        state: 'Established',
        lastReportTime: new Date().toISOString(),
        advertisedRoutes: ['10.0.0.2/32'],
        // The extensions, as the node agent writes them (status-projector.ts).
        establishedSince: new Date(Date.now() - 125_000).toISOString(),
        advertisedPrefixes: 1,
        receivedPrefixes: 3,
        flapCount: 2,
        lastError: {
          code: 4,
          subcode: 0,
          message: 'Hold Timer Expired',
          direction: 'sent',
          time: '2026-12-04T20:00:00Z',
        },
        capabilities: {
          addPathSend: true,
          addPathReceive: false,
          gracefulRestart: true,
          fourOctetAS: true,
          extendedMessage: false,
          routeRefresh: true,
          holdTime: 90,
        },
        lastTransition: {
          from: 'OpenConfirm',
          to: 'Established',
          reason: 'keepalive-received',
          time: '2026-12-04T20:00:05Z',
        },
      },
    } as never);
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it('`kubectl -n kube-system get bgpsessions` prints the spec columns', async () => {
    const out = await kubectl('-n', 'kube-system', 'get', 'bgpsessions');
    const [header, ...rows] = out.trim().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual([
      'NAME',
      'LOCAL ASN',
      'PEER ASN',
      'LOCAL IP',
      'PEER IP',
      'STATE',
      'LAST REPORT',
    ]);
    const row = rows.find((r) => r.startsWith('bgppeer1-node-04'))?.split(/\s+/);
    expect(row?.slice(0, 6)).toEqual([
      'bgppeer1-node-04',
      '65001',
      '65002',
      '10.0.3.100',
      '10.0.3.254',
      'Established',
    ]);
    expect(row?.[6]).toMatch(/^\d+s$/);
    expect(rows.some((r) => r.startsWith('bgppeer1-node-05'))).toBe(true);
  });

  it('`-o wide` adds node, floating IP, uptime, flaps, prefixes, last error and BFD', async () => {
    const out = await kubectl('-n', 'kube-system', 'get', 'bgpsessions', '-o', 'wide');
    const [header, ...rows] = out.trim().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual([
      'NAME',
      'LOCAL ASN',
      'PEER ASN',
      'LOCAL IP',
      'PEER IP',
      'STATE',
      'LAST REPORT',
      'NODE',
      'FLOATING IP',
      'UPTIME',
      'FLAPS',
      'SENT',
      'RECEIVED',
      'LAST ERROR',
      'BFD',
    ]);
    const line = rows.find((r) => r.startsWith('bgppeer1-node-04')) ?? '';
    // Uptime is the age of establishedSince (125 s); BFD is empty for a session without BFD.
    expect(line).toMatch(
      /Established\s+\d+s\s+node-04\s+10\.0\.3\.100\s+2m\d+s\s+2\s+1\s+3\s+Hold Timer Expired\s*$/,
    );
  });

  it('`kubectl describe bgpsession` shows capabilities, flap count and the last transition', async () => {
    const out = await kubectl('-n', 'kube-system', 'describe', 'bgpsession', 'bgppeer1-node-04');
    expect(out).toMatch(/Capabilities:\s+Add Path Receive:\s+false\s+Add Path Send:\s+true/);
    expect(out).toMatch(/Graceful Restart:\s+true/);
    expect(out).toMatch(/Flap Count:\s+2/);
    expect(out).toMatch(/Last Transition:\s+From:\s+OpenConfirm\s+Reason:\s+keepalive-received/);
    expect(out).toMatch(/Last Error:[\s\S]*Direction:\s+sent/);
  });

  it('`kubectl get bgpadvertisedroutes` prints NAME, PREFIX, METRIC and `describe` shows the next hops', async () => {
    const out = await kubectl('-n', 'kube-system', 'get', 'bgpadvertisedroutes');
    const [header, row] = out.trim().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['NAME', 'PREFIX', 'METRIC']);
    expect(row?.split(/\s+/)).toEqual(['default-default-load-balancer-example', '10.0.0.2/32', '0']);
    const described = await kubectl(
      '-n',
      'kube-system',
      'describe',
      'bgpadvertisedroute',
      'default-default-load-balancer-example',
    );
    expect(described).toMatch(/Next Hops:/);
    expect(described).toContain('10.0.3.10');
    expect(described).toContain('10.0.3.11');
    expect(described).toMatch(/Prefix:\s+10\.0\.0\.2\/32/);
    // Status: every next hop's state and why.
    const status = described.slice(described.indexOf('Status:'));
    expect(status).toMatch(/Next Hop:\s+10\.0\.3\.10/);
    expect(status).toMatch(/Reason:\s+ready load-balancer node/);
    expect(status).toMatch(/State:\s+announced/);
  });

  it('`kubectl describe bgpadvertisedroute` shows a cordoned next hop draining, with its community', async () => {
    const route = () =>
      get(h.server, 'BGPAdvertisedRoute', 'default-default-load-balancer-example', 'kube-system') as {
        status?: { nextHops?: { state: string }[] };
      };
    const n = get(h.server, 'Node', 'node-04')!;
    h.server.store.update({ ...n, spec: { unschedulable: true } } as never);
    await waitFor('draining in status', () => route().status?.nextHops?.some((x) => x.state === 'draining'));
    const described = await kubectl(
      '-n',
      'kube-system',
      'describe',
      'bgpadvertisedroute',
      'default-default-load-balancer-example',
    );
    const status = described.slice(described.indexOf('Status:'));
    expect(status).toMatch(/State:\s+draining/);
    expect(status).toMatch(/Community:\s+65535:0/);
    expect(status).toMatch(/Reason:\s+node node-04 is cordoned/);
    const back = get(h.server, 'Node', 'node-04')!;
    h.server.store.update({ ...back, spec: {} } as never);
    await waitFor('announced again', () => route().status?.nextHops?.every((x) => x.state === 'announced'));
  });
});
