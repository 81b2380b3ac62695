import { readFileSync } from 'node:fs';
import { type DrainSettings, formatProblem } from '@bgplb/api-types/advertiser-config';
import { type Logger, openLogger, type ReadinessReport } from '@bgplb/kube-runtime/process';
import { ControlPlaneAdvertiser } from './advertiser.js';
import type { RunOptions } from './args.js';
import { registerControlPlaneMetrics } from './control-plane-metrics.js';
import { resolveExitDrain, sameExitDrain } from './exit-drain.js';
import { HealthGate } from './health-gate.js';
import { httpCheck } from './http-check.js';
import type { LiveMode, LiveSource } from './live/live-mode.js';
import { consoleOutput, type Output } from './output.js';
import { type HostAddress, hostAddresses as readHostAddresses } from './shared/host-addresses.js';
import { type CommandRunner, IpAddressManager } from './shared/ip-addresses.js';
import { speakerEventOptions } from './shared/speaker-log.js';
import { createSpeakerWithMetrics, startHealthOrShutdown } from './shared/startup.js';
import { loadSpeakerSettings, type SpeakerSettings, type SpeakerSource } from './speaker-config.js';
import { createBgpSpeaker, type SpeakerFactory } from './speaker-factory.js';
import { VERSION } from './version.js';
import { VipInterface } from './vip-interface.js';

/** How long SIGTERM may take before the process exits anyway (the budget is 2 s). */
export const SHUTDOWN_BUDGET_MS = 1_800;
/**
 * After the SIGTERM withdrawal, the sessions and the VIP stay this long, so that requests the
 * routers still send here (until their FIB drops this next hop; 60-500 ms measured on FRR under
 * load) are answered: a planned restart of one advertiser then fails no request (e2e zero-loss).
 * The rest of the budget is for Cease, closing and removing the VIP.
 */
export const WITHDRAW_SETTLE_MS = 800;
/** With `--on-exit graceful-restart`: how long routers keep the path while it restarts (the agents' default). */
export const GRACEFUL_RESTART_TIME_S = 120;

export interface RunDependencies {
  createSpeaker?: SpeakerFactory;
  output?: Output;
  /** Where log lines go (tests); default stdout. */
  logDestination?: NodeJS.WritableStream;
  runCommand?: CommandRunner;
  /** How long SIGTERM keeps serving after the withdrawal (default WITHDRAW_SETTLE_MS). */
  withdrawSettleMs?: number;
  /** Process signals; tests pass an EventEmitter. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
  /** This host's addresses, to find the node and its address of the other family from a Cluster (tests). */
  hostAddresses?: () => readonly HostAddress[];
}

/** The RFC 8203 shutdown message sent to every peer (short: routers log it). */
export function shutdownMessage(signal: string): string {
  return `bgpadvertiser shutting down (${signal})`;
}

/**
 * `bgpadvertiser --config FILE --advertise-ip IP` or `--cluster-config FILE [--node-ip IP]`: runs
 * until SIGTERM/SIGINT and resolves with the exit code. Exit 2 for a bad config or unreadable
 * file, 1 when it cannot start.
 */
