import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type SessionStatusContent,
  type SessionStatusPatch,
  StatusReporter,
  StatusWriteError,
  type StatusWriter,
} from './status-reporter.js';

const established: SessionStatusContent = {
  state: 'Established',
  advertisedRoutes: ['10.0.0.8/32'],
  advertisedPrefixes: 1,
  receivedPrefixes: 0,
  establishedSince: '2026-01-01T00:00:00Z',
  lastError: null,
  bfdState: null,
  capabilities: null,
  flapCount: 0,
  lastTransition: null,
};

class RecordingWriter implements StatusWriter {
  readonly writes: { name: string; at: number; status: SessionStatusPatch }[] = [];
  failures: StatusWriteError[] = [];
  async write(name: string, status: SessionStatusPatch): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.writes.push({ name, at: Date.now(), status });
  }
}

describe('StatusReporter', () => {
  let writer: RecordingWriter;
  let reporter: StatusReporter;
  const results: string[] = [];

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    writer = new RecordingWriter();
    results.length = 0;
    reporter = new StatusReporter({
      writer,
      random: () => 0.5,
      onWrite: (name, result) => results.push(`${name} ${result}`),
    });
  });
  afterEach(() => {
    reporter.stop();
    vi.useRealTimers();
  });

  it('writes a change after the short coalescing window, with lastReportTime', async () => {
    reporter.update('s1', { ...established, state: 'Connect' });
    reporter.update('s1', { ...established, state: 'OpenSent' });
    reporter.update('s1', established);
    expect(writer.writes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(250);
    expect(writer.writes).toHaveLength(1);
    expect(writer.writes[0]?.status).toEqual({ ...established, lastReportTime: '2026-01-01T00:00:00Z' });
  });

  it('heartbeats every 30 s when nothing changes, and never more often', async () => {
    reporter.update('s1', established);
    await vi.advanceTimersByTimeAsync(250);
    // The same content again (what a keepalive would produce) writes nothing.
    for (let i = 0; i < 20; i++) {
      reporter.update('s1', established);
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(writer.writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(writer.writes).toHaveLength(2);
    expect(writer.writes[1]?.status.lastReportTime).toBe('2026-01-01T00:00:30Z');
    await vi.advanceTimersByTimeAsync(90_000);
    expect(writer.writes.map((w) => w.status.lastReportTime)).toEqual([
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:30Z',
      '2026-01-01T00:01:00Z',
      '2026-01-01T00:01:30Z',
      '2026-01-01T00:02:00Z',
    ]);
  });

  it('a change between heartbeats is written at once and restarts the heartbeat', async () => {
    reporter.update('s1', established);
    await vi.advanceTimersByTimeAsync(10_000);
    reporter.update('s1', { ...established, state: 'Idle', establishedSince: null });
    await vi.advanceTimersByTimeAsync(250);
    expect(writer.writes.map((w) => w.status.state)).toEqual(['Established', 'Idle']);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(writer.writes).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(writer.writes).toHaveLength(3);
  });

  it('a stream of changes cannot postpone the write forever', async () => {
    for (let i = 0; i < 10; i++) {
      reporter.update('s1', { ...established, receivedPrefixes: i });
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(writer.writes.length).toBeGreaterThanOrEqual(3);
  });

  it('retries with exponential backoff on conflict and server errors, then writes the newest content', async () => {
    writer.failures = [
      new StatusWriteError('conflict', 409),
      new StatusWriteError('unavailable', 503),
      new StatusWriteError('network'),
    ];
    reporter.update('s1', established);
    await vi.advanceTimersByTimeAsync(250); // attempt 1 fails -> retry in ~375 ms (500 * 0.75)
    expect(results).toEqual(['s1 error']);
    reporter.update('s1', { ...established, receivedPrefixes: 7 });
    await vi.advanceTimersByTimeAsync(375); // attempt 2 fails -> ~750 ms
    expect(results).toEqual(['s1 error', 's1 error']);
    await vi.advanceTimersByTimeAsync(749);
    expect(results).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // attempt 3 fails -> ~1500 ms
    await vi.advanceTimersByTimeAsync(1500);
    expect(results).toEqual(['s1 error', 's1 error', 's1 error', 's1 ok']);
    expect(writer.writes[0]?.status.receivedPrefixes).toBe(7);
  });

  it('caps the backoff', async () => {
    writer.failures = Array.from({ length: 12 }, () => new StatusWriteError('down', 500));
    reporter = new StatusReporter({ writer, random: () => 1, maxBackoffMs: 4_000 });
    reporter.update('s1', established);
    await vi.advanceTimersByTimeAsync(250 + 500 + 1000 + 2000 + 4000 * 9 - 1);
    expect(writer.writes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(writer.writes).toHaveLength(1);
  });

  it('forgets a session whose object is gone (404)', async () => {
    writer.failures = [new StatusWriteError('not found', 404)];
    reporter.update('s1', established);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(results).toEqual(['s1 gone']);
    expect(reporter.sessions()).toEqual([]);
  });

  it('flush writes pending content at once; forget and stop cancel writes', async () => {
    reporter.update('s1', established);
    reporter.update('s2', established);
    reporter.forget('s2');
    await reporter.flush();
    expect(writer.writes.map((w) => w.name)).toEqual(['s1']);
    expect(reporter.lastWritten('s1')?.at).toBe(Date.now());
    reporter.stop();
    reporter.update('s1', { ...established, state: 'Idle' });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(writer.writes).toHaveLength(1);
  });
});
