import { describe, expect, it } from 'vitest';
import { classifyStep, reachFailure, renderTable, type StepOutcome, summaryLine } from './report.js';

const cp1 = { ip: '10.0.1.10', name: 'cp1' };
const cp2 = { ip: '10.0.1.11', name: 'cp2' };
const cp3 = { ip: '10.0.2.10', name: 'cp3' };
const peer = { ip: '10.0.1.254', asn: 65002 };
const passed: StepOutcome = {
  node: cp1,
  peer,
  session: { ok: true },
  announce: { ok: true },
  reach: [
    { node: cp2, ok: true, answer: 'cp1', attempts: 1 },
    { node: cp3, ok: true, answer: 'cp1', attempts: 2 },
  ],
  echoed: false,
  cleanup: { ok: true },
};

describe('classifyStep', () => {
  it('PASS needs session, announce, every node reaching the VIP and a clean cleanup; the echo never counts', () => {
    expect(classifyStep(passed, '10.0.0.8', 443)).toEqual({
      node: 'cp1',
      nodeIp: '10.0.1.10',
      peer: '10.0.1.254',
      peerAsn: 65002,
      session: 'ok',
      announced: 'ok',
      reachable: '2/2',
      echoed: 'no',
      cleanup: 'ok',
      result: 'PASS',
      reasons: [],
    });
    const { cleanup: _c, ...noCleanup } = passed;
    const { reach: _r, ...noReach } = passed;
    expect(classifyStep(noCleanup, '10.0.0.8', 443).result).toBe('FAIL');
    expect(classifyStep(noReach, '10.0.0.8', 443).result).toBe('FAIL');
    expect(classifyStep({ ...passed, aborted: 'interrupted (SIGINT)' }, '10.0.0.8', 443).reasons).toEqual([
      'interrupted (SIGINT)',
    ]);
  });

  it('names every failure and every node that did not reach the VIP', () => {
    const row = classifyStep(
      {
        ...passed,
        reach: [
          { node: cp2, ok: false, error: 'timeout', attempts: 4 },
          { node: cp3, ok: false, answer: 'cp9', attempts: 1 },
        ],
        probe: { ok: false, reason: '--probe failed 1 time(s); last: exit 1' },
        cleanup: { ok: false, reason: 'left behind: 10.0.0.8/32 is still on lo' },
      },
      '10.0.0.8',
      443,
    );
    expect(row).toMatchObject({ reachable: '0/2', probe: 'FAIL', cleanup: 'FAIL', result: 'FAIL' });
    expect(row.reasons).toEqual([
      'reachable: 10.0.0.8:443 not reachable from 2 of 2 node(s): cp2 (10.0.1.11): connect timeout (4 attempts); cp3 (10.0.2.10): answered "cp9", not cp1 (the VIP leads to another node)',
      'probe: --probe failed 1 time(s); last: exit 1',
      'cleanup: left behind: 10.0.0.8/32 is still on lo',
    ]);
  });

  it('a failed session leaves the later checks out', () => {
    const row = classifyStep(
      { node: cp1, peer, session: { ok: false, reason: 'TCP connection refused' }, cleanup: { ok: true } },
      '10.0.0.8',
      443,
    );
    expect(row).toMatchObject({
      session: 'FAIL',
      announced: '-',
      reachable: '-',
      echoed: '-',
      result: 'FAIL',
    });
    expect(row.reasons).toEqual(['session: TCP connection refused']);
  });
});

describe('reachFailure', () => {
  it.each([
    [{ error: 'ECONNREFUSED', attempts: 1 }, 'cp2 (10.0.1.11): connection refused (1 attempt)'],
    [{ error: 'EHOSTUNREACH' }, 'cp2 (10.0.1.11): no route (EHOSTUNREACH)'],
    [{ error: 'ENETUNREACH' }, 'cp2 (10.0.1.11): no route (ENETUNREACH)'],
    [{ error: 'closed' }, 'cp2 (10.0.1.11): connected, but the connection closed without an answer'],
    [{ error: 'EPERM' }, 'cp2 (10.0.1.11): EPERM'],
    [{}, 'cp2 (10.0.1.11): no answer'],
    [
      { notRun: 'exit 127: sh: bgpadvertiser: not found' },
      'cp2 (10.0.1.11): the check did not run (exit 127: sh: bgpadvertiser: not found)',
    ],
  ])('%j', (o, text) => {
    expect(reachFailure({ node: cp2, ok: false, ...o }, 'cp1')).toBe(text);
  });
});

describe('renderTable and summaryLine', () => {
  it('aligns the columns, puts the reasons under their row, adds PROBE only when used', () => {
    const rows = [
      classifyStep(passed, '10.0.0.8', 443),
      classifyStep(
        { node: cp3, peer: { ip: '10.0.2.254', asn: 65002 }, session: { ok: false, reason: 'x' } },
        '10.0.0.8',
        443,
      ),
    ];
    expect(renderTable(rows)).toEqual([
      'NODE             PEER                SESSION  ANNOUNCED  REACHABLE  ECHOED  CLEANUP  RESULT',
      'cp1 (10.0.1.10)  10.0.1.254 AS65002  ok       ok         2/2        no      ok       PASS',
      'cp3 (10.0.2.10)  10.0.2.254 AS65002  FAIL     -          -          -       -        FAIL',
      '    session: x',
    ]);
    expect(renderTable([classifyStep({ ...passed, probe: { ok: true } }, '10.0.0.8', 443)])[0]).toContain(
      'ECHOED  PROBE  CLEANUP',
    );
    expect(summaryLine(rows, 1500)).toBe(
      'preflight: FAIL: 1 of 2 node x peer check(s) failed (cp3/10.0.2.254) in 1.5s',
    );
    expect(summaryLine(rows.slice(0, 1), 1500)).toBe(
      'preflight: PASS: all 1 node x peer check(s) passed in 1.5s',
    );
    expect(summaryLine([], 0)).toMatch(/^preflight: FAIL: nothing was checked/);
  });
});
