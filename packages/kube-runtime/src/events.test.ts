import { ApiError as ServerError } from '@bgplb/test-apiserver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { EventRecorder, type EventRecorderOptions, type EventSpec } from './events.js';
import { type Api, silent, startApi } from './test-support/api.js';

interface StoredEvent {
  metadata: { name: string; namespace: string };
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string };
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string; host: string };
}

const svc = (name: string, message = 'VIP 10.0.0.1 allocated'): EventSpec => ({
  involved: { apiVersion: 'v1', kind: 'Service', name, namespace: 'default', uid: `uid-${name}` },
  type: 'Normal',
  reason: 'VIPAllocated',
  message,
});

describe('EventRecorder', () => {
  let api: Api;
  let clock: FakeClock;
  let recorder: EventRecorder;
  const stored = () => api.server.store.list('v1', 'Event') as unknown as StoredEvent[];
  /** A second recorder on the same API and clock, with other limits. */
  const recorderWith = (o: Partial<EventRecorderOptions>) =>
    new EventRecorder(api.client, { component: 'c', host: 'h', log: silent, clock, ...o });

  beforeEach(async () => {
    api = await startApi();
    clock = new FakeClock(Date.parse('2026-01-02T03:04:05Z'));
    recorder = new EventRecorder(api.client, {
      component: 'bgplb-controller',
      host: 'replica-a',
      log: silent,
      clock,
    });
  });
  afterEach(async () => {
    await api.close();
  });

  it('creates one Event; repeats bump count and lastTimestamp of the same object, written at most once per interval', async () => {
    expect(recorder.record(svc('a'))).toBe(1);
    await recorder.flush();
    expect(stored()).toHaveLength(1);
    expect(stored()[0]).toMatchObject({
      involvedObject: { kind: 'Service', name: 'a', namespace: 'default', uid: 'uid-a' },
      reason: 'VIPAllocated',
      count: 1,
      firstTimestamp: '2026-01-02T03:04:05Z',
      source: { component: 'bgplb-controller', host: 'replica-a' },
    });
    // A level-triggered reconcile re-derives it three times within the interval: counted, not written.
    clock.advance(60_000);
    expect(recorder.record([svc('a'), svc('a'), svc('a')])).toBe(0);
    await recorder.flush();
    expect(stored()[0]?.count).toBe(1);
    // The next occurrence after the interval writes the accumulated count on the same object.
    clock.advance(10 * 60_000);
    recorder.record(svc('a'));
    await recorder.flush();
    expect(stored()).toHaveLength(1);
    expect(stored()[0]).toMatchObject({ count: 5, lastTimestamp: '2026-01-02T03:15:05Z' });
    expect(stored()[0]?.firstTimestamp).toBe('2026-01-02T03:04:05Z');
  });

  it('keeps different messages, reasons and objects apart', async () => {
    expect(
      recorder.record([svc('a'), svc('a', 'other message'), svc('b'), { ...svc('a'), reason: 'X' }]),
    ).toBe(4);
    await recorder.flush();
    expect(stored()).toHaveLength(4);
  });

  it('puts Events about cluster-scoped objects into the default namespace and truncates long messages', async () => {
    recorder.record({
      involved: { apiVersion: 'v1', kind: 'Node', name: 'n1' },
      type: 'Warning',
      reason: 'Long',
      message: 'x'.repeat(2000),
    });
    await recorder.flush();
    const [e] = stored();
    expect(e?.metadata.namespace).toBe('default');
    expect(e?.involvedObject.namespace).toBeUndefined();
    expect(e?.message).toHaveLength(1024);
    expect(e?.message.endsWith('...')).toBe(true);
  });

  it('re-creates an Event that expired before its next bump', async () => {
    recorder.record(svc('a'));
    await recorder.flush();
    const first = stored()[0]?.metadata.name as string;
    api.server.store.delete('v1', 'Event', first, 'default');
    clock.advance(11 * 60_000);
    recorder.record(svc('a'));
    await recorder.flush();
    expect(stored()).toHaveLength(1);
    expect(stored()[0]?.metadata.name).not.toBe(first);
    expect(stored()[0]?.count).toBe(2);
  });

  it('remembers a bounded number of series: the oldest is forgotten and its next occurrence is a new Event', async () => {
    const small = recorderWith({ remembered: 2 });
    expect(small.record([svc('a'), svc('b')])).toBe(2);
    await small.flush();
    // Still remembered: counted, not written.
    expect(small.record(svc('a'))).toBe(0);
    // A third series pushes out the oldest (a), so a's next occurrence creates a second Event for it.
    expect(small.record(svc('c'))).toBe(1);
    expect(small.record(svc('a'))).toBe(1);
    // c is still remembered (a's return pushed out b): counted, not written.
    expect(small.record(svc('c'))).toBe(0);
    await small.flush();
    expect(stored().filter((e) => e.involvedObject.name === 'a')).toHaveLength(2);
  });

  it('rate-limits per object (burst, then one per refill period) and counts what it drops', async () => {
    const limited = recorderWith({ burst: 3, refillSeconds: 60 });
    for (let i = 0; i < 5; i++) limited.record(svc('a', `m${i}`));
    limited.record(svc('b'));
    await limited.flush();
    expect(stored().filter((e) => e.involvedObject.name === 'a')).toHaveLength(3);
    expect(stored().filter((e) => e.involvedObject.name === 'b')).toHaveLength(1);
    expect(limited.dropped).toBe(2);
    clock.advance(60_000);
    limited.record(svc('a', 'm9'));
    await limited.flush();
    expect(stored().filter((e) => e.involvedObject.name === 'a')).toHaveLength(4);
  });

  it('never throws when the API refuses, and reports the pending writes', async () => {
    api.server.addFault((info) =>
      info.resource === 'events' ? new ServerError(403, 'Forbidden', 'no events for you') : undefined,
    );
    const pending: number[] = [];
    const r = recorderWith({ onPending: (n) => pending.push(n) });
    expect(() => r.record([svc('a'), svc('b')])).not.toThrow();
    expect(r.pending).toBe(2);
    await r.flush();
    expect(r.pending).toBe(0);
    expect(pending.at(-1)).toBe(0);
    expect(stored()).toEqual([]);
  });
});
