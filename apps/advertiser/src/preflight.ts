import { spawn } from 'node:child_process';
import { type ClusterBGPPeer, controlPlanePeers, formatProblem, validateFiles } from '@bgplb/api-types';
import { createLogger, formatDuration } from '@bgplb/kube-runtime/process';
import type { PreflightOptions } from './args.js';
import {
  definitiveSessionFailure,
  echoOf,
  newTrace,
  recordEvent,
  routeRefusal,
  type SessionTrace,
  sessionFailureAtDeadline,
} from './preflight-classify.js';
import { hostIPv4Addresses } from './shared/host-addresses.js';
import { type CommandRunner, IpAddressManager } from './shared/ip-addresses.js';
import { createSpeakerEventLogger } from './shared/speaker-log.js';
import type { Speaker } from './shared/speaker-types.js';
import { createBgpSpeaker, type SpeakerFactory } from './speaker-factory.js';
import { consoleOutput, type Output } from './validate.js';
import { VipInterface } from './vip-interface.js';

export type CheckName = 'session' | 'announce' | 'accepted' | 'probe' | 'withdraw';

export interface PreflightRow {
  node: string;
  peer: string;
  peerAsn: number;
  check: CheckName;
  result: 'ok' | 'FAIL' | 'skip';
  detail: string;
}

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export type ProbeRunner = (
  command: string,
  env: Record<string, string>,
  timeoutMs: number,
) => Promise<ProbeResult>;

export interface PreflightDependencies {
  output?: Output;
  createSpeaker?: SpeakerFactory;
  /** IPv4 addresses of this machine (to find which control-plane node it is). */
  localAddresses?: () => string[];
  runCommand?: CommandRunner;
  runProbe?: ProbeRunner;
  /** Log lines (speaker events) go here; default stderr, so stdout holds only the table. */
  logDestination?: NodeJS.WritableStream;
  /** How long to wait for the peer to echo the VIP back after our UPDATE (default 5 s). */
  echoWaitMs?: number;
}

/** Runs `sh -c command` with the env; ok on exit 0. The detail is the last line it printed. */
export const shellProbe: ProbeRunner = (command, env, timeoutMs) =>
  new Promise((resolve) => {
    // Its own process group, so that a timeout kills the whole pipeline (sh and its children).
    const child = spawn('sh', ['-c', command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let text = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      text += d.toString();
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = text.trim().split('\n').at(-1) ?? '';
      const how = killed ? `killed after ${formatDuration(timeoutMs)}` : `exit ${code}`;
      resolve({ ok: code === 0 && !killed, detail: last === '' ? how : `${how}: ${last}` });
    });
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Polls `check` every 50 ms until it returns a value or the deadline passes (then undefined). */
async function until<T>(deadline: number, check: () => T | undefined): Promise<T | undefined> {
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) return undefined;
    await sleep(Math.min(50, deadline - Date.now()));
  }
}

export function renderTable(rows: readonly PreflightRow[]): string[] {
  const header = ['NODE', 'PEER', 'PEER ASN', 'CHECK', 'RESULT', 'DETAIL'];
  const cells = rows.map((r) => [r.node, r.peer, String(r.peerAsn), r.check, r.result, r.detail]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)];
}

interface PeerRun {
  peer: ClusterBGPPeer;
  trace: SessionTrace;
  rows: PreflightRow[];
}

/**
 * `bgpadvertiser preflight`: for this node and each of its peers, open a session, announce the
 * control-plane VIP, check that the peer accepted it (and, with --probe, that it is reachable),
 * withdraw and close. Sessions come up in parallel; the route checks run one peer at a time, so
 * a probe result belongs to that peer's path. Everything ends within --timeout (plus at most 2 s
 * of closing).
 */
