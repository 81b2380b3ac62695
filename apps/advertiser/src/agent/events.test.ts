import { crdDirectory } from '@bgplb/api-types';
import type { Clock } from '@bgplb/bgp-fsm';
import { waitFor } from '@bgplb/netns-lab';
import { startTestApiServer, type TestApiServer } from '@bgplb/test-apiserver';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../test-support/log-capture.js';
import { KubeEventRecorder } from './events.js';

describe('KubeEventRecorder', () => {
  let server: TestApiServer;
  let kc: KubeConfig;
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock: Clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
  const node = { apiVersion: 'v1', kind: 'Node', name: 'node-a' };

  beforeAll(async () => {
    server = await startTestApiServer({ crds: [crdDirectory] });
    kc = new KubeConfig();
    kc.loadFromString(server.kubeconfig());
  });
  afterAll(() => server.close());

  const events = () =>
    server.store.list('v1', 'Event', { namespace: 'default' }) as unknown as {
      reason: string;
      message: string;
      type: string;
      involvedObject: Record<string, unknown>;
      source: Record<string, unknown>;
      lastTimestamp: string;
    }[];

  it('creates an Event about the object, and does not repeat it within 10 minutes', async () => {
    const { log } = captureLogger('warn');
    const recorder = new KubeEventRecorder(kc, 'node-a', log, 'default', clock);
    const e = {
      target: node,
      type: 'Normal' as const,
      reason: 'FloatingIPAdded',
      message: 'floating IP 10.0.1.100 added',
    };
    recorder.record(e);
    recorder.record(e);
    await waitFor('event stored', () => events().length === 1);
    expect(events()[0]).toMatchObject({
      reason: 'FloatingIPAdded',
      type: 'Normal',
      message: 'floating IP 10.0.1.100 added',
      involvedObject: { kind: 'Node', name: 'node-a' },
      source: { component: 'bgpadvertiser-agent', host: 'node-a' },
      lastTimestamp: '2026-01-01T00:00:00Z',
    });
    now += 10 * 60_000;
    recorder.record(e);
    await waitFor('repeated after the window', () => events().length === 2);
  });

  it('never throws when the API refuses the event', async () => {
    const { log, lines } = captureLogger('debug');
    const broken = new KubeConfig();
    broken.loadFromString(server.kubeconfig().replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1'));
    const recorder = new KubeEventRecorder(broken, 'node-a', log, 'default', clock);
    recorder.record({ target: node, type: 'Warning', reason: 'FloatingIPFailed', message: 'x' });
    await waitFor('failure logged', () => lines.some((l) => String(l.msg).startsWith('cannot record event')));
  });
});
