/** Command-line flags of `bgplb-controller`. */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';

export interface CliOptions {
  kubeconfig: string | undefined;
  clusterNamespace: string;
  statusNamespace: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  metricsAddr: string;
  graceSeconds: number;
  nodePrefixLength: number;
  loadBalancerClass: string;
  ingressService: string | undefined;
  resyncSeconds: number;
  logLevel: string;
}

export const USAGE = `Usage: bgplb-controller --cluster-namespace <ns> [flags]

The bgplb Network Gateway controller: Service VIPs, floating IPs, BGPSession and
BGPAdvertisedRoute objects.

Flags:
  --kubeconfig <path>              kubeconfig file (default: in-cluster service account,
                                   else $KUBECONFIG, else ~/.kube/config)
  --cluster-namespace <ns>         namespace of the Cluster, NetworkGatewayGroup,
                                   BGPLoadBalancer and BGPPeers (or $CLUSTER_NAMESPACE)
  --status-namespace <ns>          namespace of BGPSession/BGPAdvertisedRoute (kube-system)
  --leader-elect[=true|false]      elect a leader on a coordination.k8s.io Lease (false)
  --leader-election-namespace <ns> namespace of the Lease (kube-system)
  --leader-election-id <name>      name of the Lease (bgplb-controller)
  --identity <id>                  this replica's identity ($POD_NAME, else hostname_pid)
  --lease-duration <s>             lease duration in seconds (15)
  --renew-deadline <s>             leader gives up after failing to renew for this long (10)
  --retry-period <s>               interval between lease attempts (2)
  --metrics-addr <host:port>       /metrics, /healthz, /readyz (:8080; "0" disables)
  --grace-seconds <s>              a node must be not ready this long before its
                                   floating IPs move (30)
  --node-prefix-length <n>         prefix length of node InternalIPs without the
                                   networking.gke.io/node-subnets annotation (24)
  --load-balancer-class <class>    spec.loadBalancerClass served besides none
                                   (networking.gke.io/bgplb)
  --ingress-service <ns/name>      the Service that gets vips.ingressVIP
  --resync-seconds <s>             full reconcile interval without changes (300)
  --log-level <level>              trace, debug, info, warn, error (info)
  -h, --help                       this text
`;

function number(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new Error(`--${name}: expected a number in ${min}..${max}, got "${text}"`);
  }
  return n;
}

function bool(name: string, text: string): boolean {
  if (text === 'true' || text === '') return true;
  if (text === 'false') return false;
  throw new Error(`--${name}: expected true or false, got "${text}"`);
}

/** Parses argv (without node and script). Returns 'help' for --help. Throws with a clear message on bad flags. */
export function parseCliArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): CliOptions | 'help' {
  // --leader-elect is a boolean that also accepts =true/=false.
  const normalized = argv.map((a) => (a === '--leader-elect' ? '--leader-elect=true' : a));
  const { values, positionals } = parseArgs({
    args: normalized,
    strict: true,
    allowPositionals: true,
    options: {
      kubeconfig: { type: 'string' },
      'cluster-namespace': { type: 'string' },
      'status-namespace': { type: 'string', default: 'kube-system' },
      'leader-elect': { type: 'string', default: 'false' },
      'leader-election-namespace': { type: 'string', default: 'kube-system' },
      'leader-election-id': { type: 'string', default: 'bgplb-controller' },
      identity: { type: 'string' },
      'lease-duration': { type: 'string', default: '15' },
      'renew-deadline': { type: 'string', default: '10' },
      'retry-period': { type: 'string', default: '2' },
      'metrics-addr': { type: 'string', default: ':8080' },
      'grace-seconds': { type: 'string', default: '30' },
      'node-prefix-length': { type: 'string', default: '24' },
      'load-balancer-class': { type: 'string', default: 'networking.gke.io/bgplb' },
      'ingress-service': { type: 'string' },
      'resync-seconds': { type: 'string', default: '300' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  const clusterNamespace = values['cluster-namespace'] ?? env.CLUSTER_NAMESPACE;
  if (clusterNamespace === undefined || clusterNamespace === '') {
    throw new Error('--cluster-namespace is required (the namespace of the Cluster object, e.g. cluster-bm)');
  }
  const leaseDurationSeconds = number('lease-duration', values['lease-duration'], 0.1, 3600);
  const renewDeadlineSeconds = number('renew-deadline', values['renew-deadline'], 0.05, 3600);
  const retryPeriodSeconds = number('retry-period', values['retry-period'], 0.01, 3600);
  if (!(renewDeadlineSeconds < leaseDurationSeconds && retryPeriodSeconds < renewDeadlineSeconds)) {
    throw new Error('leader election timings must satisfy retry-period < renew-deadline < lease-duration');
  }
  const ingressService = values['ingress-service'];
  if (ingressService !== undefined && !/^[^/]+\/[^/]+$/.test(ingressService)) {
    throw new Error(`--ingress-service: expected namespace/name, got "${ingressService}"`);
  }
  const logLevel = values['log-level'];
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) {
    throw new Error(`--log-level: unknown level "${logLevel}"`);
  }
  return {
    kubeconfig: values.kubeconfig,
    clusterNamespace,
    statusNamespace: values['status-namespace'],
    leaderElect: bool('leader-elect', values['leader-elect']),
    leaderElectionNamespace: values['leader-election-namespace'],
    leaderElectionId: values['leader-election-id'],
    identity: values.identity ?? env.POD_NAME ?? `${hostname()}_${process.pid}`,
    leaseDurationSeconds,
    renewDeadlineSeconds,
    retryPeriodSeconds,
    metricsAddr: values['metrics-addr'],
    graceSeconds: number('grace-seconds', values['grace-seconds'], 0, 86_400),
    nodePrefixLength: number('node-prefix-length', values['node-prefix-length'], 1, 32),
    loadBalancerClass: values['load-balancer-class'],
    ingressService,
    resyncSeconds: number('resync-seconds', values['resync-seconds'], 1, 86_400),
    logLevel,
  };
}
