/**
 * `bgpadvertiser agent`: the node agent. Wires the Kubernetes watches, the speaker, the address
 * manager and the status reporter to the NodeAgent core, serves health and metrics, and stops on
 * SIGTERM/SIGINT.
 */

import { BfdManager } from '@bgplb/bfd';
import {
  EventRecorder,
  type HealthServer,
  KubeClient,
  LeaseClient,
  type Logger,
  loadKubeConfig,
  openLogger,
  systemClock,
  USAGE_EXIT_CODE,
  UsageError,
} from '@bgplb/kube-runtime';
import type { KubeConfig } from '@kubernetes/client-node';
import type { AgentSpeaker } from '../shared/index.js';
import { type AddressManager, IpAddressManager } from '../shared/ip-addresses.js';
import { speakerEventOptions } from '../shared/speaker-log.js';
import { createSpeakerWithMetrics, startHealthOrShutdown } from '../shared/startup.js';
import { createBgpSpeaker, type SpeakerFactory } from '../speaker-factory.js';
import { agentWatchSpecs, watchList } from './kube-watches.js';
import { AgentMetrics } from './metrics.js';
import { NodeAgent } from './node-agent.js';
import { type AgentOptions, agentUsage, parseAgentArgs } from './options.js';
import { KubeRouteStatusWriter, RouteLivenessReporter } from './route-liveness-status.js';
import { StatusReporter } from './status-reporter.js';
import { KubeStatusWriter } from './status-writer.js';

export { NodeAgent, type ShutdownMode } from './node-agent.js';
export { type AgentOptions, agentUsage, parseAgentArgs } from './options.js';

export interface RunAgentDeps {
  /** Creates the BGP speaker (default: the real @bgplb/bgp-fsm one). */
  speaker?: SpeakerFactory<AgentSpeaker>;
  /** Resolves to stop the agent (instead of SIGTERM/SIGINT). */
  stopSignal?: Promise<'SIGTERM' | 'SIGINT'>;
  kubeConfig?: KubeConfig;
  /** Address manager (default: `ip` and `arping` on this host). */
  addresses?: AddressManager;
  /** Called once the agent is built (tests read its state). */
  onStarted?: (agent: NodeAgent, health: HealthServer) => void;
  out?: (text: string) => void;
}

