import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EventRecorder } from './events.js';
import type { KubeClient } from './kube-client.js';
import type { EventSpec } from './types.js';

function fakeClient(fail = false) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const client = {
    create: async (path: string, body: unknown) => {
      calls.push({ method: 'POST', path, body });
      if (fail) throw new Error('boom');
      return body;
    },
    mergePatch: async (path: string, body: unknown) => {
      calls.push({ method: 'PATCH', path, body });
      return body;
    },
  } as unknown as KubeClient;
  return { client, calls };
}

const event: EventSpec = {
  involved: { apiVersion: 'v1', kind: 'Service', namespace: 'default', name: 'web', uid: 'u1' },
  type: 'Warning',
  reason: 'VIPRefused',
  message: 'no VIP allocated: pool exhausted',
};

describe('EventRecorder', () => {
  it('writes a core/v1 Event once, then counts a repeat after the repeat interval', async () => {
    let now = 1_000_000;
    const { client, calls } = fakeClient();
    const pending: number[] = [];
    const r = new EventRecorder(client, {
      component: 'bgplb-controller',
      host: 'replica-a',
      log: pino({ level: 'silent' }),
      now: () => now,
      repeatAfterMs: 60_000,
      onPending: (n) => pending.push(n),
    });
    expect(r.record([event, event])).toBe(1);
    await r.flush();
    expect(calls).toHaveLength(1);
    const created = calls[0]!;
    expect(created.path).toBe('/api/v1/namespaces/default/events');
    expect(created.body).toMatchObject({
      involvedObject: { kind: 'Service', name: 'web', namespace: 'default', uid: 'u1' },
      reason: 'VIPRefused',
      type: 'Warning',
      count: 1,
      source: { component: 'bgplb-controller', host: 'replica-a' },
    });
    now += 30_000;
    expect(r.record([event])).toBe(0);
    now += 60_000;
    expect(r.record([event])).toBe(1);
    await r.flush();
    expect(calls[1]).toMatchObject({ method: 'PATCH', body: { count: 2 } });
    expect(calls[1]!.path).toMatch(/^\/api\/v1\/namespaces\/default\/events\/web\.[0-9a-f]{16}$/);
    expect(pending.at(-1)).toBe(0);
  });

  it('never throws when the API refuses an Event, and truncates long messages', async () => {
    const { client, calls } = fakeClient(true);
    const r = new EventRecorder(client, { component: 'c', host: 'h', log: pino({ level: 'silent' }) });
    r.record([{ ...event, message: 'x'.repeat(5000) }]);
    await r.flush();
    expect((calls[0]!.body as { message: string }).message).toHaveLength(1024);
    expect(r.pending).toBe(0);
  });
});
