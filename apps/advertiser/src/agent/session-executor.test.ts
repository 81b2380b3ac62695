import type { EventSpec } from '@bgplb/kube-runtime';
import { describe, expect, it } from 'vitest';
import { captureLogger } from '../test-support/log-capture.js';
import { SessionExecutor } from './session-executor.js';
import { type DesiredSession, planSessions } from './session-plan.js';
import { FakeAgentSpeaker } from './test-support/fakes.js';

function session(name: string, floatingIP: string, peerIP = '10.0.1.254'): unknown {
  return {
    apiVersion: 'networking.gke.io/v1',
    kind: 'BGPSession',
    metadata: { name, namespace: 'kube-system', uid: `uid-${name}` },
    spec: { floatingIP, localIP: floatingIP, localASN: 65001, peerASN: 65000, nodeName: 'node-a', peerIP },
  };
}

function plan(sessions: unknown[], held: string[]) {
  const assignments = Object.fromEntries(held.map((ip) => [ip, 'node-a']));
  return planSessions({
    node: 'node-a',
    sessions,
    peers: [],
    assignments,
    gatewayGroupFound: true,
    held: new Set(held),
    floatingIPProblems: new Map(),
    peerPort: 179,
    gracefulRestartTime: 120,
    defaultConnectRetryTime: 5,
  });
}

function setup() {
  const log: string[] = [];
  const speaker = new FakeAgentSpeaker(log);
  const events: EventSpec[] = [];
  const started: string[] = [];
  const executor = new SessionExecutor({
    node: 'node-a',
    speaker,
    chooser: { choose: (_prefix, paths) => paths.at(-1) },
    logger: captureLogger('debug').log,
    events: { record: (e) => events.push(e) },
    statusNamespace: 'kube-system',
    onStarted: (name) => started.push(name),
  });
  return { log, speaker, events, started, executor };
}

describe('SessionExecutor', () => {
  it('starts the desired sessions with GR, a short IdleHold cap and the chooser as path selector', async () => {
    const t = setup();
    const toStart = await t.executor.stopUnwanted(plan([session('s1', '10.0.1.100')], ['10.0.1.100']), 0, []);
    expect(toStart.map((d: DesiredSession) => d.name)).toEqual(['s1']);
    expect(t.log).toEqual([]); // nothing runs before start()
    t.executor.start(toStart, true);
    expect(t.log).toEqual(['addPeer s1 from 10.0.1.100 (restarting)']);
    expect(t.started).toEqual(['s1']);
    expect(t.speaker.agentConfigs.get('s1')).toMatchObject({
      routerId: '10.0.1.100',
      gracefulRestart: { restartTime: 120, restarting: true },
      idleHoldMaxTime: 15,
    });
    const paths = [{ nextHop: '10.0.1.10' }, { nextHop: '10.0.1.11' }];
    expect(t.speaker.agentConfigs.get('s1')?.pathSelector?.('10.0.0.8/32', paths)).toBe(paths[1]);
    expect(t.executor.runningNames()).toEqual(['s1']);
    expect(t.executor.hasSessionTo(new Set(['10.0.1.254']))).toBe(true);
    expect(t.executor.hasSessionTo(new Set(['10.0.1.253']))).toBe(false);
  });

  it('records refusals once (Event on the BGPSession), and stops a session the plan now refuses', async () => {
    const t = setup();
    const objects = [session('s1', '10.0.1.100')];
    t.executor.start(await t.executor.stopUnwanted(plan(objects, ['10.0.1.100']), 0, objects), false);
    t.log.length = 0;
    for (const now of [1_000, 2_000]) {
      expect(await t.executor.stopUnwanted(plan(objects, []), now, objects)).toEqual([]);
    }
    expect(t.log).toEqual([
      expect.stringMatching(/^removePeer s1: withdraw \+ Cease \(.*does not hold it\)$/),
    ]);
    expect(t.executor.refusal('s1')).toMatchObject({ since: 1_000 });
    expect(t.executor.refusedCount()).toBe(1);
    expect(t.events).toHaveLength(1);
    expect(t.events[0]?.involved).toEqual({
      apiVersion: 'networking.gke.io/v1',
      kind: 'BGPSession',
      name: 's1',
      namespace: 'kube-system',
      uid: 'uid-s1',
    });
    await t.executor.stopUnwanted(plan([], []), 3_000, []);
    expect(t.executor.refusals()).toEqual(new Map());
  });

  it('stops the sessions of one floating IP (gracefully when asked) and all at shutdown', async () => {
    const t = setup();
    const objects = [session('s1', '10.0.1.100'), session('s2', '10.0.1.101', '10.0.1.253')];
    const held = ['10.0.1.100', '10.0.1.101'];
    t.executor.start(await t.executor.stopUnwanted(plan(objects, held), 0, objects), false);
    t.log.length = 0;
    await t.executor.stopOn('10.0.1.100', 'moved', true);
    expect(t.log).toEqual(['removePeer s1: graceful, TCP closed (moved)']);
    expect(await t.executor.stopAll('bye')).toEqual(['s2']);
    expect(t.executor.runningCount()).toBe(0);
  });

  it('a failing removePeer is logged and the session forgotten', async () => {
    const t = setup();
    const objects = [session('s1', '10.0.1.100')];
    t.executor.start(await t.executor.stopUnwanted(plan(objects, ['10.0.1.100']), 0, objects), false);
    t.speaker.removePeer = async () => {
      throw new Error('socket gone');
    };
    await expect(t.executor.stop('s1', 'test')).resolves.toBeUndefined();
    expect(t.executor.isRunning('s1')).toBe(false);
  });
});
