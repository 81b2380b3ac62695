/** Command line of `bgpadvertiser agent`. */
import { parseArgs } from 'node:util';
import { isLogFormat, isLogLevel, type LogFormat, type LogLevel, parseDuration } from '../shared/index.js';
import type { HandoverMode, ShutdownMode } from './node-agent.js';

export const AGENT_USAGE = `Usage: bgpadvertiser agent --node-name NAME [options]

Node agent (DaemonSet, hostNetwork, NET_ADMIN + NET_RAW + NET_BIND_SERVICE): holds the floating IPs that the
NetworkGatewayGroup assigns to this node, runs this node's BGPSessions from them, announces every
BGPAdvertisedRoute and reports each session's status.

Options:
  --node-name NAME            this node (default: $NODE_NAME)
  --kubeconfig FILE           kubeconfig file (default: $KUBECONFIG, else in-cluster, else ~/.kube/config)
  --cluster-namespace NS      namespace of NetworkGatewayGroup "default" and the BGPPeers,
                              e.g. cluster-demo (default: $CLUSTER_NAMESPACE; required)
  --status-namespace NS       namespace of BGPSessions and BGPAdvertisedRoutes (default kube-system)
  --health-addr HOST:PORT     /healthz, /readyz, /metrics (default 127.0.0.1:8081)
  --log-level LEVEL           trace|debug|info|warn|error (default info)
  --log-format FORMAT         json|pretty (default json)
  --interface IF              put floating IPs on IF instead of the interface found by subnet
  --bgp-port PORT             BGP port to listen on and to connect to (default 179; tests)
  --graceful-restart-time S   Graceful Restart time advertised to peers, seconds (default 120)
  --connect-retry-time S      ConnectRetry when the BGPPeer sets none, seconds (default 5)
  --heartbeat DURATION        BGPSession status heartbeat (default 30s)
  --on-exit MODE              withdraw (default): SIGTERM withdraws routes, sends Cease and removes
                              the floating IPs; graceful-restart: SIGTERM leaves sessions and
                              addresses to graceful restart (routers keep forwarding until the
                              restarted agent sends End-of-RIB)
  --handover MODE             when a floating IP moves away: cease (default) withdraws its routes and
                              sends Cease first; graceful closes TCP without withdrawing, so
                              routers in GR helper mode keep the routes until the new holder's
                              End-of-RIB (no route gap on a planned move)
  --arp-count N               gratuitous ARPs per floating IP added (default 3, 0 = none)
  -h, --help                  show this help
`;

export class AgentUsageError extends Error {
  override readonly name = 'AgentUsageError';
}

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
  handover: HandoverMode;
  arpCount: number;
}

function integer(name: string, text: string | undefined, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new AgentUsageError(`--${name} must be an integer in ${min}..${max}, got "${text}"`);
  }
  return n;
}

/** Parses the agent's argv (the arguments after `agent`); `env` supplies NODE_NAME etc. */
export function parseAgentArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): AgentOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'node-name': { type: 'string' },
        kubeconfig: { type: 'string' },
        'cluster-namespace': { type: 'string' },
        'status-namespace': { type: 'string' },
        'health-addr': { type: 'string' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        interface: { type: 'string' },
        'bgp-port': { type: 'string' },
        'graceful-restart-time': { type: 'string' },
        'connect-retry-time': { type: 'string' },
        heartbeat: { type: 'string' },
        'on-exit': { type: 'string' },
        handover: { type: 'string' },
        'arp-count': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new AgentUsageError((err as Error).message.split('. To specify')[0] ?? String(err));
  }
  if (values.help) return 'help';
  const str = (k: string): string | undefined => {
    const v = values[k];
    return typeof v === 'string' ? v : undefined;
  };
  const nodeName = str('node-name') ?? env.NODE_NAME;
  if (!nodeName) throw new AgentUsageError('--node-name (or the NODE_NAME environment variable) is required');
  const clusterNamespace = str('cluster-namespace') ?? env.CLUSTER_NAMESPACE;
  if (!clusterNamespace) {
    throw new AgentUsageError(
      '--cluster-namespace (or CLUSTER_NAMESPACE) is required: the namespace of NetworkGatewayGroup "default", e.g. cluster-demo',
    );
  }
  const logLevel = str('log-level') ?? 'info';
  if (!isLogLevel(logLevel))
    throw new AgentUsageError(
      `--log-level must be one of trace, debug, info, warn, error; got "${logLevel}"`,
    );
  const logFormat = str('log-format') ?? 'json';
  if (!isLogFormat(logFormat))
    throw new AgentUsageError(`--log-format must be json or pretty; got "${logFormat}"`);
  const onExit = str('on-exit') ?? 'withdraw';
  if (onExit !== 'withdraw' && onExit !== 'graceful-restart') {
    throw new AgentUsageError(`--on-exit must be withdraw or graceful-restart; got "${onExit}"`);
  }
  const handover = str('handover') ?? 'cease';
  if (handover !== 'cease' && handover !== 'graceful') {
    throw new AgentUsageError(`--handover must be cease or graceful; got "${handover}"`);
  }
  let heartbeatMs = 30_000;
  const hb = str('heartbeat');
  if (hb !== undefined) {
    try {
      heartbeatMs = parseDuration(hb);
    } catch (err) {
      throw new AgentUsageError(`--heartbeat: ${(err as Error).message}`);
    }
    if (heartbeatMs < 1000) throw new AgentUsageError('--heartbeat must be at least 1s');
  }
  return {
    nodeName,
    kubeconfig: str('kubeconfig'),
    clusterNamespace,
    statusNamespace: str('status-namespace') ?? 'kube-system',
    healthAddr: str('health-addr') ?? '127.0.0.1:8081',
    logLevel,
    logFormat,
    interface: str('interface'),
    bgpPort: integer('bgp-port', str('bgp-port'), 1, 65535, 179),
    gracefulRestartTime: integer('graceful-restart-time', str('graceful-restart-time'), 1, 4095, 120),
    connectRetryTime: integer('connect-retry-time', str('connect-retry-time'), 1, 65535, 5),
    heartbeatMs,
    onExit,
    handover,
    arpCount: integer('arp-count', str('arp-count'), 0, 100, 3),
  };
}