export async function runAdvertiser(options: RunOptions, deps: RunDependencies = {}): Promise<number> {
  const output = deps.output ?? consoleOutput;
  const hostAddresses = deps.hostAddresses ?? readHostAddresses;
  const log: Logger = await openLogger({
    level: options.logLevel,
    format: options.logFormat,
    ...(deps.logDestination ? { destination: deps.logDestination } : {}),
  });
  let settings: SpeakerSettings;
  let live: LiveMode | undefined;
  if (options.source.kind === 'live') {
    const started = await startLive(options.source, log, hostAddresses);
    if (!started.ok) {
      output.err(`bgpadvertiser: ${started.message}`);
      return 2;
    }
    ({ settings, live } = started);
  } else {
    const loaded = await loadSpeakerSettings(options.source, hostAddresses);
    if (!loaded.ok) {
      for (const line of loaded.problems) output.err(line);
      if (loaded.message !== undefined) output.err(`bgpadvertiser: ${loaded.message}`);
      return 2;
    }
    settings = loaded.settings;
  }
  // --check-url, else (with --cluster-config, unless --no-check) the Cluster's readyz URL.
  const checkUrl = options.check?.url ?? settings.cluster?.checkUrl;
  const healthCheck =
    options.check && checkUrl !== undefined ? { ...options.check, url: checkUrl } : undefined;
  let ca: string | undefined;
  if (options.check?.caFile !== undefined) {
    try {
      // Read once at start, before any session (sync: `node:fs/promises` would load ~20 more of
      // Node's internal modules for this one file).
      ca = readFileSync(options.check.caFile, 'utf8');
    } catch (err) {
      output.err(`bgpadvertiser: cannot read --check-ca ${options.check.caFile}: ${(err as Error).message}`);
      return 2;
    }
  }
  for (const p of settings.warnings)
    log.warn({ file: p.file, line: p.line, column: p.column }, formatProblem(p));
  const { config, vips } = settings;
  log.info(
    {
      version: VERSION,
      config: settings.file,
      ...(settings.cluster ? { cluster: settings.cluster.ref, node: settings.cluster.node } : {}),
      advertiseIP: vips.join(' '),
      localIP: config.localIP,
      ...(config.localIPOtherFamily ? { localIPOtherFamily: config.localIPOtherFamily } : {}),
      localASN: config.localASN,
      peers: config.peers.length,
    },
    'BGP advertiser started',
  );

  const createSpeaker = deps.createSpeaker ?? createBgpSpeaker;
  const started = await createSpeakerWithMetrics(log, () => createSpeaker(speakerEventOptions(log)));
  if (started === undefined) return 1;
  const { speaker, registry, peerReport } = started;

  const vipInterfaces = options.vipInterface
    ? vips.map(
        (vip) =>
          new VipInterface(
            options.vipInterface as string,
            vip,
            new IpAddressManager({ run: deps.runCommand }),
          ),
      )
    : undefined;
  const advertiser = new ControlPlaneAdvertiser({
    speaker,
    log,
    vips,
    vipInterfaces,
    peerPort: options.peerPort,
    gated: healthCheck !== undefined,
    withdrawSettleMs: deps.withdrawSettleMs ?? WITHDRAW_SETTLE_MS,
    exitDrain: resolveExitDrain(options.exitDrain ?? {}, settings.cluster?.drain),
    gracefulRestart:
      options.onExit === 'graceful-restart'
        ? {
            restartTime: GRACEFUL_RESTART_TIME_S,
            // A VIP still on the interface: an earlier run stopped for a graceful restart.
            restarting: await anyPresent(vipInterfaces),
          }
        : undefined,
  });
  let gate: HealthGate | undefined;
  const { checks } = registerControlPlaneMetrics(registry, {
    announced: () => advertiser.announced,
    consecutiveFailures: () => gate?.consecutiveFailures ?? 0,
  });

  const health = await startHealthOrShutdown(
    {
      address: options.healthAddr,
      logger: log,
      registry,
      readiness: () => withLiveDetail(advertiser.readiness(), live),
    },
    speaker,
    shutdownMessage('startup failed'),
  );
  if (health === undefined) {
    await live?.stop(shutdownMessage('startup failed'), 0);
    peerReport.stop();
    return 1;
  }

  try {
    await advertiser.applyConfig(config, settings.unannounced);
  } catch (err) {
    log.fatal({ err }, `cannot start: ${(err as Error).message}`);
    await advertiser.stop(shutdownMessage('startup failed')).catch(() => undefined);
    await live?.stop(shutdownMessage('startup failed'), 0);
    await health.close();
    peerReport.stop();
    return 1;
  }
  if (options.onExit === 'drain') log.info({ ...advertiser.exitDrain }, 'on SIGTERM: drain');
  // Live mode: from now on the Cluster's changes go through applyConfig, as a SIGHUP reload does.
  live?.attach(
    (next, unannounced) => advertiser.applyConfig(next, unannounced),
    speaker,
    (drain) => applyClusterDrain(drain, options, advertiser, log),
  );

  if (healthCheck) {
    const check = healthCheck;
    gate = new HealthGate({
      check: () =>
        httpCheck({
          url: check.url,
          timeoutMs: check.timeoutMs,
          insecure: check.insecure,
          ...(ca !== undefined ? { ca } : {}),
        }),
      intervalMs: check.intervalMs,
      failureThreshold: check.failureThreshold,
      successThreshold: check.successThreshold,
      onResult: (r, failures) => {
        checks.inc({ result: r.ok ? 'success' : 'failure' });
        if (!r.ok)
          log.warn(
            { url: check.url, detail: r.detail, consecutiveFailures: failures },
            'health check failed',
          );
        else log.debug({ url: check.url, detail: r.detail }, 'health check passed');
      },
      onChange: (healthy, reason) => {
        advertiser
          .setHealthy(healthy, reason)
          .catch((err: Error) => log.error({ err }, `VIP change failed: ${err.message}`));
      },
    });
    log.info(
      { url: check.url, intervalMs: check.intervalMs, failureThreshold: check.failureThreshold },
      'health check started; the VIP is announced once it passes',
    );
    gate.start();
  }

  const signals = deps.signals ?? process;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onHangup = (): void => {
      if (stopping) return;
      if (live !== undefined) {
        log.info('SIGHUP ignored in live mode: the Cluster object is the configuration');
        return;
      }
      if (options.source.kind === 'live') return;
      void reload(options, options.source, settings, advertiser, log, hostAddresses);
    };
    /** Withdraw, Cease, close, within the budget; `code` is the exit code. */
    const stop = (why: string, code: number, mode: RunOptions['onExit'] = 'withdraw'): void => {
      if (stopping) {
        log.warn({ signal: why }, 'second signal: exiting now');
        resolve(1);
        return;
      }
      stopping = true;
      log.info(
        { signal: why, mode },
        mode === 'graceful-restart'
          ? 'Shutting down for a graceful restart: closing the sessions, keeping the VIP'
          : mode === 'drain'
            ? 'Shutting down: draining the VIP (GRACEFUL_SHUTDOWN), then withdrawing it and closing the sessions'
            : 'Shutting down: withdrawing the VIP and closing the sessions',
      );
      gate?.stop();
      // A drain adds its delay to the budget (the pod's termination grace period must cover both).
      const budgetMs = SHUTDOWN_BUDGET_MS + (mode === 'drain' ? advertiser.exitDrain.delayMs : 0);
      const deadline = setTimeout(() => {
        log.warn({ budgetMs }, 'shutdown took too long; exiting anyway');
        resolve(code);
      }, budgetMs);
      deadline.unref();
      const done = (): void => {
        clearTimeout(deadline);
        peerReport.stop();
        signals.off('SIGHUP', onHangup);
        signals.off('SIGTERM', onStop);
        signals.off('SIGINT', onStop);
        signals.off('uncaughtException', onFatal);
        signals.off('unhandledRejection', onFatal);
        log.info('BGP advertiser stopped');
        resolve(code);
      };
      Promise.all([
        advertiser
          .stop(shutdownMessage(why), mode)
          .catch((err: Error) => log.error({ err }, `clean shutdown failed: ${err.message}`)),
        // The BGPSessions' last status, if the API server answers within part of the budget.
        live?.stop(shutdownMessage(why), SHUTDOWN_BUDGET_MS / 2),
      ])
        .then(() => health.close())
        .then(done, done);
    };
    // A signal is a planned stop (--on-exit decides); an internal error always withdraws.
    const onStop = (signal: NodeJS.Signals): void => stop(signal, 0, options.onExit ?? 'withdraw');
    // A bug must not leave the VIP announced or on the interface: log it, clean up, exit 1.
    const onFatal = (err: unknown): void => {
      log.fatal({ err }, `unexpected error: ${err instanceof Error ? err.message : String(err)}`);
      stop('internal error', 1);
    };
    signals.on('SIGHUP', onHangup);
    signals.on('SIGTERM', onStop);
    signals.on('SIGINT', onStop);
    signals.on('uncaughtException', onFatal);
    signals.on('unhandledRejection', onFatal);
  });
}

