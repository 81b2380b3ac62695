import { describe, expect, it } from 'vitest';
import { captureLogger } from '../test-support/log-capture.js';
import { PEER_LINES_PER_WINDOW } from './peer-log-limiter.js';
import {
  createSpeakerEventLogger,
  groupDigits,
  logSpeakerEvent,
  speakerEventOptions,
  stateChangeMessage,
  UPDATE_LOG_PREFIXES,
} from './speaker-log.js';

describe('logSpeakerEvent', () => {
  it('logs a state change with old, new and reason', () => {
    const { log, lines } = captureLogger();
    logSpeakerEvent(log, {
      type: 'state',
      peer: '10.0.1.254',
      from: 'Active',
      to: 'OpenSent',
      reason: 'new-connection',
    });
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'state changed old=BGP_FSM_ACTIVE new=BGP_FSM_OPENSENT reason=new-connection',
      peer: '10.0.1.254',
      old: 'BGP_FSM_ACTIVE',
      new: 'BGP_FSM_OPENSENT',
      reason: 'new-connection',
    });
  });

  it('logs BFD changes: reaching Up at info, leaving Up at warn with the measured silence', () => {
    const { log, lines } = captureLogger();
    const base = { type: 'bfd-state', peer: '10.0.1.254', detectionTimeMs: 900 } as const;
    logSpeakerEvent(log, { ...base, from: 'Init', to: 'Up', diagnostic: 'none' });
    logSpeakerEvent(log, {
      ...base,
      from: 'Up',
      to: 'Down',
      diagnostic: 'control-detection-time-expired',
      silentMs: 905.4,
    });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'BFD Init -> Up (none)', peer: '10.0.1.254' }),
      expect.objectContaining({
        level: 'warn',
        msg: 'BFD Up -> Down (control-detection-time-expired)',
        peer: '10.0.1.254',
        detectionTimeMs: 900,
        silentMs: 905,
      }),
    ]);
  });

  it('logs updates at info with attributes and NLRI', () => {
    const { log, lines } = captureLogger('info');
    const attrs = '[{Origin: i} 4273481990 {Nexthop: 21.0.101.64}]';
    logSpeakerEvent(log, {
      type: 'update-sent',
      peer: 'p',
      nlri: ['10.0.0.8/32'],
      withdrawn: [],
      attributes: attrs,
    });
    logSpeakerEvent(log, {
      type: 'update-received',
      peer: 'p',
      nlri: [],
      withdrawn: ['10.9.0.0/16'],
      attributes: '',
      pathIds: [1],
    });
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'sent update',
      nlri: ['10.0.0.8/32'],
      attributes: attrs,
    });
    expect(lines[1]).toMatchObject({ msg: 'received update', withdrawn: ['10.9.0.0/16'], pathIds: [1] });
  });

  it('logs keepalives at debug only', () => {
    const info = captureLogger('info');
    logSpeakerEvent(info.log, { type: 'keepalive-sent', peer: 'p' });
    logSpeakerEvent(info.log, { type: 'keepalive-received', peer: 'p' });
    expect(info.lines).toHaveLength(0);
    const debug = captureLogger('debug');
    logSpeakerEvent(debug.log, { type: 'keepalive-sent', peer: 'p' });
    logSpeakerEvent(debug.log, { type: 'keepalive-received', peer: 'p' });
    expect(debug.lines.map((l) => [l.level, l.msg])).toEqual([
      ['debug', 'sent keepalive'],
      ['debug', 'received keepalive'],
    ]);
  });

  it('logs NOTIFICATIONs with code, subcode and text', () => {
    const { log, lines } = captureLogger();
    const text = 'Cease/Administrative Shutdown: "bgpadvertiser stopping"';
    logSpeakerEvent(log, { type: 'notification-received', peer: 'p', code: 6, subcode: 2, text });
    logSpeakerEvent(log, {
      type: 'notification-sent',
      peer: 'p',
      code: 2,
      subcode: 2,
      text: 'OPEN Message Error/Bad Peer AS',
    });
    expect(lines[0]).toMatchObject({
      level: 'warn',
      code: 6,
      subcode: 2,
      text,
      msg: `received notification: ${text}`,
    });
    expect(lines[1]).toMatchObject({
      level: 'warn',
      msg: 'sent notification: OPEN Message Error/Bad Peer AS',
      code: 2,
    });
    logSpeakerEvent(log, { type: 'notification-sent', peer: 'p', code: 6, subcode: 2, text });
    expect(lines[2]).toMatchObject({ level: 'info', msg: `sent notification: ${text}` });
  });

  it('logs negotiation results and errors', () => {
    const { log, lines } = captureLogger();
    const negotiated = {
      holdTime: 9,
      keepaliveTime: 3,
      fourOctetAs: true,
      addPathSend: true,
      addPathReceive: false,
      extendedMessage: false,
      routeRefresh: true,
      enhancedRouteRefresh: false,
      gracefulRestart: false,
      peerAsn: 65002,
      peerRouterId: '10.0.1.254',
      families: ['ipv4-unicast'],
    };
    logSpeakerEvent(log, { type: 'open-negotiated', peer: 'p', negotiated });
    logSpeakerEvent(log, { type: 'end-of-rib-sent', peer: 'p', family: 'ipv4-unicast' });
    logSpeakerEvent(log, { type: 'end-of-rib-received', peer: 'p', family: 'ipv4-unicast' });
    logSpeakerEvent(log, { type: 'route-refresh-received', peer: 'p', family: 'ipv4-unicast', subtype: 0 });
    logSpeakerEvent(log, { type: 'error', peer: 'p', error: new Error('EADDRNOTAVAIL') });
    expect(lines[0]).toMatchObject({ msg: 'open negotiated', negotiated: { holdTime: 9 } });
    expect(lines.slice(1, 4).map((l) => l.msg)).toEqual([
      'sent end-of-rib',
      'received end-of-rib',
      'received route refresh',
    ]);
    expect(lines[4]).toMatchObject({ level: 'error', msg: 'speaker error: EADDRNOTAVAIL' });
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.1.254:179'), { code: 'ECONNREFUSED' });
    logSpeakerEvent(log, { type: 'error', peer: 'p', error: refused });
    expect(lines[5]).toEqual(
      expect.objectContaining({
        level: 'warn',
        code: 'ECONNREFUSED',
        msg: 'connection error: connect ECONNREFUSED 10.0.1.254:179',
      }),
    );
    expect(lines[5]).not.toHaveProperty('err');
  });

  it('formats the state names as GoBGP does', () => {
    expect(stateChangeMessage('OpenConfirm', 'Established', 'open-msg-negotiated')).toBe(
      'state changed old=BGP_FSM_OPENCONFIRM new=BGP_FSM_ESTABLISHED reason=open-msg-negotiated',
    );
  });
});

