/**
 * From what one preflight step observed to a row of the table (and its JSON line): pure, so every
 * reason preflight can print is tested without a network.
 */
import { formatDuration } from '@bgplb/kube-runtime/process';
import { nodeLabel, type PreflightNode } from './plan.js';

/** What one node saw when it connected to VIP:port (from its agent, or why it could not run). */
export interface ReachObservation {
  node: PreflightNode;
  ok: boolean;
  /** The first line the responder sent, when it answered. */
  answer?: string;
  /** Why the last attempt failed: an errno code (ECONNREFUSED, EHOSTUNREACH, ...), `timeout`, `closed`. */
  error?: string;
  attempts?: number;
  /** The check could not run on that node at all (exec failed, binary missing, agent crashed). */
  notRun?: string;
}

export type Outcome = { ok: true; detail?: string } | { ok: false; reason: string };

/** Everything one step (node x peer) observed; a check left undefined did not run. */
export interface StepOutcome {
  node: PreflightNode;
  peer: { ip: string; asn: number };
  session?: Outcome;
  announce?: Outcome;
  reach?: ReachObservation[];
  /** The peer advertised the VIP back to us (an extra signal, never a failure). */
  echoed?: boolean;
  /** --probe, when given. */
  probe?: Outcome;
  /** Withdraw, unbind, close on the node. */
  cleanup?: Outcome;
  /** Why the step stopped early (interrupted, timed out, the agent failed). */
  aborted?: string;
}

export type Mark = 'ok' | 'FAIL' | '-';

export interface PreflightRow {
  node: string;
  nodeIp: string;
  peer: string;
  peerAsn: number;
  session: Mark;
  announced: Mark;
  /** `n/m`, or `-` when not checked. */
  reachable: string;
  echoed: 'yes' | 'no' | '-';
  probe?: Mark;
  cleanup: Mark;
  result: 'PASS' | 'FAIL';
  /** Every failure, `check: reason`. */
  reasons: string[];
}

const mark = (o: Outcome | undefined): Mark => (o === undefined ? '-' : o.ok ? 'ok' : 'FAIL');

/** Why one node did not get the expected answer. */
export function reachFailure(o: ReachObservation, expected: string): string {
  if (o.notRun !== undefined) return `${nodeLabel(o.node)}: the check did not run (${o.notRun})`;
  if (o.answer !== undefined && o.answer !== expected) {
    return `${nodeLabel(o.node)}: answered "${o.answer}", not ${expected} (the VIP leads to another node)`;
  }
  const why =
    o.error === 'timeout'
      ? 'connect timeout'
      : o.error === 'ECONNREFUSED'
        ? 'connection refused'
        : o.error === 'EHOSTUNREACH' || o.error === 'ENETUNREACH'
          ? `no route (${o.error})`
          : o.error === 'closed'
            ? 'connected, but the connection closed without an answer'
            : (o.error ?? 'no answer');
  return `${nodeLabel(o.node)}: ${why}${o.attempts !== undefined ? ` (${o.attempts} attempt${o.attempts === 1 ? '' : 's'})` : ''}`;
}

export function classifyStep(s: StepOutcome, vip: string, port: number): PreflightRow {
  const reasons: string[] = [];
  const fail = (check: string, o: Outcome | undefined) => {
    if (o && !o.ok) reasons.push(`${check}: ${o.reason}`);
  };
  fail('session', s.session);
  fail('announce', s.announce);
  let reachable = '-';
  let reachOk = true;
  if (s.reach !== undefined) {
    const good = s.reach.filter((r) => r.ok);
    reachable = `${good.length}/${s.reach.length}`;
    const bad = s.reach.filter((r) => !r.ok);
    if (bad.length > 0) {
      reachOk = false;
      reasons.push(
        `reachable: ${vip}:${port} not reachable from ${bad.length} of ${s.reach.length} node(s): ${bad.map((b) => reachFailure(b, s.node.name)).join('; ')}`,
      );
    }
  }
  fail('probe', s.probe);
  fail('cleanup', s.cleanup);
  if (s.aborted !== undefined) reasons.push(s.aborted);
  const passed =
    s.session?.ok === true &&
    s.announce?.ok === true &&
    s.reach !== undefined &&
    reachOk &&
    (s.probe === undefined || s.probe.ok) &&
    s.cleanup?.ok === true &&
    s.aborted === undefined;
  const row: PreflightRow = {
    node: s.node.name,
    nodeIp: s.node.ip,
    peer: s.peer.ip,
    peerAsn: s.peer.asn,
    session: mark(s.session),
    announced: mark(s.announce),
    reachable,
    echoed: s.echoed === undefined ? '-' : s.echoed ? 'yes' : 'no',
    cleanup: mark(s.cleanup),
    result: passed ? 'PASS' : 'FAIL',
    reasons,
  };
  if (s.probe !== undefined) row.probe = mark(s.probe);
  return row;
}

/** The table: one line per node x peer, then the reasons of every failing row, indented. */
export function renderTable(rows: readonly PreflightRow[]): string[] {
  const withProbe = rows.some((r) => r.probe !== undefined);
  const header = [
    'NODE',
    'PEER',
    'SESSION',
    'ANNOUNCED',
    'REACHABLE',
    'ECHOED',
    ...(withProbe ? ['PROBE'] : []),
    'CLEANUP',
    'RESULT',
  ];
  const cells = rows.map((r) => [
    nodeLabel({ name: r.node, ip: r.nodeIp }),
    `${r.peer} AS${r.peerAsn}`,
    r.session,
    r.announced,
    r.reachable,
    r.echoed,
    ...(withProbe ? [r.probe ?? '-'] : []),
    r.cleanup,
    r.result,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(header)];
  rows.forEach((r, i) => {
    out.push(line(cells[i] as string[]));
    for (const reason of r.reasons) out.push(`    ${reason}`);
  });
  return out;
}

/** The last line: PASS or FAIL with the failing node x peer pairs. */
export function summaryLine(rows: readonly PreflightRow[], elapsedMs: number): string {
  const failed = rows.filter((r) => r.result === 'FAIL');
  const took = formatDuration(elapsedMs);
  if (rows.length === 0) return `preflight: FAIL: nothing was checked (${took})`;
  return failed.length === 0
    ? `preflight: PASS: all ${rows.length} node x peer check(s) passed in ${took}`
    : `preflight: FAIL: ${failed.length} of ${rows.length} node x peer check(s) failed (${failed.map((r) => `${r.node}/${r.peer}`).join(', ')}) in ${took}`;
}
