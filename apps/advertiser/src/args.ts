/**
 * The command line of `bgpadvertiser` (control-plane mode, `validate`, `preflight`; `agent` has
 * its own flags in agent/options.ts), defined with the shared CLI helpers of @bgplb/kube-runtime:
 * help texts are generated from these definitions, and the flag syntax, value parsers and error
 * messages are bgplb-controller's too.
 */
import { hostname } from 'node:os';
import { canonicalAddress, isIPv4 } from '@bgplb/api-types/advertiser-config';
import {
  addOptions,
  type Command,
  choiceArg,
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
import type { ExitDrainFlags } from './exit-drain.js';
import { DEFAULT_LAST_GOOD_PATH } from './live/last-good-path.js';
import type { LiveSource } from './live/live-mode.js';
import { shellQuote } from './preflight/exec-template.js';
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
  /** What SIGTERM does: withdraw (the default when absent), leave the VIP to graceful restart, or drain. */
  onExit?: ControlPlaneExitMode;
  /** `--on-exit drain`: the `--drain-*` flags given (they override the Cluster's settings). */
  exitDrain?: ExitDrainFlags;
}

/** `--on-exit` of the control-plane advertiser. */
export type ControlPlaneExitMode = 'withdraw' | 'graceful-restart' | 'drain';

