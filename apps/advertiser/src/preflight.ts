/**
 * `bgpadvertiser preflight`, run from the admin workstation: for every control-plane node x each
 * of its peers, one step on the nodes through --exec (preflight/plan.ts says which), observed
 * through the nodes' agents (preflight/agent.ts) and judged by pure code (preflight/report.ts,
 * preflight/session-trace.ts). Steps run one after the other, since each announces the VIP from
 * one node alone. I/O lives here and in preflight/node-runner.ts.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem, validateFiles } from '@bgplb/api-types';
import { formatDuration } from '@bgplb/kube-runtime/process';
import type { PreflightOptions } from './args.js';
import { consoleOutput, type Output } from './output.js';
import { plainWords } from './preflight/exec-template.js';
import { type AgentChannel, execNodeRunner, type NodeRunner } from './preflight/node-runner.js';
import {
  nodeLabel,
  nodePoolAddresses,
  PlanError,
  type PreflightNode,
  type PreflightPlan,
  type PreflightStep,
  planPreflight,
} from './preflight/plan.js';
import type { AgentMessage } from './preflight/protocol.js';
import {
  classifyStep,
  type Outcome,
  type PreflightRow,
  type ReachObservation,
  renderTable,
  type StepOutcome,
  summaryLine,
} from './preflight/report.js';
import {
  definitiveSessionFailure,
  echoOf,
  newTrace,
  recordEvent,
  routeRefusal,
  type SessionTrace,
  sessionFailureAtDeadline,
} from './preflight/session-trace.js';

export type { PreflightRow } from './preflight/report.js';

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
  /** How commands and agents reach the nodes (default: the --exec template). */
  runner?: NodeRunner;
  runProbe?: ProbeRunner;
  /** Whether this process is the single-file binary (default: node:sea's isSea()). */
  isSingleFile?: () => boolean;
  /** Clean up and stop on SIGINT/SIGTERM (default true; unit tests pass an AbortSignal instead). */
  handleSignals?: boolean;
  abort?: AbortSignal;
  /** How long to wait for the peer to echo the VIP after the reachability checks (default 2 s). */
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

/** Time for one-shot remote commands: the copy (a ~120 MB file over ssh) and the rest. */
const COPY_TIMEOUT_MS = 120_000;
const COMMAND_TIMEOUT_MS = 30_000;
/** Time an agent gets to withdraw, unbind and close after `stop` (it needs at most ~5 s). */
const CLEANUP_TIMEOUT_MS = 10_000;
/** Time for an agent to start on a node (SSH connection, binary start-up). */
const AGENT_START_TIMEOUT_MS = 60_000;

