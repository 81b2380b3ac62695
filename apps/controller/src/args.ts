/**
 * Command-line flags of `bgplb-controller`, defined once with the shared CLI helpers of
 * @bgplb/kube-runtime: the help text is generated from these definitions, and every flag takes
 * `--name VALUE` or `--name=VALUE`, like bgpadvertiser's.
 */
import { hostname } from 'node:os';
import { FLOATING_IP_LEASE_DEFAULTS } from '@bgplb/api-types';
import {
  addOptions,
  booleanArg,
  type Command,
  choiceArg,
  createCommand,
  integerArg,
  type LogFlags,
  listenAddressArg,
  logOptions,
  namespacedNameArg,
  numberArg,
  Option,
  parseCommand,
  UsageError,
} from '@bgplb/kube-runtime';

export interface CliOptions extends LogFlags {
  /** `cluster`: the Network Gateway controller of this cluster; `admin`: sync user clusters (SPEC §12). */
  mode: 'cluster' | 'admin';
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
  /** A listening address (`:8080`, `127.0.0.1:8080`, ...) or `0`: no server. */
  metricsAddr: string;
  graceSeconds: number;
  /** Namespace of the per-floating-IP Leases (the release namespace). */
  leaseNamespace: string;
  /** A floating IP moves when its Lease has not been renewed this long; 0: off. */
  leaseExpirySeconds: number;
  nodePrefixLength: number;
  loadBalancerClass: string;
  ingressService: string | undefined;
  weightedECMP: 'endpoints' | 'off';
  resyncSeconds: number;
}

interface Flags extends LogFlags {
  mode: 'cluster' | 'admin';
  kubeconfig?: string;
  clusterNamespace?: string;
  statusNamespace: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  identity?: string;
  leaseDuration: number;
  renewDeadline: number;
  retryPeriod: number;
  metricsAddr: string;
  graceSeconds: number;
  leaseNamespace: string;
  leaseExpiry: number;
  nodePrefixLength: number;
  loadBalancerClass: string;
  ingressService?: string;
  weightedEcmp: 'endpoints' | 'off';
  resyncSeconds: number;
}

function command(): Command {
  const c = createCommand(
    'bgplb-controller',
    'The bgplb Network Gateway controller: Service VIPs, floating IPs, BGPSession and\nBGPAdvertisedRoute objects.',
  ).usage(
    '--cluster-namespace <ns> [options]\n       bgplb-controller --mode admin [options]\n       bgplb-controller move --cluster <ns/name> --from <user kubeconfig> --to <admin kubeconfig> [--apply]',
  );
  const seconds = (flags: string, help: string, min: number, dflt: number) =>
    new Option(flags, help).argParser(numberArg(min, 86_400)).default(dflt);
  return addOptions(c, [
    new Option(
      '--mode <mode>',
      "cluster: serve this cluster's Services; admin: make user clusters hold the BGP objects of their Cluster namespaces",
    )
      .argParser(choiceArg(['cluster', 'admin'] as const))
      .default('cluster'),
    new Option(
      '--kubeconfig <path>',
      'kubeconfig file (default: $KUBECONFIG, else the in-cluster service account, else ~/.kube/config)',
    ),
    new Option(
      '--cluster-namespace <ns>',
      'namespace of the Cluster, NetworkGatewayGroup, BGPLoadBalancer and BGPPeers (default: $CLUSTER_NAMESPACE; required)',
    ),
    new Option('--status-namespace <ns>', 'namespace of BGPSession/BGPAdvertisedRoute').default(
      'kube-system',
    ),
    new Option('--leader-elect [true|false]', 'elect a leader on a coordination.k8s.io Lease')
      .argParser(booleanArg)
      .preset(true)
      .default(false),
    new Option('--leader-election-namespace <ns>', 'namespace of the Lease').default('kube-system'),
    new Option('--leader-election-id <name>', 'name of the Lease').default('bgplb-controller'),
    new Option('--identity <id>', "this replica's identity (default: $POD_NAME, else hostname_pid)"),
    new Option('--lease-duration <s>', 'lease duration, seconds').argParser(numberArg(0.1, 3600)).default(15),
    new Option('--renew-deadline <s>', 'a leader gives up after failing to renew this long, seconds')
      .argParser(numberArg(0.05, 3600))
      .default(10),
    new Option('--retry-period <s>', 'interval between lease attempts, seconds')
      .argParser(numberArg(0.01, 3600))
      .default(2),
    new Option('--metrics-addr <host:port>', '/metrics, /healthz, /readyz ("0" disables)')
      .argParser((text: string) => (text === '0' ? text : listenAddressArg(text)))
      .default(':8080'),
    seconds('--grace-seconds <s>', 'a node must be not ready this long before its floating IPs move', 0, 30),
    new Option(
      '--lease-namespace <ns>',
      'namespace of the per-floating-IP Leases the node agents renew',
    ).default('kube-system'),
    seconds(
      '--lease-expiry <s>',
      "a floating IP moves when its Lease has not been renewed this long (0: off, NotReady only); at least the agents' --lease-expiry",
      0,
      FLOATING_IP_LEASE_DEFAULTS.expirySeconds,
    ),
    new Option(
      '--node-prefix-length <n>',
      'prefix length of node InternalIPs without the networking.gke.io/node-subnets annotation',
    )
      .argParser(integerArg(1, 32))
      .default(24),
    new Option('--load-balancer-class <class>', 'spec.loadBalancerClass served besides none').default(
      'networking.gke.io/bgplb',
    ),
    new Option('--ingress-service <ns/name>', 'the Service that gets vips.ingressVIP').argParser(
      namespacedNameArg,
    ),
    new Option(
      '--weighted-ecmp <mode>',
      'externalTrafficPolicy: Local paths carry link bandwidth proportional to ready endpoints (endpoints) or none (off); a BGPLoadBalancer spec.weightedECMP overrides it',
    )
      .choices(['endpoints', 'off'])
      .default('endpoints'),
    seconds('--resync-seconds <s>', 'full reconcile interval without changes', 1, 300),
    ...logOptions(),
  ]);
}

