/**
 * The command line of `bgpadvertiser` (control-plane mode, `validate`, `preflight`; `agent` has
 * its own flags in agent/options.ts), defined with the shared CLI helpers of @bgplb/kube-runtime:
 * help texts are generated from these definitions, and the flag syntax, value parsers and error
 * messages are bgplb-controller's too.
 */
import { hostname } from 'node:os';
import { isIPv4 } from '@bgplb/api-types';
import {
  addOptions,
  type Command,
  createCommand,
  durationArg,
  integerArg,
  type LogFlags,
  type LogFormat,
  type LogLevel,
  listenAddressArg,
  logOptions,
  Option,
  parseCommand,
  UsageError,
  valueArg,
} from '@bgplb/kube-runtime/process';
import { DEFAULT_LAST_GOOD_PATH } from './live/last-good.js';
import type { LiveSource } from './live/live-mode.js';
import type { SpeakerSource } from './speaker-config.js';

export { UsageError } from '@bgplb/kube-runtime/process';

export interface HealthCheckOptions {
  /** Absent only with `--cluster-config`: then the Cluster's `controlPlaneReadyzUrl`. */
  url?: string;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
  caFile?: string;
  insecure: boolean;
}

export interface RunOptions {
  command: 'run';
  /**
   * `--config FILE --advertise-ip IP`, `--cluster-config FILE [--node-ip IP]`, or live mode:
   * `--cluster NAMESPACE/NAME` with `--kubeconfig FILE` (or in-cluster credentials).
   */
  source: SpeakerSource | LiveSource;
  healthAddr: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  vipInterface?: string;
  check?: HealthCheckOptions;
  peerPort?: number;
}

export interface PreflightOptions {
  command: 'preflight';
  clusterConfig: string;
  nodeIp?: string;
  timeoutMs: number;
  probe?: string;
  vipInterface?: string;
  peerPort?: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

export interface StaticPodCommandOptions {
  command: 'static-pod';
  clusterConfig: string;
  /** The control-plane node's address in the Cluster. */
  node: string;
  /** `--live`: the pod runs live mode (the Cluster through the local API server) instead of the file. */
  live: boolean;
  vipInterface?: string;
  image?: string;
}

export type ParsedCommand =
  | RunOptions
  | PreflightOptions
  | StaticPodCommandOptions
  | { command: 'validate'; files: string[] }
  | { command: 'agent'; argv: string[] }
  | { command: 'help'; text: string }
  | { command: 'version' };

const ipv4Arg = valueArg((text: string): string => {
  if (!isIPv4(text)) throw new Error(`expected an IPv4 address such as 10.0.0.8, got "${text}"`);
  return text;
});

/** A Linux interface name: 1-15 characters, no slash or whitespace. */
const interfaceArg = valueArg((text: string): string => {
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(text)) {
    throw new Error(`expected an interface name such as lo or eth0 (at most 15 characters), got "${text}"`);
  }
  return text;
});

/** `NAMESPACE/NAME` of a Cluster: two RFC 1123 names. */
const clusterRefArg = valueArg((text: string): { namespace: string; name: string } => {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(text);
  if (m === null) throw new Error(`expected NAMESPACE/NAME such as cluster-bm/bm, got "${text}"`);
  return { namespace: m[1] as string, name: m[3] as string };
});

const urlArg = valueArg((text: string): string => {
  if (!/^https?:\/\/[^/]+/.test(text)) throw new Error(`expected an http:// or https:// URL, got "${text}"`);
  return text;
});

const peerPortOption = () =>
  new Option('--peer-port <port>', 'TCP port of the peers (default: 179)').argParser(integerArg(1, 65535));
const vipInterfaceOption = (help: string) =>
  new Option('--vip-interface <dev>', help).argParser(interfaceArg);

// After "Usage: bgpadvertiser ": the spec's command line first, then the other modes.
const SYNOPSIS = `--config FILE --advertise-ip IP [options]
       bgpadvertiser --cluster-config FILE [--node-ip IP] [options]
       bgpadvertiser --kubeconfig FILE --cluster NAMESPACE/NAME [--node-ip IP] [options]   (live mode)
       bgpadvertiser validate FILE...
       bgpadvertiser preflight --cluster-config FILE [--node-ip IP] [--timeout 30s] [--probe CMD]
       bgpadvertiser static-pod --cluster-config FILE --node ADDRESS [--live] [--vip-interface DEV]
       bgpadvertiser agent --node-name NODE [options]   (node agent; see 'bgpadvertiser agent --help')`;

