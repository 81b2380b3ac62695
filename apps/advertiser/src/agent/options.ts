/**
 * Command line of `bgpadvertiser agent`, defined with the shared CLI helpers of
 * @bgplb/kube-runtime (generated help, one flag syntax with bgplb-controller and the other modes).
 */
import { DEFAULT_TIMERS, FLOATING_IP_LEASE_DEFAULTS } from '@bgplb/api-types';
import {
  addOptions,
  type Command,
  choiceArg,
  createCommand,
  durationArg,
  integerArg,
  type LogFormat,
  type LogLevel,
  listenAddressArg,
  logOptions,
  Option,
  parseCommand,
  UsageError,
} from '@bgplb/kube-runtime/process';
import type { FloatingIPLeaseSettings } from './floating-ip-leases.js';
import { DEFAULT_NEXT_HOP_LIVENESS, type NextHopLivenessSettings } from './next-hop-liveness.js';
import type { ExitDrain, HandoverMode, ShutdownMode } from './node-agent.js';

export interface AgentOptions {
  nodeName: string;
  kubeconfig?: string | undefined;
  clusterNamespace: string;
  statusNamespace: string;
  healthAddr: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  interface?: string | undefined;
  bgpPort: number;
  gracefulRestartTime: number;
  connectRetryTime: number;
  heartbeatMs: number;
  onExit: ShutdownMode;
  /** `--on-exit drain`: GRACEFUL_SHUTDOWN for this long, with this fallback, before withdrawing. */
  exitDrain: ExitDrain;
  handover: HandoverMode;
  arpCount: number;
  /** Next-hop liveness (an extension): BFD to the next hops; undefined when off. */
  nextHopLiveness?: NextHopLivenessSettings | undefined;
  /** Per-floating-IP Leases (renew, fence); undefined when off (`--lease-expiry 0`). */
  floatingIPLeases?: FloatingIPLeaseSettings | undefined;
}

type Flags = Omit<
  AgentOptions,
  'nodeName' | 'clusterNamespace' | 'heartbeatMs' | 'nextHopLiveness' | 'floatingIPLeases' | 'exitDrain'
> & {
  drainDelay: number;
  drainMedIncrease: number;
  drainAsPathPrepend: number;
  leaseNamespace: string;
  leaseRenew: number;
  leaseExpiry: number;
  nodeName?: string;
  clusterNamespace?: string;
  heartbeat: number;
  nextHopLiveness: 'on' | 'off';
  nextHopInterval: number;
  nextHopMultiplier: number;
  nextHopHoldDown: number;
};