function waitForSignal(log: Logger): Promise<'SIGTERM' | 'SIGINT'> {
  return new Promise((resolve) => {
    let received = false;
    const on = (signal: 'SIGTERM' | 'SIGINT'): void => {
      // Keep handling: a second signal must not kill the process halfway through withdrawing.
      if (received) {
        log.warn({ signal }, `received ${signal} again; still stopping`);
        return;
      }
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', () => on('SIGTERM'));
    process.on('SIGINT', () => on('SIGINT'));
  });
}

/** Entry point of `bgpadvertiser agent ARGS`; resolves with the exit code. */
export async function runAgent(argv: string[], deps: RunAgentDeps = {}): Promise<number> {
  const out = deps.out ?? ((t: string) => process.stderr.write(t));
  let options: AgentOptions;
  try {
    const parsed = parseAgentArgs(argv);
    if (parsed === 'help') {
      (deps.out ?? ((t: string) => process.stdout.write(t)))(agentUsage());
      return 0;
    }
    options = parsed;
  } catch (err) {
    if (err instanceof UsageError) {
      out(`bgpadvertiser agent: ${err.message}\nRun 'bgpadvertiser agent --help' for usage.\n`);
      return USAGE_EXIT_CODE;
    }
    throw err;
  }
  const log = await openLogger({
    level: options.logLevel,
    format: options.logFormat,
    base: { node: options.nodeName },
  });
  log.info(
    { node: options.nodeName, clusterNamespace: options.clusterNamespace, bgpPort: options.bgpPort },
    'bgpadvertiser agent starting',
  );

  let kc: KubeConfig;
  try {
    if (deps.kubeConfig !== undefined) kc = deps.kubeConfig;
    else {
      const loaded = loadKubeConfig({ kubeconfig: options.kubeconfig });
      log.info({ source: loaded.source, from: loaded.from }, 'Kubernetes configuration loaded');
      kc = loaded.kubeConfig;
    }
  } catch (err) {
    log.fatal({ err }, `cannot load the Kubernetes configuration: ${(err as Error).message}`);
    return 1;
  }
  // One BFD manager for the speaker's peers and next-hop liveness: both use UDP 3784/4784 on the
  // same addresses, and a port can have only one receiving socket per address.
  const bfd = options.nextHopLiveness !== undefined ? new BfdManager() : undefined;
  bfd?.on('error', (err) => log.warn({ err }, `BFD: ${err.message}`));
  const createSpeaker = deps.speaker ?? createBgpSpeaker;
  const started = await createSpeakerWithMetrics<AgentSpeaker>(log, () =>
    createSpeaker({ bfd, ...speakerEventOptions(log) }),
  );
  if (started === undefined) return 1;
  const { speaker, registry, peerReport } = started;

  const client = new KubeClient(kc);
  // Lease renewals get their own connections and a timeout shorter than the expiry, so a large
  // list or a stuck request on the shared client never delays them.
  const leaseSettings = options.floatingIPLeases;
  const leaseClient =
    leaseSettings === undefined
      ? undefined
      : new KubeClient(kc, {
          timeoutMs: Math.max(500, Math.min(leaseSettings.expiryMs, 10_000)),
          maxSockets: 4,
        });
  const metrics = new AgentMetrics(registry);
  const reporter = new StatusReporter({
    writer: new KubeStatusWriter(client, options.statusNamespace),
    heartbeatMs: options.heartbeatMs,
    onWrite: (name, result, error) => {
      metrics.statusWrites.inc({ result });
      if (result === 'error') log.warn({ session: name }, `${error?.message}; retrying with backoff`);
      else if (result === 'gone')
        log.info({ session: name }, `BGPSession ${name} is gone; no more status reports`);
    },
  });
  const agent = new NodeAgent({
    node: options.nodeName,
    speaker,
    addresses: deps.addresses ?? new IpAddressManager({ arpCount: options.arpCount }),
    reporter,
    logger: log,
    metrics,
    interfaceOverride: options.interface,
    bgpPort: options.bgpPort,
    gracefulRestartTime: options.gracefulRestartTime,
    exitDrain: options.exitDrain,
    defaultConnectRetryTime: options.connectRetryTime,
    events: new EventRecorder(client, {
      component: 'bgpadvertiser-agent',
      host: options.nodeName,
      log,
    }),
    statusNamespace: options.statusNamespace,
    handover: options.handover,
    nextHopLiveness:
      bfd !== undefined && options.nextHopLiveness !== undefined
        ? {
            bfd,
            settings: options.nextHopLiveness,
            routeStatus: new RouteLivenessReporter({
              node: options.nodeName,
              writer: new KubeRouteStatusWriter(client, options.statusNamespace),
              clock: systemClock,
              logger: log,
            }),
          }
        : undefined,
    floatingIPLeases:
      leaseClient !== undefined && leaseSettings !== undefined
        ? { store: new LeaseClient(leaseClient), settings: leaseSettings }
        : undefined,
  });

  const health = await startHealthOrShutdown(
    { address: options.healthAddr, logger: log, registry, readiness: () => agent.readiness() },
    speaker,
    'agent failed to start',
  );
  if (health === undefined) {
    peerReport.stop();
    return 1;
  }

  const specs = agentWatchSpecs(options.nodeName, options.statusNamespace, options.clusterNamespace);
  const watches = [
    watchList(kc, client, specs.own, log, (items) => agent.setOwnSessions(items)),
    watchList(kc, client, specs.cluster, log, (items) => agent.setClusterSessions(items)),
    watchList(kc, client, specs.routes, log, (items) => agent.setRoutes(items)),
    watchList(kc, client, specs.peers, log, (items) => agent.setPeers(items)),
    watchList(kc, client, specs.gatewayGroups, log, (items) =>
      agent.setGatewayGroup(items.find((o) => o.metadata.name === 'default')),
    ),
  ];
  void Promise.all(watches.map((w) => w.synced)).then(() => agent.markSynced());

  deps.onStarted?.(agent, health);
  const signal = await (deps.stopSignal ?? waitForSignal(log));
  log.info({ signal, mode: options.onExit }, `received ${signal}, stopping (${options.onExit})`);
  await Promise.all(watches.map((w) => w.informer.stop()));
  await agent.shutdown(options.onExit);
  peerReport.stop();
  await bfd?.close();
  await health.close();
  client.close();
  leaseClient?.close();
  log.info('bgpadvertiser agent stopped');
  return 0;
}