function runCommand(): Command {
  const c = createCommand(
    'bgpadvertiser',
    `Announces IP/32 over BGP to every peer in FILE, with next hop localIP and origin IGP, and serves
/healthz, /readyz and /metrics. With --cluster-config, the peers, localIP (this node), localASN
and the VIP come from the Cluster, and the VIP is health-gated on the local API server's /readyz.
SIGTERM/SIGINT withdraw and close the sessions (Cease/Administrative Shutdown); SIGHUP re-reads
FILE and adds/removes peers without touching the others.`,
  ).usage(SYNOPSIS);
  return addOptions(c, [
    new Option(
      '--config <file>',
      'advertiser config (YAML: localIP, localASN, peers[{peerIP, peerASN}], timers)',
    ),
    new Option('--advertise-ip <ip>', 'the VIP to announce as IP/32').argParser(ipv4Arg),
    new Option(
      '--cluster-config <file>',
      'take the config from the Cluster (one file for every control-plane node) instead of --config',
    ),
    new Option(
      '--node-ip <ip>',
      "with --cluster-config or --cluster: this node's address (default: the control-plane node address found on this host)",
    ).argParser(ipv4Arg),
    new Option(
      '--cluster <namespace/name>',
      'live mode: follow this Cluster through the API server (changes applied as they happen)',
    ).argParser(clusterRefArg),
    new Option(
      '--kubeconfig <file>',
      'live mode: credentials (default: KUBECONFIG, in-cluster, ~/.kube/config; on a node /etc/kubernetes/admin.conf)',
    ),
    new Option(
      '--node-name <name>',
      "live mode: this node's name on its BGPSessions and Events (default: the host name)",
    ),
    new Option(
      '--last-good-config <file>',
      'live mode: where the last applied Cluster is kept, for starting while the API server is unreachable',
    ).default(DEFAULT_LAST_GOOD_PATH),
    new Option(
      '--health-addr <host:port>',
      'health and metrics server (8080, :8080, 127.0.0.1:8080, [::1]:8080)',
    )
      .argParser(listenAddressArg)
      .default('127.0.0.1:8080'),
    ...logOptions('info', 'log level (debug shows keepalives)'),
    vipInterfaceOption('hold IP/32 on DEV while announced (needs NET_ADMIN)'),
    new Option(
      '--check-url <url>',
      'health-gate the VIP on this URL (e.g. https://127.0.0.1:6443/readyz; with --cluster-config default https://127.0.0.1:<controlPlaneLBPort>/readyz)',
    ).argParser(urlArg),
    new Option('--no-check', 'with --cluster-config: announce without the health check'),
    new Option('--check-interval <duration>', 'time between checks')
      .argParser(durationArg())
      .default(5_000, '5s'),
    new Option('--check-timeout <duration>', 'timeout of one check')
      .argParser(durationArg())
      .default(2_000, '2s'),
    new Option('--check-failure-threshold <n>', 'consecutive failures before withdrawing')
      .argParser(integerArg(1, Number.MAX_SAFE_INTEGER))
      .default(3),
    new Option('--check-success-threshold <n>', 'consecutive successes before announcing again')
      .argParser(integerArg(1, Number.MAX_SAFE_INTEGER))
      .default(1),
    new Option('--check-ca <file>', "CA bundle (PEM) to verify the check URL's certificate"),
    new Option('--check-insecure', "do not verify the check URL's certificate"),
    peerPortOption(),
    new Option('-v, --version', 'print the version'),
  ]);
}

function validateCommand(): Command {
  return createCommand(
    'bgpadvertiser validate',
    `Checks cluster configuration files (multi-document YAML) and advertiser config files; prints
file:line:col: message for every problem. Exit 0 valid, 1 invalid, 2 a file cannot be read.`,
  )
    .usage('FILE...')
    .argument('[file...]');
}

function preflightCommand(): Command {
  const c = createCommand(
    'bgpadvertiser preflight',
    `Run on a control-plane node before creating the cluster: per peer, a session, the VIP announced
and accepted, the optional --probe, then a withdraw. Exit 0 when every check passes, 1 when one
fails, 2 on a usage or configuration error.`,
  ).usage('--cluster-config FILE [options]');
  return addOptions(c, [
    new Option('--cluster-config <file>', 'the cluster configuration (Cluster with spec.loadBalancer)'),
    new Option(
      '--node-ip <ip>',
      "this node's address (default: the control-plane node address found on a local interface)",
    ).argParser(ipv4Arg),
    new Option('--timeout <duration>', 'overall budget; preflight always ends within it')
      .argParser(durationArg())
      .default(30_000, '30s'),
    new Option(
      '--probe <cmd>',
      'also require CMD to succeed while the VIP is announced (sh -c; env VIP, NODE_IP, PEER_IP, PEER_ASN)',
    ),
    vipInterfaceOption('hold the VIP on DEV during the check (so a probe can reach it)'),
    peerPortOption(),
    ...logOptions('warn'),
  ]);
}