function command(): Command {
  const c = createCommand(
    'bgpadvertiser agent',
    `Node agent (DaemonSet, hostNetwork, NET_ADMIN + NET_RAW + NET_BIND_SERVICE): holds the floating IPs
that the NetworkGatewayGroup assigns to this node, runs this node's BGPSessions from them, announces
every BGPAdvertisedRoute and reports each session's status.`,
  ).usage('--node-name NAME [options]');
  return addOptions(c, [
    new Option('--node-name <name>', 'this node (default: $NODE_NAME)'),
    new Option(
      '--kubeconfig <file>',
      'kubeconfig file (default: $KUBECONFIG, else in-cluster, else ~/.kube/config)',
    ),
    new Option(
      '--cluster-namespace <ns>',
      'namespace of NetworkGatewayGroup "default" and the BGPPeers, e.g. cluster-demo (default: $CLUSTER_NAMESPACE; required)',
    ),
    new Option('--status-namespace <ns>', 'namespace of BGPSessions and BGPAdvertisedRoutes').default(
      'kube-system',
    ),
    new Option(
      '--health-addr <host:port>',
      '/healthz, /readyz, /metrics (8081, :8081, 127.0.0.1:8081, [::1]:8081)',
    )
      .argParser(listenAddressArg)
      .default('127.0.0.1:8081'),
    ...logOptions(),
    new Option('--interface <if>', 'put floating IPs on IF instead of the interface found by subnet'),
    new Option('--bgp-port <port>', 'BGP port to listen on and to connect to (tests)')
      .argParser(integerArg(1, 65535))
      .default(179),
    new Option('--graceful-restart-time <s>', 'Graceful Restart time advertised to peers, seconds')
      .argParser(integerArg(1, 4095))
      .default(120),
    new Option('--connect-retry-time <s>', 'ConnectRetry when the BGPPeer sets none, seconds')
      .argParser(integerArg(1, 65535))
      .default(DEFAULT_TIMERS.connectRetryTime),
    new Option('--heartbeat <duration>', 'BGPSession status heartbeat')
      .argParser(durationArg(1000))
      .default(30_000, '30s'),
    new Option(
      '--on-exit <mode>',
      'withdraw: SIGTERM withdraws routes, sends Cease and removes the floating IPs; graceful-restart: SIGTERM leaves sessions and addresses to graceful restart (routers keep forwarding until the restarted agent sends End-of-RIB); drain: SIGTERM re-announces every path with GRACEFUL_SHUTDOWN (RFC 8326), waits --drain-delay, then withdraws',
    )
      .argParser(choiceArg<ShutdownMode>(['withdraw', 'graceful-restart', 'drain']))
      .default('withdraw'),
    new Option(
      '--drain-delay <duration>',
      '--on-exit drain: how long to announce with GRACEFUL_SHUTDOWN before withdrawing',
    )
      .argParser(durationArg(0))
      .default(15_000, '15s'),
    new Option(
      '--drain-med-increase <n>',
      '--on-exit drain: added to the MED, for routers without a graceful-shutdown policy',
    )
      .argParser(integerArg(0, 4294967295))
      .default(0),
    new Option(
      '--drain-as-path-prepend <n>',
      '--on-exit drain: extra copies of our AS in the AS_PATH, for the same routers',
    )
      .argParser(integerArg(0, 10))
      .default(0),
    new Option(
      '--handover <mode>',
      "when a floating IP moves away: cease withdraws its routes and sends Cease first; graceful closes TCP without withdrawing, so routers in GR helper mode keep the routes until the new holder's End-of-RIB (no route gap on a planned move)",
    )
      .argParser(choiceArg<HandoverMode>(['cease', 'graceful']))
      .default('cease'),
    new Option(
      '--arp-count <n>',
      'gratuitous ARPs (IPv4) or unsolicited neighbor advertisements (IPv6) per floating IP added (0 = none)',
    )
      .argParser(integerArg(0, 100))
      .default(3),
    new Option(
      '--next-hop-liveness <on|off>',
      'extension: BFD between agents; a holder withdraws a next hop whose node stops answering (within a second) and announces it again after the hold-down',
    )
      .argParser(choiceArg<'on' | 'off'>(['on', 'off']))
      .default('off'),
    new Option('--next-hop-interval <duration>', 'next-hop liveness: BFD transmit and receive interval')
      .argParser(durationArg(10))
      .default(DEFAULT_NEXT_HOP_LIVENESS.intervalMs, '300ms'),
    new Option(
      '--next-hop-multiplier <n>',
      'next-hop liveness: BFD detect multiplier (Down after n missed packets)',
    )
      .argParser(integerArg(1, 255))
      .default(DEFAULT_NEXT_HOP_LIVENESS.multiplier),
    new Option(
      '--next-hop-hold-down <duration>',
      'next-hop liveness: a withdrawn next hop must be Up this long before it is announced again',
    )
      .argParser(durationArg(0))
      .default(DEFAULT_NEXT_HOP_LIVENESS.holdDownMs, '3s'),
    new Option(
      '--lease-namespace <ns>',
      "namespace of the per-floating-IP Leases (the controller's --lease-namespace)",
    ).default('kube-system'),
    new Option('--lease-renew <duration>', 'renew period of the Lease of each floating IP this node holds')
      .argParser(durationArg(50))
      .default(FLOATING_IP_LEASE_DEFAULTS.renewSeconds * 1000, '1s'),
    new Option(
      '--lease-expiry <duration>',
      "fencing: a floating IP whose Lease could not be renewed this long is dropped (sessions closed, address removed); at most the controller's --lease-expiry; 0 turns the Leases off",
    )
      .argParser(durationArg(0))
      .default(FLOATING_IP_LEASE_DEFAULTS.expirySeconds * 1000, '3s'),
  ]);
}

/** The help of `bgpadvertiser agent --help`, generated from the option definitions. */
export function agentUsage(): string {
  return command().helpInformation();
}

/** Parses the agent's argv (the arguments after `agent`); `env` supplies NODE_NAME etc. Throws UsageError. */
export function parseAgentArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): AgentOptions | 'help' {
  const parsed = parseCommand<Flags>(command(), argv);
  if ('help' in parsed) return 'help';
  const {
    heartbeat,
    drainDelay,
    drainMedIncrease,
    drainAsPathPrepend,
    nextHopLiveness,
    nextHopInterval,
    nextHopMultiplier,
    nextHopHoldDown,
    leaseNamespace,
    leaseRenew,
    leaseExpiry,
    ...f
  } = parsed.options;
  if (leaseExpiry > 0 && leaseRenew >= leaseExpiry) {
    throw new UsageError(
      `--lease-renew (${leaseRenew} ms) must be shorter than --lease-expiry (${leaseExpiry} ms): a Lease must be renewed before it expires`,
    );
  }
  const nodeName = f.nodeName ?? env.NODE_NAME;
  if (!nodeName) throw new UsageError('--node-name (or the NODE_NAME environment variable) is required');
  const clusterNamespace = f.clusterNamespace ?? env.CLUSTER_NAMESPACE;
  if (!clusterNamespace) {
    throw new UsageError(
      '--cluster-namespace (or CLUSTER_NAMESPACE) is required: the namespace of NetworkGatewayGroup "default", e.g. cluster-demo',
    );
  }
  return {
    ...f,
    kubeconfig: f.kubeconfig,
    interface: f.interface,
    nodeName,
    clusterNamespace,
    heartbeatMs: heartbeat,
    exitDrain: { delayMs: drainDelay, medIncrease: drainMedIncrease, asPathPrepend: drainAsPathPrepend },
    nextHopLiveness:
      nextHopLiveness === 'on'
        ? { intervalMs: nextHopInterval, multiplier: nextHopMultiplier, holdDownMs: nextHopHoldDown }
        : undefined,
    floatingIPLeases:
      leaseExpiry > 0 ? { namespace: leaseNamespace, renewMs: leaseRenew, expiryMs: leaseExpiry } : undefined,
  };
}