export interface PreflightOptions {
  command: 'preflight';
  clusterConfig: string;
  /** How a node is reached: a command prefix with {ip} and {name}, run by sh on the workstation. */
  exec: string;
  /** Copy the single-file binary to each node first (and remove it afterwards). */
  copyBinary: boolean;
  /** The file copied (default: this executable when it is the single-file binary). */
  agentBinary?: string;
  /** Without copying: how bgpadvertiser is run on the nodes (words, default `bgpadvertiser`). */
  remoteCommand: string;
  /** Where the binary is copied on the nodes. */
  remoteDir: string;
  /** Node names by address ({name} of --exec and the name the responder answers). */
  nodeNames: Record<string, string>;
  /** Check only this control-plane node's sessions. */
  nodeIp?: string;
  /** The whole run. */
  timeoutMs: number;
  /** Per node x peer: time for the session to reach Established. */
  sessionTimeoutMs: number;
  /** Per node x peer: time for every other node to reach the VIP. */
  reachTimeoutMs: number;
  /** JSON lines go to DIR/preflight.jsonl (default ./bgplb-preflight-<timestamp>/). */
  logDir?: string;
  probe?: string;
  vipInterface: string;
  peerPort?: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

export interface StaticPodCommandOptions {
  command: 'static-pod';
  clusterConfig: string;
  /** The control-plane node's address in the Cluster. */
  node: string;
  /** `--node-ip-other-family`: passed on to the pod (the node's address of the other family). */
  nodeIpOtherFamily?: string;
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
  | { command: 'preflight-agent' }
  | { command: 'help'; text: string }
  | { command: 'version' };

const ipv4Arg = valueArg((text: string): string => {
  if (!isIPv4(text)) throw new Error(`expected an IPv4 address such as 10.0.0.8, got "${text}"`);
  return text;
});

/** An IPv4 or IPv6 address, in canonical form (RFC 5952 for IPv6: `ip addr` prints it so). */
const ipArg = valueArg((text: string): string => {
  const canonical = text.includes('%') ? undefined : canonicalAddress(text);
  if (canonical === undefined)
    throw new Error(`expected an IPv4 or IPv6 address such as 10.0.0.8 or 2001:db8::8, got "${text}"`);
  return canonical;
});

/**
 * `--advertise-ip`, repeatable: the VIPs, at most one per family (one next hop per family: the
 * node's address of that family).
 */
function advertiseIpArg(text: string, previous: string[] = []): string[] {
  const ip = ipArg(text);
  const same = previous.find((p) => p.includes(':') === ip.includes(':'));
  if (same === undefined) return [...previous, ip];
  // Through valueArg: the error becomes commander's invalid-argument usage error, as ipArg's.
  return valueArg((): string[] => {
    throw new Error(
      `at most one VIP per family: ${same} and ${ip} are both ${ip.includes(':') ? 'IPv6' : 'IPv4'} (give one IPv4 and one IPv6 VIP)`,
    );
  })(text);
}

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

/** `IP=NAME`, repeatable: the names of nodes (a name is what `{name}` of --exec becomes). */
const oneNodeName = valueArg((text: string): [string, string] => {
  const m = /^([^=]+)=([A-Za-z0-9][A-Za-z0-9._-]{0,62})$/.exec(text);
  if (!m || !isIPv4(m[1] as string)) {
    throw new Error(
      `expected IP=NAME such as 10.0.1.10=cp1 (a name of letters, digits, '.', '_' and '-'), got "${text}"`,
    );
  }
  return [m[1] as string, m[2] as string];
});
function nodeNameArg(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const [ip, name] = oneNodeName(text);
  return { ...previous, [ip]: name };
}

/** A remote directory: an absolute path of plain characters (it is passed to the node's shell). */
const remoteDirArg = valueArg((text: string): string => {
  if (!/^\/[A-Za-z0-9._/-]*$/.test(text)) {
    throw new Error(`expected an absolute path of letters, digits, '.', '_', '-' and '/', got "${text}"`);
  }
  return text.replace(/\/+$/, '') || '/';
});

const urlArg = valueArg((text: string): string => {
  if (!/^https?:\/\/[^/]+/.test(text)) throw new Error(`expected an http:// or https:// URL, got "${text}"`);
  return text;
});

const peerPortOption = () =>
  new Option('--peer-port <port>', 'TCP port of the peers (default: 179)').argParser(integerArg(1, 65535));
const vipInterfaceOption = (help: string) =>
  new Option('--vip-interface <dev>', help).argParser(interfaceArg);
const nodeIpOtherFamilyOption = () =>
  new Option(
    '--node-ip-other-family <ip>',
    "with --cluster-config or --cluster: this node's address of the other family, the next hop of vips.controlPlaneVIPOtherFamily (default: the one global address of that family on the interface of the node's address)",
  ).argParser(ipArg);

// After "Usage: bgpadvertiser ": the spec's command line first, then the other modes.
const SYNOPSIS = `--config FILE --advertise-ip IP [options]
       bgpadvertiser --cluster-config FILE [--node-ip IP] [--node-ip-other-family IP] [options]
       bgpadvertiser --kubeconfig FILE --cluster NAMESPACE/NAME [--node-ip IP] [options]   (live mode)
       bgpadvertiser validate FILE...
       bgpadvertiser preflight --cluster-config FILE [--exec 'ssh -i KEY root@{ip}'] [options]
       bgpadvertiser static-pod --cluster-config FILE --node ADDRESS [--node-ip-other-family IP] [--live] [--vip-interface DEV]
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
    new Option(
      '--advertise-ip <ip>',
      'the VIP to announce as IP/32 (IPv6: IP/128); repeat for one VIP of each family',
    ).argParser(advertiseIpArg),
    new Option(
      '--cluster-config <file>',
      'take the config from the Cluster (one file for every control-plane node) instead of --config',
    ),
    new Option(
      '--node-ip <ip>',
      "with --cluster-config or --cluster: this node's address (default: the control-plane node address found on this host)",
    ).argParser(ipArg),
    nodeIpOtherFamilyOption(),
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
    new Option(
      '--on-exit <mode>',
      'withdraw: SIGTERM withdraws the VIP, serves 800 ms more, sends Cease and removes the VIP; graceful-restart: SIGTERM closes the sessions without withdrawing and leaves the VIP on the interface, so routers in GR helper mode keep the path until the restarted advertiser sends End-of-RIB (a restart changes no router FIB); drain: SIGTERM re-announces the VIP with GRACEFUL_SHUTDOWN (RFC 8326, + the MED / AS-path fallback), waits --drain-delay, then withdraws as withdraw does (a node being removed)',
    )
      .argParser(choiceArg<ControlPlaneExitMode>(['withdraw', 'graceful-restart', 'drain']))
      .default('withdraw'),
    new Option(
      '--drain-delay <duration>',
      "--on-exit drain: how long to announce with GRACEFUL_SHUTDOWN before withdrawing (default: the Cluster's drainDelay, else 15s; the flag wins)",
    ).argParser(durationArg(0)),
    new Option(
      '--drain-med-increase <n>',
      "--on-exit drain: added to the MED, for routers without a graceful-shutdown policy (default: the Cluster's drainMEDIncrease, else 0)",
    ).argParser(integerArg(0, 4294967295)),
    new Option(
      '--drain-as-path-prepend <n>',
      "--on-exit drain: extra copies of our AS in the AS_PATH, for the same routers (default: the Cluster's drainASPathPrepend, else 0)",
    ).argParser(integerArg(0, 10)),
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

/** The default --exec: the workstation's SSH as root, never prompting (BatchMode). */
export const DEFAULT_PREFLIGHT_EXEC = 'ssh -o BatchMode=yes -o ConnectTimeout=10 root@{ip}';

function preflightCommand(): Command {
  const c = createCommand(
    'bgpadvertiser preflight',
    `Run from the admin workstation before creating the cluster. For every control-plane node and
each of its peers: a BGP session from that node, the control-plane VIP announced from it alone and
bound on its loopback behind a TCP responder on controlPlaneLBPort that answers the node's name,
then every other cluster node connects to VIP:port and must get that name; then withdraw, unbind,
close. Nodes are reached through --exec. Exit 0 when every check passes, 1 when one fails, 2 on a
usage or configuration error, 130 when interrupted.`,
  ).usage('--cluster-config FILE [options]');
  return addOptions(c, [
    new Option('--cluster-config <file>', 'the cluster configuration (Cluster with spec.loadBalancer)'),
    new Option(
      '--exec <template>',
      'command prefix that runs a command on a node, {ip} and {name} replaced (sh syntax)',
    ).default(DEFAULT_PREFLIGHT_EXEC),
    new Option('--ssh-key <file>', 'with the default --exec: the SSH identity file (ssh -i)'),
    new Option('--no-copy-binary', 'do not copy this binary to the nodes; run --remote-command there'),
    new Option(
      '--agent-binary <file>',
      'the single-file bgpadvertiser to copy (default: this executable; e.g. the arm64 one)',
    ),
    new Option('--remote-command <cmd>', 'with --no-copy-binary: bgpadvertiser on the nodes').default(
      'bgpadvertiser',
    ),
    new Option('--remote-dir <dir>', 'where the binary is copied on the nodes')
      .argParser(remoteDirArg)
      .default('/tmp'),
    new Option('--node-name <ip=name>', "a node's name, for {name} and the answer (repeat)")
      .argParser(nodeNameArg)
      .default({}, 'the address'),
    new Option('--node-ip <ip>', "check only this control-plane node's sessions").argParser(ipv4Arg),
    new Option('--session-timeout <duration>', 'per node x peer: time to reach Established')
      .argParser(durationArg())
      .default(15_000, '15s'),
    new Option('--reach-timeout <duration>', 'per node x peer: time for every other node to reach the VIP')
      .argParser(durationArg())
      .default(10_000, '10s'),
    new Option('--timeout <duration>', 'the whole run; preflight cleans up and ends within it')
      .argParser(durationArg())
      .default(300_000, '5m'),
    new Option('--log-dir <dir>', 'JSON lines of the run (default ./bgplb-preflight-<timestamp>/)'),
    new Option(
      '--probe <cmd>',
      'also require CMD (sh -c, on the workstation) to succeed while the VIP is announced (env VIP, VIP_PORT, NODE_IP, NODE_NAME, PEER_IP, PEER_ASN)',
    ),
    vipInterfaceOption('the interface the VIP is bound to on the announcing node').default('lo'),
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
    ).argParser(ipArg),
    nodeIpOtherFamilyOption(),
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
  advertiseIp?: string[];
  clusterConfig?: string;
  nodeIp?: string;
  nodeIpOtherFamily?: string;
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
  onExit: ControlPlaneExitMode;
  drainDelay?: number;
  drainMedIncrease?: number;
  drainAsPathPrepend?: number;
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
  if (f.onExit !== 'withdraw') out.onExit = f.onExit;
  // Only the flags given: the rest comes from the Cluster, else the defaults (resolveExitDrain).
  if (f.onExit === 'drain')
    out.exitDrain = {
      ...(f.drainDelay !== undefined ? { delayMs: f.drainDelay } : {}),
      ...(f.drainMedIncrease !== undefined ? { medIncrease: f.drainMedIncrease } : {}),
      ...(f.drainAsPathPrepend !== undefined ? { asPathPrepend: f.drainAsPathPrepend } : {}),
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
    if (f.nodeIpOtherFamily !== undefined) source.nodeIpOtherFamily = f.nodeIpOtherFamily;
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
    if (f.nodeIpOtherFamily !== undefined) source.nodeIpOtherFamily = f.nodeIpOtherFamily;
    return source;
  }
  if (f.nodeIp !== undefined) throw new UsageError('--node-ip needs --cluster-config or --cluster');
  if (f.nodeIpOtherFamily !== undefined)
    throw new UsageError(
      '--node-ip-other-family needs --cluster-config or --cluster (with --config, set localIPOtherFamily in the file)',
    );
  if (f.config === undefined) throw new UsageError('--config FILE (or --cluster-config FILE) is required');
  if (f.advertiseIp === undefined) throw new UsageError('--advertise-ip IP is required');
  return { kind: 'config', config: f.config, advertiseIps: f.advertiseIp };
}

interface PreflightFlags extends LogFlags {
  clusterConfig?: string;
  exec: string;
  sshKey?: string;
  copyBinary: boolean;
  agentBinary?: string;
  remoteCommand: string;
  remoteDir: string;
  nodeName: Record<string, string>;
  nodeIp?: string;
  sessionTimeout: number;
  reachTimeout: number;
  timeout: number;
  logDir?: string;
  probe?: string;
  vipInterface: string;
  peerPort?: number;
}

function parsePreflight(argv: string[]): ParsedCommand {
  const parsed = parseCommand<PreflightFlags>(preflightCommand(), argv);
  if ('help' in parsed) return { command: 'help', text: parsed.help };
  const f = parsed.options;
  if (f.clusterConfig === undefined) throw new UsageError('preflight: --cluster-config FILE is required');
  let exec = f.exec;
  if (f.sshKey !== undefined) {
    if (exec !== DEFAULT_PREFLIGHT_EXEC) {
      throw new UsageError('preflight: --ssh-key goes with the default --exec; put -i KEY in your --exec');
    }
    exec = exec.replace('ssh ', `ssh -i ${shellQuote(f.sshKey)} `);
  }
  if (!/\{(ip|name)\}/.test(exec)) {
    throw new UsageError(`preflight: --exec must name the node with {ip} or {name}, got "${exec}"`);
  }
  if (!f.copyBinary && f.agentBinary !== undefined) {
    throw new UsageError('preflight: --agent-binary is what --copy-binary copies; drop --no-copy-binary');
  }
  const out: PreflightOptions = {
    command: 'preflight',
    clusterConfig: f.clusterConfig,
    exec,
    copyBinary: f.copyBinary,
    remoteCommand: f.remoteCommand,
    remoteDir: f.remoteDir,
    nodeNames: f.nodeName,
    sessionTimeoutMs: f.sessionTimeout,
    reachTimeoutMs: f.reachTimeout,
    timeoutMs: f.timeout,
    vipInterface: f.vipInterface,
    logLevel: f.logLevel,
    logFormat: f.logFormat,
  };
  if (f.agentBinary !== undefined) out.agentBinary = f.agentBinary;
  if (f.nodeIp !== undefined) out.nodeIp = f.nodeIp;
  if (f.logDir !== undefined) out.logDir = f.logDir;
  if (f.probe !== undefined) out.probe = f.probe;
  if (f.peerPort !== undefined) out.peerPort = f.peerPort;
  return out;
}

interface StaticPodFlags {
  clusterConfig?: string;
  node?: string;
  nodeIpOtherFamily?: string;
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
  if (f.nodeIpOtherFamily !== undefined) out.nodeIpOtherFamily = f.nodeIpOtherFamily;
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
    case 'preflight-agent':
      // Hidden: the node side of preflight, driven by JSON lines on stdin (preflight-agent.ts).
      return { command: 'preflight-agent' };
    default:
      if (first !== undefined && !first.startsWith('-')) {
        throw new UsageError(
          `unknown command "${first}" (commands: validate, preflight, static-pod, agent; or --config / --cluster-config to run)`,
        );
      }
      return parseRun(argv);
  }
}