function staticPodCommand(): Command {
  const c = createCommand(
    'bgpadvertiser static-pod',
    `Prints the static-pod manifest (/etc/kubernetes/manifests/bgpadvertiser.yaml) of one control-plane
node: bgpadvertiser --cluster-config FILE --node-ip ADDRESS, with FILE's directory mounted from the
host, the image of this version, probes on the loopback health server. Exit 0, or 2 when the Cluster
is invalid or ADDRESS is not one of its control-plane nodes.`,
  ).usage('--cluster-config FILE --node ADDRESS [options]');
  return addOptions(c, [
    new Option('--cluster-config <file>', 'the Cluster file, at the path it has on the node'),
    new Option(
      '--node <address>',
      "the control-plane node (its address in the Cluster's controlPlane.nodePoolSpec.nodes)",
    ).argParser(ipv4Arg),
    new Option(
      '--live',
      'the pod follows the Cluster through the local API server (--kubeconfig /etc/kubernetes/admin.conf --cluster NAMESPACE/NAME) instead of reading FILE',
    ),
    vipInterfaceOption('the pod also holds the VIP on DEV (runs as root with only NET_ADMIN)'),
    new Option('--image <image>', 'container image (default: ghcr.io/bgplb/bgpadvertiser:<this version>)'),
  ]);
}

/** The help of `bgpadvertiser --help`: the run options, then the subcommands' own help. */
export function usage(): string {
  return [
    runCommand().helpInformation(),
    validateCommand().helpInformation(),
    preflightCommand().helpInformation(),
    staticPodCommand().helpInformation(),
  ].join('\n');
}

interface RunFlags extends LogFlags {
  config?: string;
  advertiseIp?: string;
  clusterConfig?: string;
  nodeIp?: string;
  cluster?: { namespace: string; name: string };
  kubeconfig?: string;
  nodeName?: string;
  lastGoodConfig: string;
  /** False with --no-check. */
  check: boolean;
  healthAddr: string;
  vipInterface?: string;
  checkUrl?: string;
  checkInterval: number;
  checkTimeout: number;
  checkFailureThreshold: number;
  checkSuccessThreshold: number;
  checkCa?: string;
  checkInsecure?: boolean;
  peerPort?: number;
  version?: boolean;
}

function parseRun(argv: string[]): ParsedCommand {
  const parsed = parseCommand<RunFlags>(runCommand(), argv);
  if ('help' in parsed) return { command: 'help', text: usage() };
  const f = parsed.options;
  if (f.version) return { command: 'version' };
  const source = runSource(f);
  const out: RunOptions = {
    command: 'run',
    source,
    healthAddr: f.healthAddr,
    logLevel: f.logLevel,
    logFormat: f.logFormat,
  };
  if (f.vipInterface !== undefined) out.vipInterface = f.vipInterface;
  if (f.peerPort !== undefined) out.peerPort = f.peerPort;
  // A Cluster-configured speaker is health-gated by default (on the Cluster's readyz URL).
  const checked = f.checkUrl !== undefined || (source.kind !== 'config' && f.check);
  if (!f.check && f.checkUrl !== undefined)
    throw new UsageError('--no-check and --check-url exclude each other');
  if (!f.check && source.kind === 'config')
    throw new UsageError('--no-check needs --cluster-config or --cluster');
  if (checked) {
    if (f.checkCa !== undefined && f.checkInsecure) {
      throw new UsageError('--check-ca and --check-insecure exclude each other');
    }
    const check: HealthCheckOptions = {
      intervalMs: f.checkInterval,
      timeoutMs: f.checkTimeout,
      failureThreshold: f.checkFailureThreshold,
      successThreshold: f.checkSuccessThreshold,
      insecure: f.checkInsecure === true,
    };
    if (f.checkUrl !== undefined) check.url = f.checkUrl;
    if (f.checkCa !== undefined) check.caFile = f.checkCa;
    out.check = check;
  } else if (f.checkCa !== undefined || f.checkInsecure) {
    const flag = f.checkCa !== undefined ? 'check-ca' : 'check-insecure';
    throw new UsageError(`--${flag} needs --check-url${f.check ? '' : ' (and no --no-check)'}`);
  }
  return out;
}

/**
 * `--config FILE --advertise-ip IP`, `--cluster-config FILE [--node-ip IP]` or
 * `--cluster NAMESPACE/NAME [--kubeconfig FILE]`, never a mix.
 */