/**
 * Live mode (loaded on demand: the Kubernetes client costs the file-driven speaker nothing): the
 * configuration to start with, from the API server or the last good file.
 */
async function startLive(
  source: LiveSource,
  log: Logger,
  hostAddresses: () => readonly HostAddress[],
): Promise<{ ok: true; settings: SpeakerSettings; live: LiveMode } | { ok: false; message: string }> {
  const { LiveMode } = await import('./live/live-mode.js');
  const opened = LiveMode.open(source, { log, hostAddresses });
  if (!opened.ok) return opened;
  const start = await opened.live.start();
  const ref = `Cluster/${source.name}`;
  for (const w of start.warnings) log.warn({ cluster: `${source.namespace}/${source.name}` }, w);
  return {
    ok: true,
    live: opened.live,
    settings: {
      file: `${source.namespace}/${source.name}`,
      config: start.config,
      vips: start.vips,
      cluster: { ref, node: start.node, checkUrl: start.checkUrl, drain: start.drain },
      warnings: [],
      unannounced: start.unannounced,
    },
  };
}

/** True when one of the VIPs is on its interface now (errors read as absent). */
async function anyPresent(vipInterfaces: readonly VipInterface[] | undefined): Promise<boolean> {
  const present = await Promise.all((vipInterfaces ?? []).map((v) => v.present().catch(() => false)));
  return present.includes(true);
}

