import type { FloatingIPMove } from '@bgplb/floating-ip-allocator';
import { describe, expect, it } from 'vitest';
import { T0 } from '../test-support/fixtures.js';
import type { SessionObject } from '../types.js';
import {
  HELD_MOVE_RECHECK_MS,
  holdMovesForPeers,
  type LiveSession,
  liveSessionsOf,
  MAX_MOVE_HOLD_MS,
  SESSION_REPORT_FRESH_MS,
} from './make-before-break.js';

// Peer p1 has sessions from 10.0.1.100 (node-a, draining) and 10.0.1.101 (node-b).
const MOVE: FloatingIPMove = {
  ip: '10.0.1.100',
  from: 'node-a',
  to: 'node-c',
  reason: 'node-not-ready',
  dueAt: T0,
};
const session = (over: Partial<LiveSession>): LiveSession => ({
  peer: 'p1',
  floatingIP: '10.0.1.100',
  nodeName: 'node-a',
  established: true,
  reportedAt: T0,
  ...over,
});
const OTHER = session({ floatingIP: '10.0.1.101', nodeName: 'node-b' });
const decide = (sessions: LiveSession[], over: Partial<Parameters<typeof holdMovesForPeers>[0]> = {}) =>
  holdMovesForPeers({
    moves: [MOVE],
    sessions: [session({}), ...sessions],
    draining: new Map([['node-a', T0 - 30_000]]),
    ready: new Set(['node-a', 'node-b', 'node-c']),
    now: T0,
    ...over,
  });

describe('holdMovesForPeers: make-before-break of a draining holder', () => {
  it("moves once the peer's other session is Established and freshly reported", () => {
    expect(decide([OTHER])).toEqual({ moves: [MOVE], held: [], forced: [], recheckAt: null });
  });

  it.each([
    ['not Established', { established: false }],
    ['reported too long ago', { reportedAt: T0 - SESSION_REPORT_FRESH_MS - 1 }],
    ['never reported', { reportedAt: undefined }],
    ['on a draining node', { nodeName: 'node-d' }],
  ])('holds the floating IP while the other session is %s', (_, over) => {
    const d = decide([{ ...OTHER, ...over }], {
      draining: new Map([
        ['node-a', T0 - 30_000],
        ['node-d', T0 - 1_000],
      ]),
    });
    expect(d.moves).toEqual([]);
    expect(d.held).toEqual([{ move: MOVE, waitingFor: ['p1'] }]);
    expect(d.recheckAt).toBe(T0 + HELD_MOVE_RECHECK_MS);
  });

  it('a report exactly at the staleness bound still counts', () => {
    expect(decide([{ ...OTHER, reportedAt: T0 - SESSION_REPORT_FRESH_MS }]).moves).toEqual([MOVE]);
  });

  it('waits for every peer of the floating IP, and names those it waits for', () => {
    const p2 = session({ peer: 'p2' });
    const p2other = session({ peer: 'p2', floatingIP: '10.0.1.102', nodeName: 'node-c', established: false });
    expect(decide([OTHER, p2, p2other]).held).toEqual([{ move: MOVE, waitingFor: ['p2'] }]);
  });

  it('moves after the longest hold past its due time, reported as forced', () => {
    const late = decide([{ ...OTHER, established: false }], { now: T0 + MAX_MOVE_HOLD_MS });
    expect(late.moves).toEqual([MOVE]);
    expect(late.forced).toEqual([{ move: MOVE, waitingFor: ['p1'] }]);
    expect(late.recheckAt).toBeNull();
    // Without a due time the drain's start counts.
    const { dueAt: _, ...undated } = MOVE;
    const d = decide([{ ...OTHER, established: false }], {
      moves: [undated],
      now: T0 - 30_000 + MAX_MOVE_HOLD_MS,
    });
    expect(d.forced).toHaveLength(1);
  });

  it('holds nothing for a peer with no other session, a holder that is not Ready or not draining', () => {
    expect(decide([]).moves).toEqual([MOVE]);
    expect(
      decide([{ ...OTHER, established: false }], { ready: new Set(['node-b', 'node-c']) }).moves,
    ).toEqual([MOVE]);
    expect(decide([{ ...OTHER, established: false }], { draining: new Map() }).moves).toEqual([MOVE]);
    const first: FloatingIPMove = { ip: '10.0.1.100', from: null, to: 'node-c', reason: 'initial' };
    expect(decide([{ ...OTHER, established: false }], { moves: [first] }).moves).toEqual([first]);
  });
});

describe('liveSessionsOf', () => {
  const object = (labels: Record<string, string>, status?: Record<string, unknown>): SessionObject => ({
    metadata: { name: 's', labels },
    spec: {
      floatingIP: '10.0.1.100',
      localIP: '10.0.1.100',
      localASN: 65001,
      peerASN: 65002,
      peerIP: '10.8.0.10',
      nodeName: 'node-a',
    },
    ...(status === undefined ? {} : { status }),
  });
  const service = { 'bgplb.io/session-kind': 'service', 'networking.gke.io/peer': 'p1' };

  it('reads state and report time of the Service sessions only', () => {
    const at = new Date(T0).toISOString();
    expect(
      liveSessionsOf([
        object(service, { state: 'Established', lastReportTime: at }),
        object(service, { state: 'Active', lastReportTime: 'garbage' }),
        object(service),
        object({ ...service, 'bgplb.io/session-kind': 'control-plane' }, { state: 'Established' }),
        object({ 'bgplb.io/session-kind': 'service' }, { state: 'Established' }),
      ]),
    ).toEqual([
      { peer: 'p1', floatingIP: '10.0.1.100', nodeName: 'node-a', established: true, reportedAt: T0 },
      { peer: 'p1', floatingIP: '10.0.1.100', nodeName: 'node-a', established: false, reportedAt: undefined },
      { peer: 'p1', floatingIP: '10.0.1.100', nodeName: 'node-a', established: false, reportedAt: undefined },
    ]);
  });
});
