import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSpeaker } from '../test-support/fake-speaker.js';
import { captureLogger } from '../test-support/log-capture.js';
import { createSpeakerWithMetrics, startHealthOrShutdown } from './startup.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe('createSpeakerWithMetrics', () => {
  it('logs the speaker events and registers its session metrics', async () => {
    const { log, lines } = captureLogger();
    const fake = new FakeSpeaker();
    const started = await createSpeakerWithMetrics(log, async () => fake);
    expect(started?.speaker).toBe(fake);
    fake.addPeer({ peerAddress: '192.0.2.1', peerAsn: 65000, localAddress: '192.0.2.2', localAsn: 65001 });
    fake.emit({ type: 'state', peer: '192.0.2.1', from: 'Idle', to: 'Connect', reason: 'start' });
    expect(lines.some((l) => l.peer === '192.0.2.1' && l.level === 'info')).toBe(true);
    const text = await started?.registry.metrics();
    expect(text).toContain('bgplb_bgp_session_up{peer="192.0.2.1"} 0');
    expect(text).toContain('process_cpu_user_seconds_total');
    started?.peerReport.stop();
  });

  it("starts the per-peer state line for the speaker (the advertiser's and the agent's)", async () => {
    const { log, lines } = captureLogger('info');
    const fake = new FakeSpeaker();
    const started = await createSpeakerWithMetrics(log, async () => fake, 60_000);
    fake.addPeer({ peerAddress: '192.0.2.1', peerAsn: 65000, localAddress: '192.0.2.2', localAsn: 65001 });
    fake.setState('192.0.2.1', 'Established', { uptime: 330 });
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => l.msg)).toContain(
      'peer 192.0.2.1 state BGP_FSM_ESTABLISHED uptime 5m30s prefixes sent 0',
    );
    started?.peerReport.stop();
    fake.setState('192.0.2.1', 'Idle');
    await new Promise((r) => setImmediate(r));
    expect(lines.filter((l) => String(l.msg).startsWith('peer 192.0.2.1 state'))).toHaveLength(1);
  });

  it('logs a fatal error and resolves undefined when the speaker cannot be created', async () => {
    const { log, lines } = captureLogger();
    const started = await createSpeakerWithMetrics(log, async () => {
      throw new Error('no sockets left');
    });
    expect(started).toBeUndefined();
    expect(lines.find((l) => l.level === 'fatal')?.msg).toBe(
      'cannot create the BGP speaker: no sockets left',
    );
  });
});

describe('startHealthOrShutdown', () => {
  it('serves health and leaves the speaker running', async () => {
    const { log } = captureLogger();
    const speaker = new FakeSpeaker();
    const started = await createSpeakerWithMetrics(log, async () => speaker);
    if (!started) throw new Error('speaker not started');
    const health = await startHealthOrShutdown(
      {
        address: '127.0.0.1:0',
        logger: log,
        registry: started.registry,
        readiness: () => ({ ready: true, body: {} }),
      },
      speaker,
      'startup failed',
    );
    if (health) closers.push(() => health.close());
    expect(health?.port).toBeGreaterThan(0);
    expect(speaker.shutdownMessage).toBeUndefined();
  });

  it('when the address is taken: logs it, shuts the speaker down with the message, resolves undefined', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as { port: number }).port;
    const { log, lines } = captureLogger();
    const speaker = new FakeSpeaker();
    const started = await createSpeakerWithMetrics(log, async () => speaker);
    if (!started) throw new Error('speaker not started');
    const health = await startHealthOrShutdown(
      {
        address: `127.0.0.1:${port}`,
        logger: log,
        registry: started.registry,
        readiness: () => ({ ready: true, body: {} }),
      },
      speaker,
      'agent failed to start',
    );
    expect(health).toBeUndefined();
    expect(speaker.shutdownMessage).toBe('agent failed to start');
    expect(lines.filter((l) => l.level === 'fatal')).toHaveLength(1);
  });
});