/** `/readyz` with live mode's detail (`live`: where the configuration came from, a refusal). */
function withLiveDetail(report: ReadinessReport, live: LiveMode | undefined): ReadinessReport {
  if (live === undefined) return report;
  return { ...report, body: { ...(report.body as Record<string, unknown>), live: live.readiness() } };
}

/**
 * SIGHUP: re-read the config file or the Cluster file (for the node chosen at start); on error
 * keep running with the old configuration. A Cluster whose controlPlaneVIP changed is refused:
 * the VIP of a running speaker does not move (restart it to announce another).
 */
async function reload(
  options: RunOptions,
  source: SpeakerSource,
  running: SpeakerSettings,
  advertiser: ControlPlaneAdvertiser,
  log: Logger,
  hostAddresses: () => readonly HostAddress[],
): Promise<void> {
  const path = running.file;
  log.info({ config: path }, 'SIGHUP: reloading the configuration');
  const sameNode: SpeakerSource =
    source.kind === 'cluster' && running.cluster ? { ...source, nodeIp: running.cluster.node } : source;
  const loaded = await loadSpeakerSettings(sameNode, hostAddresses);
  if (!loaded.ok) {
    const problems = [...loaded.problems, ...(loaded.message !== undefined ? [loaded.message] : [])];
    log.error({ config: path, problems }, 'configuration reload failed; keeping the running configuration');
    return;
  }
  const next = loaded.settings;
  if (next.vips.join(' ') !== running.vips.join(' ')) {
    log.error(
      {
        config: path,
        problems: [
          `controlPlaneVIP changed from ${running.vips.join(' and ')} to ${next.vips.join(' and ')}: restart the advertiser to announce the new VIP`,
        ],
      },
      'configuration reload failed; keeping the running configuration',
    );
    return;
  }
  for (const p of next.warnings) log.warn({ file: p.file, line: p.line, column: p.column }, formatProblem(p));
  if (next.cluster && running.cluster && next.cluster.checkUrl !== running.cluster.checkUrl) {
    log.warn(
      { config: path, checkUrl: next.cluster.checkUrl, running: running.cluster.checkUrl },
      'the health check URL changed (ports.controlPlaneLBPort); it applies after a restart',
    );
  }
  if (next.cluster) applyClusterDrain(next.cluster.drain, options, advertiser, log);
  try {
    const change = await advertiser.applyConfig(next.config, next.unannounced);
    log.info({ config: path, ...change }, 'Configuration reloaded');
  } catch (err) {
    log.error({ err }, `configuration reload failed: ${(err as Error).message}`);
  }
}

/**
 * The Cluster's drain settings changed (live mode, SIGHUP): the next `--on-exit drain` uses them,
 * under the `--drain-*` flags given. Only a setting: no session, no path changes.
 */
function applyClusterDrain(
  drain: DrainSettings,
  options: RunOptions,
  advertiser: ControlPlaneAdvertiser,
  log: Logger,
): void {
  const next = resolveExitDrain(options.exitDrain ?? {}, drain);
  if (sameExitDrain(next, advertiser.exitDrain)) return;
  advertiser.setExitDrain(next);
  if (options.onExit === 'drain')
    log.info({ ...next }, "on SIGTERM: drain (the Cluster's drain settings changed)");
}
