import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeSpeaker } from '../test-support/fake-speaker.js';
import { captureLogger } from '../test-support/log-capture.js';
import {
  formatUptime,
  PEER_STATE_REPORT_INTERVAL_MS,
  peerStateLine,
  startPeerStateReport,
} from './peer-state-report.js';

describe('formatUptime', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [60, '1m0s'],
    [330, '5m30s'],
    [3_605, '1h0m5s'],
    [93_784, '1d2h3m'],
    [-5, '0s'],
    [59.9, '59s'],
  ])('%d s is %s', (seconds, text) => {
    expect(formatUptime(seconds)).toBe(text);
  });
});

const speakerWithPeer = () => {
  const speaker = new FakeSpeaker();
  speaker.addPeer({ peerAddress: '10.0.1.254', peerAsn: 65002, localAsn: 65001, localAddress: '10.0.1.10' });
  return speaker;
};

describe('peerStateLine', () => {
  it('is the line operators grep for, with the same as fields', () => {
    const speaker = speakerWithPeer();
    const status = speaker.peerStatus('10.0.1.254');
    if (status === undefined) throw new Error('no peer');
    Object.assign(status, { state: 'Established', uptime: 330 });
    status.counters.prefixesAnnounced = 1;
    expect(peerStateLine(status)).toEqual({
      fields: { peer: '10.0.1.254', state: 'BGP_FSM_ESTABLISHED', uptime: 330, prefixesSent: 1 },
      msg: 'peer 10.0.1.254 state BGP_FSM_ESTABLISHED uptime 5m30s prefixes sent 1',
    });
  });
});

describe('startPeerStateReport', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs every peer every 30 s and a peer on each state change, until stopped', async () => {
    vi.useFakeTimers();
    const speaker = speakerWithPeer();
    speaker.addPeer({
      peerAddress: '10.0.2.254',
      peerAsn: 65002,
      localAsn: 65001,
      localAddress: '10.0.1.10',
    });
    const { log, lines } = captureLogger('info');
    const report = startPeerStateReport(speaker, log);
    const msgs = () => lines.map((l) => l.msg);

    speaker.setState('10.0.1.254', 'Active');
    expect(msgs()).toEqual([]); // deferred a turn, so that the routes sent at Established count
    await vi.advanceTimersByTimeAsync(0);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        peer: '10.0.1.254',
        state: 'BGP_FSM_ACTIVE',
        uptime: 0,
        prefixesSent: 0,
        msg: 'peer 10.0.1.254 state BGP_FSM_ACTIVE uptime 0s prefixes sent 0',
      }),
    ]);

    await vi.advanceTimersByTimeAsync(PEER_STATE_REPORT_INTERVAL_MS - 1);
    expect(lines).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(msgs().slice(1)).toEqual([
      'peer 10.0.1.254 state BGP_FSM_ACTIVE uptime 0s prefixes sent 0',
      'peer 10.0.2.254 state BGP_FSM_IDLE uptime 0s prefixes sent 0',
    ]);

    const status = speaker.peerStatus('10.0.2.254');
    if (status) status.counters.prefixesAnnounced = 1;
    speaker.setState('10.0.2.254', 'Established', { uptime: 95 });
    await vi.advanceTimersByTimeAsync(0);
    expect(msgs().at(-1)).toBe('peer 10.0.2.254 state BGP_FSM_ESTABLISHED uptime 1m35s prefixes sent 1');

    report.stop();
    speaker.setState('10.0.1.254', 'Idle');
    await vi.advanceTimersByTimeAsync(3 * PEER_STATE_REPORT_INTERVAL_MS);
    expect(lines).toHaveLength(4);
  });

  it('skips a peer removed before its deferred line', async () => {
    const speaker = speakerWithPeer();
    const { log, lines } = captureLogger('info');
    const report = startPeerStateReport(speaker, log, 60_000);
    speaker.setState('10.0.1.254', 'Connect');
    await speaker.removePeer('10.0.1.254');
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([]);
    report.stop();
  });
});