/** The single-file binary to copy, or why there is none. */
export function binaryToCopy(
  options: Pick<PreflightOptions, 'agentBinary'>,
  isSingleFile: boolean,
  here = dirname(fileURLToPath(import.meta.url)),
): { file: string } | { error: string } {
  if (options.agentBinary !== undefined) {
    try {
      if (!statSync(options.agentBinary).isFile())
        return { error: `--agent-binary ${options.agentBinary} is not a file` };
    } catch (err) {
      return {
        error: `--agent-binary ${options.agentBinary}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      };
    }
    return { file: resolve(options.agentBinary) };
  }
  if (isSingleFile) return { file: process.execPath };
  // `node dist/cli.js`: this file is dist/<chunk>.js, the binary (when built) dist/bin/...
  const built = join(here, 'bin', `bgpadvertiser-linux-${process.arch}`);
  if (existsSync(built)) return { file: built };
  return {
    error: `running as \`node ${process.argv[1] ?? 'cli.js'}\`, there is no single-file binary to copy to the nodes (looked for ${built}): build it (pnpm --filter @bgplb/advertiser build:binary), pass --agent-binary FILE, or --no-copy-binary to run --remote-command on the nodes`,
  };
}

function isSea(): boolean {
  try {
    // node:sea exists from Node 20; a CommonJS require keeps this synchronous in both builds.
    return (
      (process as unknown as { getBuiltinModule?: (m: string) => { isSea?: () => boolean } })
        .getBuiltinModule?.('node:sea')
        ?.isSea?.() === true
    );
  } catch {
    return false;
  }
}

function timestamp(d = new Date()): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Waits until `check` returns a value, the deadline passes or `abort` fires (then undefined). */
async function until<T>(
  deadline: number,
  abort: AbortSignal,
  check: () => T | undefined,
): Promise<T | undefined> {
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() >= deadline || abort.aborted) return undefined;
    await sleep(Math.min(25, deadline - Date.now()));
  }
}

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
  let plan: PreflightPlan;
  let agentWords: (node: PreflightNode) => string[];
  let copy: { file: string; remotePath: (node: PreflightNode) => string } | undefined;
  try {
    plan = planPreflight(cluster, {
      nodeNames: options.nodeNames,
      ...(options.nodeIp !== undefined ? { nodeIp: options.nodeIp } : {}),
      nodePoolAddresses: nodePoolAddresses(readFileSync(options.clusterConfig, 'utf8')),
    });
    if (options.copyBinary) {
      const bin = binaryToCopy(options, (deps.isSingleFile ?? isSea)());
      if ('error' in bin) throw new PlanError(bin.error);
      // One name per run and node: nodes that share a file system (or a test's namespaces) never
      // write or remove each other's copy.
      const base = `${options.remoteDir === '/' ? '' : options.remoteDir}/bgpadvertiser-preflight-${randomBytes(4).toString('hex')}`;
      const remotePath = (node: PreflightNode) => `${base}-${node.name}`;
      copy = { file: bin.file, remotePath };
      agentWords = (node) => [remotePath(node), 'preflight-agent'];
    } else {
      const words = [...plainWords(options.remoteCommand, '--remote-command'), 'preflight-agent'];
      agentWords = () => words;
    }
  } catch (err) {
    output.err(`preflight: ${(err as Error).message}`);
    return 2;
  }
  const logDir = resolve(options.logDir ?? `bgplb-preflight-${timestamp()}`);
  const logFile = join(logDir, 'preflight.jsonl');
  try {
    mkdirSync(logDir, { recursive: true });
    writeFileSync(logFile, '');
  } catch (err) {
    output.err(`preflight: cannot write the log in ${logDir}: ${(err as Error).message}`);
    return 2;
  }
  const log = (entry: Record<string, unknown>) => {
    try {
      appendFileSync(logFile, `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
    } catch {
      // the log is best effort once the run has started; the table still goes to stdout
    }
  };

  const runner = deps.runner ?? execNodeRunner(options.exec);
  const controller = new AbortController();
  let abortReason: string | undefined;
  const abortWith = (why: string) => {
    abortReason ??= why;
    controller.abort();
  };
  deps.abort?.addEventListener('abort', () => abortWith('interrupted'));
  const onSignal = (signal: NodeJS.Signals) => {
    output.err(`preflight: ${signal}: stopping, cleaning up the nodes`);
    abortWith(`interrupted (${signal})`);
  };
  const handleSignals = deps.handleSignals ?? true;
  if (handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const cleanupReserve = Math.min(30_000, Math.floor(options.timeoutMs / 4));
  const runDeadline = started + options.timeoutMs - cleanupReserve;
  const runTimer = setTimeout(
    () => abortWith(`preflight timed out (--timeout ${formatDuration(options.timeoutMs)})`),
    Math.max(0, runDeadline - Date.now()),
  );

  output.out(
    `preflight: ${plan.steps.length} node x peer check(s), ${plan.nodes.length} node(s), local ASN ${plan.localAsn}, VIP ${plan.vip}:${plan.port}, log ${logFile}`,
  );
  log({
    type: 'plan',
    vip: plan.vip,
    port: plan.port,
    localAsn: plan.localAsn,
    nodes: plan.nodes,
    steps: plan.steps.map((s) => ({
      node: s.node,
      peer: s.peer.ip,
      peerAsn: s.peer.asn,
      observers: s.observers.map((o) => o.name),
    })),
    exec: options.exec,
    copy,
  });

  // 1. The binary onto every node (in parallel); a node it cannot reach fails its own checks.
  const unreachable = new Map<string, string>();
  const copied: PreflightNode[] = [];
  if (copy) {
    const c = copy;
    await Promise.all(
      plan.nodes.map(async (node) => {
        const path = c.remotePath(node);
        const put = await runner.run(node, ['dd', `of=${path}`, 'bs=1M', 'status=none'], {
          stdinFile: c.file,
          timeoutMs: COPY_TIMEOUT_MS,
          signal: controller.signal,
        });
        copied.push(node);
        const chmod = put.ok
          ? await runner.run(node, ['chmod', '0755', path], { timeoutMs: COMMAND_TIMEOUT_MS })
          : put;
        log({ type: 'copy', node: node.name, path, ok: chmod.ok, detail: chmod.detail });
        if (!chmod.ok) unreachable.set(node.ip, `copying the binary to ${path} failed: ${chmod.detail}`);
      }),
    );
  }

  // 2. The steps, one at a time.
  const outcomes: StepOutcome[] = [];
  for (const step of plan.steps) {
    const outcome: StepOutcome = { node: step.node, peer: { ip: step.peer.ip, asn: step.peer.asn } };
    outcomes.push(outcome);
    if (controller.signal.aborted) {
      outcome.aborted = `not run: ${abortReason}`;
      continue;
    }
    const down = unreachable.get(step.node.ip);
    if (down !== undefined) {
      outcome.session = { ok: false, reason: down };
      continue;
    }
    output.err(`preflight: ${nodeLabel(step.node)} -> ${step.peer.ip} AS${step.peer.asn} ...`);
    await runStep(step, outcome);
    if (controller.signal.aborted && abortReason !== undefined) outcome.aborted ??= abortReason;
    log({ type: 'step', ...outcome });
  }
  clearTimeout(runTimer);

  // 3. The binary off every node it was put on.
  if (copy) {
    const c = copy;
    await Promise.all(
      copied.map(async (node) => {
        const path = c.remotePath(node);
        const rm = await runner.run(node, ['rm', '-f', path], { timeoutMs: COMMAND_TIMEOUT_MS });
        log({ type: 'remove', node: node.name, path, ok: rm.ok, detail: rm.detail });
        if (!rm.ok) output.err(`preflight: could not remove ${path} from ${nodeLabel(node)}: ${rm.detail}`);
      }),
    );
  }
  if (handleSignals) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const rows: PreflightRow[] = outcomes.map((o) => classifyStep(o, plan.vip, plan.port));
  for (const row of rows) log({ type: 'row', ...row });
  for (const l of renderTable(rows)) output.out(l);
  const summary = summaryLine(rows, Date.now() - started);
  output.out(summary);
  log({ type: 'summary', text: summary, passed: rows.every((r) => r.result === 'PASS') && rows.length > 0 });
  if (abortReason?.startsWith('interrupted')) return 130;
  return rows.length > 0 && rows.every((r) => r.result === 'PASS') ? 0 : 1;

  /** One node x peer: session, announce + bind + responder, reachability, echo, cleanup. */
  async function runStep(step: PreflightStep, outcome: StepOutcome): Promise<void> {
    const abort = controller.signal;
    const trace: SessionTrace = newTrace(step.peer.ip, options.peerPort ?? 179);
    const agent: AgentChannel = runner.agent(step.node, agentWords(step.node));
    let agentExit: string | undefined;
    void agent.exited.then((e) => {
      agentExit = `the agent on ${nodeLabel(step.node)} exited (${e.code !== null ? `exit ${e.code}` : `signal ${e.signal}`})${e.stderr ? `: ${e.stderr}` : ''}`;
    });
    const received = (m: AgentMessage) => {
      if (m.ev === 'trace') recordEvent(trace, m.e);
      log({ type: 'agent', node: step.node.name, peer: step.peer.ip, ...m });
    };
    for (const m of agent.messages) received(m);
    agent.onMessage(received);
    const has = (ev: AgentMessage['ev']) => agent.messages.find((m) => m.ev === ev);
    const holdTime = Math.max(3, Math.min(90, Math.round(options.sessionTimeoutMs / 1000)));
    try {
      // The session's clock starts once the agent runs: an SSH connection and the binary's start
      // (seconds on a slow or emulated node) are not the peer's fault.
      const started = await until(Math.min(runDeadline, Date.now() + AGENT_START_TIMEOUT_MS), abort, () =>
        has('ready') ? true : agentExit !== undefined ? false : undefined,
      );
      if (started !== true) {
        if (abort.aborted && started === undefined) return;
        outcome.session = {
          ok: false,
          reason:
            agentExit ??
            `the agent on ${nodeLabel(step.node)} did not start within ${formatDuration(AGENT_START_TIMEOUT_MS)}`,
        };
        return;
      }
      agent.send({
        op: 'session',
        localIp: step.node.ip,
        localAsn: plan.localAsn,
        peerIp: step.peer.ip,
        peerAsn: step.peer.asn,
        holdTime,
        ...(options.peerPort !== undefined ? { peerPort: options.peerPort } : {}),
      });
      // Session.
      const t0 = Date.now();
      const sessionDeadline = Math.min(runDeadline, t0 + options.sessionTimeoutMs);
      const verdict = await until(sessionDeadline, abort, () =>
        trace.established
          ? 'up'
          : definitiveSessionFailure(trace) !== undefined || agentExit !== undefined
            ? 'down'
            : undefined,
      );
      if (verdict !== 'up') {
        if (abort.aborted && verdict === undefined) return;
        // The events that explain a failure (the speaker's error beside its NOTIFICATION) may
        // arrive in the next chunk of the agent's output: give them a moment.
        if (verdict === 'down') await sleep(200);
        outcome.session = {
          ok: false,
          reason:
            agentExit !== undefined && definitiveSessionFailure(trace) === undefined
              ? agentExit
              : // The time the session was given (--session-timeout, or what was left of the
                // run), not the time it took to notice: under load that is late by a tick or two.
                sessionFailureAtDeadline(trace, sessionDeadline - t0),
        };
        return;
      }
      outcome.session = { ok: true, detail: `Established after ${formatDuration(Date.now() - t0)}` };

      // Announce: bind the VIP, start the responder, send the UPDATE.
      const mark = { states: trace.states.length, received: trace.notificationsReceived.length };
      const echoMark = trace.updatesReceived.length;
      const sentMark = trace.updatesSent.length;
      const prefix = `${plan.vip}/32`;
      agent.send({
        op: 'announce',
        vip: plan.vip,
        port: plan.port,
        name: step.node.name,
        vipInterface: options.vipInterface,
      });
      const announced = await until<Outcome>(Math.min(runDeadline, Date.now() + 10_000), abort, () => {
        const failed = has('announce-failed');
        if (failed?.ev === 'announce-failed') return { ok: false, reason: failed.reason };
        const refused = routeRefusal(trace, mark);
        if (refused) return { ok: false, reason: refused };
        if (agentExit !== undefined) return { ok: false, reason: agentExit };
        return has('announced') && trace.updatesSent.slice(sentMark).some((u) => u.nlri.includes(prefix))
          ? { ok: true }
          : undefined;
      });
      if (!announced) {
        if (!abort.aborted)
          outcome.announce = { ok: false, reason: `the UPDATE for ${prefix} was not sent within 10s` };
        return;
      }
      outcome.announce = announced;
      if (!announced.ok) return;
      const announcedAt = Date.now();

      // Reachability from every other node, in parallel; --probe beside them.
      const budget = Math.max(500, Math.min(options.reachTimeoutMs, runDeadline - Date.now()));
      const reach = Promise.all(step.observers.map((o) => reachFrom(o, step.node, budget)));
      const probe =
        options.probe !== undefined
          ? runCustomProbe(options.probe, step, budget)
          : Promise.resolve(undefined);
      const [observations, probed] = await Promise.all([reach, probe]);
      if (abort.aborted) return;
      outcome.reach = observations;
      if (probed) outcome.probe = probed;
      const refusedLater = routeRefusal(trace, mark);
      if (refusedLater) outcome.announce = { ok: false, reason: refusedLater };
      // The echo: an extra signal only (many routers never send a route back to its origin AS).
      const echo = await until(Math.max(Date.now(), announcedAt + (deps.echoWaitMs ?? 2_000)), abort, () =>
        echoOf(trace, prefix, echoMark) !== undefined ? true : undefined,
      );
      outcome.echoed = echo === true;
    } finally {
      outcome.cleanup = await stopAgent(agent, () => agentExit);
    }
  }

  /** Asks the agent to clean up; kills it when it does not confirm in time. */
  async function stopAgent(agent: AgentChannel, exitReason: () => string | undefined): Promise<Outcome> {
    agent.send({ op: 'stop' });
    agent.end();
    const closedIn = await Promise.race([
      agent.exited.then(() => true),
      sleep(CLEANUP_TIMEOUT_MS).then(() => false),
    ]);
    const closed = agent.messages.find((m) => m.ev === 'closed');
    if (!closedIn) agent.kill();
    if (closed?.ev === 'closed') {
      return closed.problems.length === 0
        ? { ok: true }
        : { ok: false, reason: `left behind: ${closed.problems.join('; ')}` };
    }
    const started = agent.messages.some((m) => m.ev === 'ready');
    if (!started) return { ok: false, reason: `the agent did not start: ${exitReason() ?? 'no answer'}` };
    return {
      ok: false,
      reason: `the agent did not confirm its cleanup${closedIn ? '' : ` within ${formatDuration(CLEANUP_TIMEOUT_MS)} (killed)`}; check the node`,
    };
  }

  async function reachFrom(
    observer: PreflightNode,
    target: PreflightNode,
    budgetMs: number,
  ): Promise<ReachObservation> {
    const down = unreachable.get(observer.ip);
    if (down !== undefined) return { node: observer, ok: false, notRun: down };
    const agent = runner.agent(observer, agentWords(observer));
    const stop = () => agent.kill();
    controller.signal.addEventListener('abort', stop, { once: true });
    void agent.exited.then(() => controller.signal.removeEventListener('abort', stop));
    agent.send({
      op: 'probe',
      vip: plan.vip,
      port: plan.port,
      expect: target.name,
      budgetMs,
      attemptTimeoutMs: 2_000,
    });
    agent.end();
    const exited = await Promise.race([
      agent.exited,
      sleep(budgetMs + AGENT_START_TIMEOUT_MS).then(() => undefined),
    ]);
    if (!exited) agent.kill();
    const m = agent.messages.find((x) => x.ev === 'probe');
    log({ type: 'reach', node: observer.name, target: target.name, result: m ?? null, exit: exited ?? null });
    if (m?.ev !== 'probe') {
      const why = exited
        ? `exit ${exited.code ?? exited.signal}${exited.stderr ? `: ${exited.stderr}` : ''}`
        : 'no answer in time';
      return { node: observer, ok: false, notRun: why };
    }
    const o: ReachObservation = { node: observer, ok: m.ok, attempts: m.attempts };
    if (m.answer !== undefined) o.answer = m.answer;
    if (m.error !== undefined) o.error = m.error;
    return o;
  }

  async function runCustomProbe(command: string, step: PreflightStep, budgetMs: number): Promise<Outcome> {
    const probe = deps.runProbe ?? shellProbe;
    const env = {
      VIP: plan.vip,
      VIP_PORT: String(plan.port),
      NODE_IP: step.node.ip,
      NODE_NAME: step.node.name,
      PEER_IP: step.peer.ip,
      PEER_ASN: String(step.peer.asn),
    };
    const deadline = Date.now() + budgetMs;
    let attempts = 0;
    let last: ProbeResult = { ok: false, detail: 'no time left to run it' };
    while (Date.now() < deadline && !controller.signal.aborted) {
      attempts++;
      last = await probe(command, env, Math.max(100, Math.min(5_000, deadline - Date.now())));
      if (last.ok) return { ok: true, detail: `attempt ${attempts}` };
      await sleep(Math.min(500, deadline - Date.now()));
    }
    return { ok: false, reason: `--probe failed ${attempts} time(s); last: ${last.detail}` };
  }
}