describe('log discipline', () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`);

  it('lists at most UPDATE_LOG_PREFIXES prefixes at info and the full list at debug', () => {
    const info = captureLogger('info');
    const e = {
      type: 'update-received' as const,
      peer: 'p',
      nlri: many(5000),
      withdrawn: [],
      attributes: '[...]',
    };
    logSpeakerEvent(info.log, e);
    expect(info.lines).toHaveLength(1);
    expect(info.lines[0]).toMatchObject({
      level: 'info',
      msg: 'received update (... and 4,990 more)',
      more: 4990,
    });
    expect(info.lines[0]!.nlri).toEqual(e.nlri.slice(0, UPDATE_LOG_PREFIXES));
    const debug = captureLogger('debug');
    logSpeakerEvent(debug.log, e);
    expect(debug.lines.map((l) => [l.level, l.msg])).toEqual([
      ['info', 'received update (... and 4,990 more)'],
      ['debug', 'received update (full list)'],
    ]);
    expect(debug.lines[1]!.nlri).toEqual(e.nlri);
  });

  it('groups digits by thousands as en-US does', () => {
    for (const n of [0, 7, 999, 1000, 4990, 12345, 999999, 1000000, 2000000000, -4990])
      expect(groupDigits(n)).toBe(n.toLocaleString('en-US'));
  });

  it('asks the speaker for the listed prefixes only below debug, and counts the totals it reports', () => {
    const info = captureLogger('info');
    expect(speakerEventOptions(info.log)).toEqual({
      updateEvents: { receivedPrefixes: UPDATE_LOG_PREFIXES },
    });
    expect(speakerEventOptions(captureLogger('debug').log)).toEqual({ updateEvents: {} });
    // An event cut at the limit by the speaker: the message counts from its totals.
    logSpeakerEvent(info.log, {
      type: 'update-received',
      peer: 'p',
      nlri: many(UPDATE_LOG_PREFIXES),
      withdrawn: many(2),
      nlriTotal: 500,
      withdrawnTotal: 2,
      attributes: '[...]',
    });
    expect(info.lines).toHaveLength(1);
    expect(info.lines[0]).toMatchObject({ msg: 'received update (... and 490 more)', more: 490 });
  });

  it('peer protocol errors: warn without a stack, rate-limited per peer, then one "suppressed N" line', () => {
    const { log, lines } = captureLogger('info');
    let now = 0;
    const write = createSpeakerEventLogger(log, { now: () => now });
    const error = new Error('UPDATE: ORIGIN value 7 is not 0..2 (treat-as-withdraw)');
    for (let i = 0; i < 50; i++) {
      write({ type: 'error', peer: 'p1', error, source: 'peer', class: 'update-treat-as-withdraw' });
      write({ type: 'error', peer: 'p2', error, source: 'peer', class: 'update-treat-as-withdraw' });
    }
    expect(lines).toHaveLength(2 * PEER_LINES_PER_WINDOW);
    expect(lines[0]).toEqual({
      level: 'warn',
      time: expect.anything(),
      peer: 'p1',
      class: 'update-treat-as-withdraw',
      msg: `peer protocol error: ${error.message}`,
    });
    expect(JSON.stringify(lines)).not.toContain('stack');
    now += 60_000;
    write({ type: 'error', peer: 'p1', error, source: 'peer', class: 'update-treat-as-withdraw' });
    expect(lines.slice(-2).map((l) => [l.peer, l.msg])).toEqual([
      [
        'p1',
        'suppressed 45 similar lines about peer p1 (protocol errors, NOTIFICATIONs); the metrics count them all',
      ],
      ['p1', `peer protocol error: ${error.message}`],
    ]);
    write.flush();
    expect(lines.at(-1)).toMatchObject({ level: 'warn', peer: 'p2', suppressed: 45 });
  });

  it('internal errors keep their stack at error; unnegotiated families are one warning', () => {
    const { log, lines } = captureLogger('info');
    const write = createSpeakerEventLogger(log);
    write({ type: 'error', peer: 'p', error: new Error('bug'), source: 'local' });
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'speaker error: bug' });
    expect((lines[0]!.err as { stack: string }).stack).toContain('Error: bug');
    write({ type: 'unnegotiated-family', peer: 'p', family: '2/1', prefixes: 3 });
    expect(lines[1]).toMatchObject({ level: 'warn', family: '2/1', prefixes: 3 });
    write({ type: 'error', error: new Error('refused connection from 10.0.0.9'), source: 'connection' });
    expect(lines[2]).toEqual({
      level: 'warn',
      time: expect.anything(),
      msg: 'connection error: refused connection from 10.0.0.9',
    });
  });
});