/** The help text, generated from the option definitions. */
export function usage(): string {
  return command().helpInformation();
}

/**
 * Parses argv (without node and script); `env` supplies CLUSTER_NAMESPACE and POD_NAME. Returns
 * 'help' for -h/--help. Throws a UsageError naming the flag on a bad command line.
 */
export function parseCliArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): CliOptions | 'help' {
  const parsed = parseCommand<Flags>(command(), argv);
  if ('help' in parsed) return 'help';
  const f = parsed.options;
  const clusterNamespace = f.clusterNamespace ?? env.CLUSTER_NAMESPACE ?? '';
  // Admin mode reads every Cluster namespace; only cluster mode serves one.
  if (f.mode === 'cluster' && clusterNamespace === '') {
    throw new UsageError(
      '--cluster-namespace is required (the namespace of the Cluster object, e.g. cluster-bm)',
    );
  }
  if (!(f.renewDeadline < f.leaseDuration && f.retryPeriod < f.renewDeadline)) {
    throw new UsageError(
      'leader election timings must satisfy retry-period < renew-deadline < lease-duration',
    );
  }
  return {
    mode: f.mode,
    kubeconfig: f.kubeconfig,
    clusterNamespace,
    statusNamespace: f.statusNamespace,
    leaderElect: f.leaderElect,
    leaderElectionNamespace: f.leaderElectionNamespace,
    leaderElectionId: f.leaderElectionId,
    identity: f.identity ?? env.POD_NAME ?? `${hostname()}_${process.pid}`,
    leaseDurationSeconds: f.leaseDuration,
    renewDeadlineSeconds: f.renewDeadline,
    retryPeriodSeconds: f.retryPeriod,
    metricsAddr: f.metricsAddr,
    graceSeconds: f.graceSeconds,
    leaseNamespace: f.leaseNamespace,
    leaseExpirySeconds: f.leaseExpiry,
    nodePrefixLength: f.nodePrefixLength,
    loadBalancerClass: f.loadBalancerClass,
    ingressService: f.ingressService,
    weightedECMP: f.weightedEcmp,
    resyncSeconds: f.resyncSeconds,
    logLevel: f.logLevel,
    logFormat: f.logFormat,
  };
}