function runSource(f: RunFlags): SpeakerSource | LiveSource {
  const liveOnly = (['kubeconfig', 'nodeName'] as const).filter((k) => f[k] !== undefined);
  if (f.cluster !== undefined) {
    for (const [flag, given] of [
      ['--config', f.config],
      ['--cluster-config', f.clusterConfig],
    ] as const)
      if (given !== undefined) throw new UsageError(`--cluster and ${flag} exclude each other`);
    if (f.advertiseIp !== undefined) {
      throw new UsageError(
        "--advertise-ip is not used with --cluster: the VIP is the Cluster's vips.controlPlaneVIP",
      );
    }
    const source: LiveSource = {
      kind: 'live',
      namespace: f.cluster.namespace,
      name: f.cluster.name,
      nodeName: f.nodeName ?? hostname(),
      lastGoodPath: f.lastGoodConfig,
    };
    if (f.kubeconfig !== undefined) source.kubeconfig = f.kubeconfig;
    if (f.nodeIp !== undefined) source.nodeIp = f.nodeIp;
    return source;
  }
  if (liveOnly.length > 0)
    throw new UsageError(`--${liveOnly[0] === 'kubeconfig' ? 'kubeconfig' : 'node-name'} needs --cluster`);
  if (f.clusterConfig !== undefined) {
    if (f.config !== undefined) throw new UsageError('--config and --cluster-config exclude each other');
    if (f.advertiseIp !== undefined) {
      throw new UsageError(
        "--advertise-ip is not used with --cluster-config: the VIP is the Cluster's vips.controlPlaneVIP",
      );
    }
    const source: SpeakerSource = { kind: 'cluster', clusterConfig: f.clusterConfig };
    if (f.nodeIp !== undefined) source.nodeIp = f.nodeIp;
    return source;
  }
  if (f.nodeIp !== undefined) throw new UsageError('--node-ip needs --cluster-config or --cluster');
  if (f.config === undefined) throw new UsageError('--config FILE (or --cluster-config FILE) is required');
  if (f.advertiseIp === undefined) throw new UsageError('--advertise-ip IP is required');
  return { kind: 'config', config: f.config, advertiseIp: f.advertiseIp };
}

interface PreflightFlags extends LogFlags {
  clusterConfig?: string;
  nodeIp?: string;
  timeout: number;
  probe?: string;
  vipInterface?: string;
  peerPort?: number;
}

function parsePreflight(argv: string[]): ParsedCommand {
  const parsed = parseCommand<PreflightFlags>(preflightCommand(), argv);
  if ('help' in parsed) return { command: 'help', text: parsed.help };
  const f = parsed.options;
  if (f.clusterConfig === undefined) throw new UsageError('preflight: --cluster-config FILE is required');
  const out: PreflightOptions = {
    command: 'preflight',
    clusterConfig: f.clusterConfig,
    timeoutMs: f.timeout,
    logLevel: f.logLevel,
    logFormat: f.logFormat,
  };
  if (f.nodeIp !== undefined) out.nodeIp = f.nodeIp;
  if (f.probe !== undefined) out.probe = f.probe;
  if (f.vipInterface !== undefined) out.vipInterface = f.vipInterface;
  if (f.peerPort !== undefined) out.peerPort = f.peerPort;
  return out;
}

interface StaticPodFlags {
  clusterConfig?: string;
  node?: string;
  live?: boolean;
  vipInterface?: string;
  image?: string;
}

function parseStaticPod(argv: string[]): ParsedCommand {
  const parsed = parseCommand<StaticPodFlags>(staticPodCommand(), argv);
  if ('help' in parsed) return { command: 'help', text: parsed.help };
  const f = parsed.options;
  if (f.clusterConfig === undefined) throw new UsageError('static-pod: --cluster-config FILE is required');
  if (f.node === undefined) throw new UsageError('static-pod: --node ADDRESS is required');
  const out: StaticPodCommandOptions = {
    command: 'static-pod',
    clusterConfig: f.clusterConfig,
    node: f.node,
    live: f.live === true,
  };
  if (f.vipInterface !== undefined) out.vipInterface = f.vipInterface;
  if (f.image !== undefined) out.image = f.image;
  return out;
}

function parseValidate(argv: string[]): ParsedCommand {
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(validateCommand(), argv);
  } catch (err) {
    throw new UsageError(`validate: ${(err as Error).message}`);
  }
  if ('help' in parsed) return { command: 'help', text: parsed.help };
  if (parsed.args.length === 0) throw new UsageError('validate: give at least one FILE');
  return { command: 'validate', files: parsed.args };
}

/** Parses the whole command line (without `node` and the script). Throws UsageError. */
export function parseCommandLine(argv: string[]): ParsedCommand {
  const [first, ...rest] = argv;
  switch (first) {
    case 'validate':
      return parseValidate(rest);
    case 'preflight':
      return parsePreflight(rest);
    case 'static-pod':
      return parseStaticPod(rest);
    case 'agent':
      return { command: 'agent', argv: rest };
    default:
      if (first !== undefined && !first.startsWith('-')) {
        throw new UsageError(
          `unknown command "${first}" (commands: validate, preflight, static-pod, agent; or --config / --cluster-config to run)`,
        );
      }
      return parseRun(argv);
  }
}