export async function runPreflight(
  options: PreflightOptions,
  deps: PreflightDependencies = {},
): Promise<number> {
  const output = deps.output ?? consoleOutput;
  const started = Date.now();
  const [file] = await validateFiles([options.clusterConfig]);
  if (!file || file.readError !== undefined) {
    output.err(`preflight: ${file?.readError ?? `cannot read ${options.clusterConfig}`}`);
    return 2;
  }
  if (!file.ok) {
    for (const p of file.problems) output.err(formatProblem(p));
    output.err(`preflight: ${options.clusterConfig} is not valid; fix it first (bgpadvertiser validate)`);
    return 2;
  }
  const cluster = file.configs.find((c) => c.cluster !== undefined)?.cluster;
  if (!cluster) {
    output.err(`preflight: ${options.clusterConfig} holds no Cluster (kind: Cluster with spec.loadBalancer)`);
    return 2;
  }
  const topology = controlPlanePeers(cluster);
  const nodes = topology.map((t) => t.node);
  let nodeIp = options.nodeIp;
  if (nodeIp === undefined) {
    const local = new Set((deps.localAddresses ?? hostIPv4Addresses)());
    const mine = nodes.filter((n) => local.has(n));
    if (mine.length !== 1) {
      output.err(
        mine.length === 0
          ? `preflight: none of the control-plane node addresses (${nodes.join(', ')}) is on this machine; run preflight on a control-plane node or pass --node-ip`
          : `preflight: several control-plane node addresses are on this machine (${mine.join(', ')}); pass --node-ip`,
      );
      return 2;
    }
    nodeIp = mine[0] as string;
  }
  const entry = topology.find((t) => t.node === nodeIp);
  if (!entry) {
    output.err(
      `preflight: --node-ip ${nodeIp} is not a control-plane node of the cluster (nodes: ${nodes.join(', ')})`,
    );
    return 2;
  }
  const node = nodeIp;
  const lb = cluster.spec.loadBalancer;
  const vip = lb.vips.controlPlaneVIP;
  const prefix = `${vip}/32`;
  const port = options.peerPort ?? 179;
  const timeoutMs = options.timeoutMs;
  const closeReserve = Math.min(2_000, Math.floor(timeoutMs / 4));
  const deadline = started + timeoutMs - closeReserve;
  const holdTime = Math.max(3, Math.min(90, Math.floor(timeoutMs / 3000)));
  const echoWaitMs = deps.echoWaitMs ?? 5_000;

  const log = createLogger({
    level: options.logLevel,
    format: options.logFormat,
    destination: deps.logDestination ?? process.stderr,
  });
  output.out(
    `preflight: node ${node}, ${entry.peers.length} peer(s), local ASN ${lb.localASN}, VIP ${prefix}, timeout ${formatDuration(timeoutMs)}`,
  );
  let speaker: Speaker;
  try {
    speaker = await (deps.createSpeaker ?? createBgpSpeaker)();
  } catch (err) {
    output.err(`preflight: cannot create the BGP speaker: ${(err as Error).message}`);
    return 1;
  }
  const runs = new Map<string, PeerRun>();
  const logEvent = createSpeakerEventLogger(log);
  speaker.on('event', (e) => {
    logEvent(e);
    const run = e.peer !== undefined ? runs.get(e.peer) : undefined;
    if (run) recordEvent(run.trace, e);
  });
  const vipInterface = options.vipInterface
    ? new VipInterface(options.vipInterface, vip, new IpAddressManager({ run: deps.runCommand }))
    : undefined;

  const row = (run: PeerRun, check: CheckName, result: PreflightRow['result'], detail: string): void => {
    run.rows.push({ node, peer: run.peer.ip, peerAsn: run.peer.asn, check, result, detail });
  };
  const skipRest = (run: PeerRun, from: CheckName, why: string): void => {
    const order: CheckName[] = ['session', 'announce', 'accepted', 'probe', 'withdraw'];
    for (const c of order.slice(order.indexOf(from))) {
      if (c === 'probe' && options.probe === undefined) continue;
      row(run, c, 'skip', why);
    }
  };

  const work = async (): Promise<void> => {
    for (const peer of entry.peers) {
      const run: PeerRun = { peer, trace: newTrace(peer.ip, port), rows: [] };
      runs.set(peer.ip, run);
      speaker.addPeer({
        id: peer.ip,
        localAddress: node,
        localAsn: lb.localASN,
        peerAddress: peer.ip,
        peerAsn: peer.asn,
        holdTime,
        connectRetryTime: 2,
        ...(options.peerPort !== undefined ? { peerPort: options.peerPort } : {}),
      });
    }
    // 1. Every session at once.
    const up = await Promise.all(
      [...runs.values()].map(async (run) => {
        const t0 = Date.now();
        const verdict = await until(deadline, () =>
          run.trace.established
            ? 'up'
            : definitiveSessionFailure(run.trace) !== undefined
              ? 'down'
              : undefined,
        );
        if (verdict === 'up') {
          row(
            run,
            'session',
            'ok',
            `Established after ${formatDuration(Date.now() - t0)} (hold time ${holdTime}s)`,
          );
          return run;
        }
        row(run, 'session', 'FAIL', sessionFailureAtDeadline(run.trace, Date.now() - t0));
        skipRest(run, 'announce', 'no session');
        // Stop retrying it while the other peers are checked.
        await speaker
          .removePeer(run.peer.ip, {
            message: 'bgpadvertiser preflight failed',
            cease: 'administrative-shutdown',
          })
          .catch(() => undefined);
        return undefined;
      }),
    );
    // 2. The route checks, one peer at a time.
    let vipAdded = false;
    for (const run of up) {
      if (!run) continue;
      if (vipInterface && !vipAdded) {
        await vipInterface.add();
        vipAdded = true;
      }
      await checkRoute(run);
      // Close this session before the next peer's checks (the table is complete for it).
      await speaker
        .removePeer(run.peer.ip, {
          message: 'bgpadvertiser preflight finished',
          cease: 'administrative-shutdown',
        })
        .catch(() => undefined);
    }
  };

  const checkRoute = async (run: PeerRun): Promise<void> => {
    const id = run.peer.ip;
    const mark = { states: run.trace.states.length, received: run.trace.notificationsReceived.length };
    const sentBefore = run.trace.updatesSent.length;
    const echoMark = run.trace.updatesReceived.length;
    speaker.setPaths(prefix, [{ nextHop: node, origin: 'igp' }], { peers: [id] });
    const announced = await until(deadline, () => {
      const sent =
        run.trace.updatesSent.slice(sentBefore).some((u) => u.nlri.includes(prefix)) ||
        (speaker.peerStatus(id)?.advertisedPrefixes.includes(prefix) ?? false);
      return sent ? 'sent' : routeRefusal(run.trace, mark);
    });
    if (announced !== 'sent') {
      row(run, 'announce', 'FAIL', announced ?? `the UPDATE for ${prefix} was not sent before the deadline`);
      skipRest(run, 'accepted', 'not announced');
      return;
    }
    row(run, 'announce', 'ok', `sent ${prefix} next hop ${node} origin IGP`);

    // Accepted = the peer advertises the VIP back to us (see echoOf); refused = it answers with a
    // NOTIFICATION or drops the session. Without an echo, only --probe can tell.
    const waitStart = Date.now();
    const verdict = await until(Math.min(waitStart + echoWaitMs, deadline), () => {
      const refusal = routeRefusal(run.trace, mark);
      if (refusal) return { ok: false, detail: refusal };
      const echo = echoOf(run.trace, prefix, echoMark);
      if (echo !== undefined) {
        return {
          ok: true,
          detail: `the peer advertised ${prefix} back after ${formatDuration(Date.now() - waitStart)}${echo ? ` with ${echo}` : ''}`,
        };
      }
      return undefined;
    });
    if (verdict && !verdict.ok) {
      row(run, 'accepted', 'FAIL', verdict.detail);
      skipRest(run, 'probe', 'route refused');
      return;
    }
    if (verdict) {
      row(run, 'accepted', 'ok', verdict.detail);
    } else if (options.probe !== undefined) {
      row(
        run,
        'accepted',
        'ok',
        `no NOTIFICATION, but the peer did not advertise ${prefix} back within ${formatDuration(Date.now() - waitStart)}; relying on --probe`,
      );
    } else {
      row(
        run,
        'accepted',
        'FAIL',
        `route not accepted: the peer did not advertise ${prefix} back within ${formatDuration(Date.now() - waitStart)} (an import filter dropped it, or the peer never sends routes back to their origin AS: then check with --probe)`,
      );
    }

    if (options.probe !== undefined) {
      const probe = deps.runProbe ?? shellProbe;
      const env = {
        VIP: vip,
        VIP_PORT: String(lb.ports.controlPlaneLBPort),
        NODE_IP: node,
        PEER_IP: id,
        PEER_ASN: String(run.peer.asn),
      };
      let attempts = 0;
      let last: ProbeResult = { ok: false, detail: 'no time left to run it' };
      while (Date.now() < deadline) {
        attempts++;
        last = await probe(options.probe, env, Math.max(100, Math.min(5_000, deadline - Date.now())));
        if (last.ok) break;
        await sleep(Math.min(500, deadline - Date.now()));
      }
      if (last.ok)
        row(
          run,
          'probe',
          'ok',
          `probe succeeded (attempt ${attempts})${last.detail ? `: ${last.detail}` : ''}`,
        );
      else
        row(
          run,
          'probe',
          'FAIL',
          `route not reachable: probe failed ${attempts} time(s); last: ${last.detail}`,
        );
    }

    const withdrawMark = run.trace.updatesSent.length;
    speaker.withdraw(prefix, { peers: [id] });
    const withdrawn = await until(Math.max(deadline, Date.now() + 1000), () =>
      run.trace.updatesSent.slice(withdrawMark).some((u) => u.withdrawn.includes(prefix)) ||
      !(speaker.peerStatus(id)?.advertisedPrefixes.includes(prefix) ?? false)
        ? true
        : undefined,
    );
    row(
      run,
      'withdraw',
      withdrawn ? 'ok' : 'FAIL',
      withdrawn ? `withdrew ${prefix}` : 'the withdrawal was not sent in time',
    );
  };

  // The safety net: whatever happens, stop working at the deadline.
  let timedOut = false;
  await Promise.race([
    work(),
    sleep(timeoutMs - closeReserve + 500).then(() => {
      timedOut = true;
    }),
  ]);
  const closing = (async () => {
    await speaker.shutdown({ message: 'bgpadvertiser preflight finished' });
    if (vipInterface) await vipInterface.remove();
  })().catch((err: Error) => output.err(`preflight: closing failed: ${err.message}`));
  await Promise.race([closing, sleep(closeReserve + 500)]);

  const rows: PreflightRow[] = [];
  for (const run of runs.values()) {
    if (timedOut && run.rows.length === 0) row(run, 'session', 'FAIL', 'preflight timed out');
    rows.push(...run.rows);
  }
  for (const l of renderTable(rows)) output.out(l);
  const failedPeers = [...runs.values()]
    .filter((r) => r.rows.some((x) => x.result !== 'ok'))
    .map((r) => r.peer.ip);
  const total = runs.size;
  output.out(
    failedPeers.length === 0
      ? `preflight: PASS: all ${total} peer(s) of node ${node} passed in ${formatDuration(Date.now() - started)}`
      : `preflight: FAIL: ${failedPeers.length} of ${total} peer(s) of node ${node} failed (${failedPeers.join(', ')}) in ${formatDuration(Date.now() - started)}`,
  );
  return failedPeers.length === 0 ? 0 : 1;
}
