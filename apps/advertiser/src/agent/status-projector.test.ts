import { FakeClock } from '@bgplb/bgp-fsm';
import { describe, expect, it } from 'vitest';
import type { PeerStatus } from '../shared/index.js';
import {
  type Refusal,
  refusedStatus,
  runningStatus,
  StatusProjector,
  shutDownStatus,
} from './status-projector.js';
import { StatusReporter } from './status-reporter.js';
import { MemoryStatusWriter } from './test-support/fakes.js';

function peerStatus(extra: Partial<PeerStatus> = {}): PeerStatus {
  return {
    id: 's1',
    state: 'Established',
    uptime: 5,
    counters: {
      messagesIn: {},
      messagesOut: {},
      prefixesAnnounced: 2,
      pathsAnnounced: 2,
      prefixesReceived: 7,
      prefixesReceivedByFamily: {},
      prefixesIgnored: 0,
      peerErrors: {},
      flaps: 0,
    },
    lastStateChange: new Date(0),
    establishedSince: new Date(2_000),
    advertisedPrefixes: ['10.0.0.9/32', '10.0.0.8/32'],
    ...extra,
  };
}

describe('status shapes', () => {
  it('a running session shows what the speaker reports, prefixes sorted', () => {
    expect(runningStatus(peerStatus(), undefined)).toEqual({
      state: 'Established',
      advertisedRoutes: ['10.0.0.8/32', '10.0.0.9/32'],
      advertisedPrefixes: 2,
      receivedPrefixes: 7,
      establishedSince: '1970-01-01T00:00:02Z',
      lastError: null,
      bfdState: null,
      capabilities: null,
      flapCount: 0,
      lastTransition: null,
    });
    expect(runningStatus(undefined, undefined)).toMatchObject({ state: 'Idle', establishedSince: null });
  });

  const negotiated = {
    holdTime: 90,
    keepaliveTime: 30,
    fourOctetAs: true,
    addPathSend: true,
    addPathReceive: false,
    extendedMessage: false,
    routeRefresh: true,
    enhancedRouteRefresh: false,
    gracefulRestart: true,
    peerAsn: 65000,
    peerRouterId: '10.0.1.254',
    families: ['1/1'],
  };

  it('capabilities show what was negotiated while Established, and are cleared when it goes down', () => {
    expect(runningStatus(peerStatus({ negotiated }), undefined).capabilities).toEqual({
      addPathSend: true,
      addPathReceive: false,
      gracefulRestart: true,
      fourOctetAS: true,
      extendedMessage: false,
      routeRefresh: true,
      holdTime: 90,
    });
    expect(
      runningStatus(
        peerStatus({ negotiated: { ...negotiated, addPathSend: false, addPathReceive: true } }),
        undefined,
      ).capabilities,
    ).toMatchObject({ addPathSend: false, addPathReceive: true });
    expect(runningStatus(peerStatus({ state: 'Idle', negotiated }), undefined).capabilities).toBeNull();
    expect(refusedStatus({ reason: 'x', since: 0 }).capabilities).toBeNull();
  });

  it("flapCount follows the speaker's flap counter", () => {
    const ps = peerStatus();
    expect(runningStatus(ps, undefined).flapCount).toBe(0);
    ps.counters.flaps = 3;
    expect(runningStatus(ps, undefined).flapCount).toBe(3);
  });

  it('lastTransition is the last FSM change, with its reason and time', () => {
    expect(
      runningStatus(
        peerStatus({
          state: 'Idle',
          lastTransition: {
            from: 'Established',
            to: 'Idle',
            reason: 'hold-timer-expired',
            at: new Date(7_000),
          },
        }),
        undefined,
      ).lastTransition,
    ).toEqual({
      from: 'Established',
      to: 'Idle',
      reason: 'hold-timer-expired',
      time: '1970-01-01T00:00:07Z',
    });
  });

  it('a session with BFD shows its BFD state; without BFD bfdState is cleared (null)', () => {
    for (const state of ['Up', 'Down', 'Init', 'AdminDown'] as const) {
      expect(runningStatus(peerStatus({ bfd: { state, transitions: {} } }), undefined).bfdState).toBe(state);
    }
    expect(runningStatus(peerStatus(), undefined).bfdState).toBeNull();
    expect(refusedStatus({ reason: 'not held', since: 0 }).bfdState).toBeNull();
  });

  it('the newer of the last NOTIFICATION and the last transport error wins', () => {
    const notification = {
      code: 6,
      subcode: 4,
      text: 'Cease/Administrative Reset',
      direction: 'received' as const,
      at: new Date(10_000),
    };
    const older = { code: 0, subcode: 0, message: 'ECONNRESET', time: '1970-01-01T00:00:05Z' };
    const newer = { ...older, time: '1970-01-01T00:00:20Z' };
    const ps = peerStatus({ state: 'Active', lastError: notification });
    expect(runningStatus(ps, older).lastError).toMatchObject({ code: 6, subcode: 4, direction: 'received' });
    expect(runningStatus(ps, newer).lastError).toBe(newer);
    expect(runningStatus(ps, newer).establishedSince).toBeNull();
  });

  it('refused and shut-down sessions are Idle with why', () => {
    expect(refusedStatus({ reason: 'no floating IP', since: 0 })).toMatchObject({
      state: 'Idle',
      lastError: { code: 0, message: 'no floating IP', time: '1970-01-01T00:00:00Z' },
    });
    expect(shutDownStatus('agent stopping', 0).lastError).toEqual({
      code: 6,
      subcode: 2,
      message: 'Cease/Administrative Shutdown: agent stopping',
      direction: 'sent',
      time: '1970-01-01T00:00:00Z',
    });
  });
});

describe('StatusProjector', () => {
  function setup() {
    const clock = new FakeClock();
    const writer = new MemoryStatusWriter();
    const reporter = new StatusReporter({ writer, clock, debounceMs: 0 });
    const running = new Set<string>(['s1']);
    const refused = new Map<string, Refusal>([['s2', { reason: 'not held', since: 0 }]]);
    const projector = new StatusProjector({
      reporter,
      speaker: { peerStatus: (id: string) => (id === 's1' ? peerStatus() : undefined) },
      sessions: { isRunning: (n) => running.has(n), refusal: (n) => refused.get(n) },
      clock,
    });
    return { clock, writer, reporter, projector, running, refused };
  }

  it('remembers a transport error once, and forgets it when the session restarts', () => {
    const t = setup();
    expect(t.projector.noteTransportError('s1', 'connect ECONNREFUSED')).toBe(true);
    expect(t.projector.noteTransportError('s1', 'connect ECONNREFUSED')).toBe(false);
    expect(t.projector.noteTransportError('s1', 'read ECONNRESET')).toBe(true);
    t.projector.sessionStarted('s1');
    expect(t.projector.noteTransportError('s1', 'read ECONNRESET')).toBe(true);
    t.reporter.stop();
  });

  it('reports the sessions of this node that run or are refused, and forgets the others', async () => {
    const t = setup();
    const obj = (name: string) => ({ metadata: { name } });
    t.projector.reportAll([obj('s1'), obj('s2'), obj('s3'), {}]);
    expect(t.reporter.sessions().sort()).toEqual(['s1', 's2']);
    t.running.delete('s1');
    t.projector.reportAll([obj('s2')]);
    expect(t.reporter.sessions()).toEqual(['s2']);
    t.projector.reportShutDown(['s2'], 'bye');
    await t.reporter.flush();
    expect(t.writer.statuses.get('s2')?.lastError?.message).toBe('Cease/Administrative Shutdown: bye');
    t.reporter.stop();
  });
});
