import { dirname } from 'node:path';
import { DEFAULT_DRAIN_DELAY_SECONDS } from '@bgplb/api-types';
import { stringify } from 'yaml';
import { DEFAULT_LAST_GOOD_PATH } from './live/last-good-path.js';
import type { SpeakerSource } from './speaker-config.js';
import { VERSION } from './version.js';

/** The image of this build: the manifest pins the version it was generated with. */
export const DEFAULT_IMAGE = `ghcr.io/bgplb/bgpadvertiser:${VERSION}`;
/** Where the kubelet's static pod reads the health endpoints (the advertiser's default). */
export const STATIC_POD_HEALTH_ADDR = '127.0.0.1:8080';
/** The CA that signed the local API server's certificate on a kubeadm-style node. */
export const KUBERNETES_CA = '/etc/kubernetes/pki/ca.crt';
/** Live mode's credentials on a kubeadm-style node: they point at the local API server. */
export const ADMIN_KUBECONFIG = '/etc/kubernetes/admin.conf';

/**
 * What the static pod's SIGTERM does. The kubelet stops a static pod for two reasons that it does
 * not tell the process apart: a manifest update (an upgrade; the process comes back) and a removal
 * (the manifest deleted, the node leaving the control plane; it does not). `graceful-restart`
 * would leave the routers forwarding to a node that never returns for the whole restart time
 * (120 s); `drain` moves them off while this node still serves in both cases, and an upgrade then
 * only costs the time until the new process announces again. (`kubectl drain` does not evict
 * static pods: a node drain leaves the advertiser running.) docs/operations.md, "Which --on-exit when".
 */
export const STATIC_POD_ON_EXIT = 'drain';
/**
 * The grace period beyond the drain delay: the advertiser's own bound after the delay (1.8 s,
 * SHUTDOWN_BUDGET_MS: withdraw, serve 800 ms, Cease) and spare for a loaded node, so the kubelet's
 * SIGKILL never cuts a drain short. 30 s (the Kubernetes default) with the default 15 s delay.
 */
export const GRACE_BEYOND_DRAIN_SECONDS = 15;

/** `terminationGracePeriodSeconds` of a static pod whose `--on-exit drain` waits `drainDelaySeconds`. */
export function staticPodGracePeriodSeconds(drainDelaySeconds: number): number {
  return drainDelaySeconds + GRACE_BEYOND_DRAIN_SECONDS;
}

/** Live mode: follow Cluster `namespace/name` through the local API server, as node `nodeIp`. */
export interface LiveStaticPodSource {
  kind: 'live';
  namespace: string;
  name: string;
  nodeIp: string;
  /** `--node-ip-other-family`; absent: the advertiser finds it on the host. */
  nodeIpOtherFamily?: string;
}

export interface StaticPodOptions {
  /**
   * The config on the host: the Cluster file and this node's address (one file for every node),
   * or a hand-written advertiser config and the VIP (the manual form). Paths are host paths; the
   * directory holding the file is mounted read-only at the same path, so an editor that replaces
   * the file (write and rename) is seen by the next SIGHUP.
   */
  source: (SpeakerSource & ({ kind: 'config' } | { kind: 'cluster'; nodeIp: string })) | LiveStaticPodSource;
  /** Also hold the VIP on this interface (`--vip-interface`); needs NET_ADMIN, so runs as root. */
  vipInterface?: string;
  /**
   * The Cluster's `drainDelay` when it sets one (seconds): the grace period is rendered from it
   * (no `--drain-delay` flag, so the running advertiser follows the Cluster). Absent: 15 s.
   */
  drainDelaySeconds?: number;
  image?: string;
}

type Manifest = Record<string, unknown>;

/**
 * The static-pod manifest of the control-plane speaker (`/etc/kubernetes/manifests/`): host
 * network, config from the host, the VIP gated on the local API server's /readyz, liveness and
 * readiness on the loopback health server, non-root unless it must hold the VIP on an interface.
 * The one source of the manifests in deploy/static-pod/ and of `bgpadvertiser static-pod`.
 */
export function staticPodManifest(options: StaticPodOptions): Manifest {
  const { source } = options;
  let args: string[];
  let mounts: Array<{ name: string; mountPath: string; readOnly: boolean }>;
  let volumes: Array<{ name: string; hostPath: { path: string; type: string } }>;
  if (source.kind === 'live') {
    // The kubeconfig, and a writable directory for the last good configuration (it must outlive
    // the pod: the node boots with its API server down and starts the speaker from it).
    const stateDir = dirname(DEFAULT_LAST_GOOD_PATH);
    args = [
      `--kubeconfig=${ADMIN_KUBECONFIG}`,
      `--cluster=${source.namespace}/${source.name}`,
      `--node-ip=${source.nodeIp}`,
      ...otherFamilyArgs(source),
      `--last-good-config=${DEFAULT_LAST_GOOD_PATH}`,
    ];
    mounts = [
      { name: 'kubeconfig', mountPath: ADMIN_KUBECONFIG, readOnly: true },
      { name: 'state', mountPath: stateDir, readOnly: false },
    ];
    volumes = [
      { name: 'kubeconfig', hostPath: { path: ADMIN_KUBECONFIG, type: 'File' } },
      { name: 'state', hostPath: { path: stateDir, type: 'DirectoryOrCreate' } },
    ];
  } else {
    const file = source.kind === 'cluster' ? source.clusterConfig : source.config;
    const configDir = dirname(file);
    args =
      source.kind === 'cluster'
        ? // The check URL is the Cluster's (https://127.0.0.1:<controlPlaneLBPort>/readyz).
          [`--cluster-config=${file}`, `--node-ip=${source.nodeIp}`, ...otherFamilyArgs(source)]
        : [
            `--config=${file}`,
            ...source.advertiseIps.map((ip) => `--advertise-ip=${ip}`),
            '--check-url=https://127.0.0.1:6443/readyz',
          ];
    mounts = [{ name: 'config', mountPath: configDir, readOnly: true }];
    volumes = [{ name: 'config', hostPath: { path: configDir, type: 'Directory' } }];
  }
  args.push(
    `--on-exit=${STATIC_POD_ON_EXIT}`,
    `--health-addr=${STATIC_POD_HEALTH_ADDR}`,
    `--check-ca=${KUBERNETES_CA}`,
    '--check-interval=5s',
    '--check-timeout=2s',
    '--check-failure-threshold=3',
  );
  if (options.vipInterface !== undefined) args.push(`--vip-interface=${options.vipInterface}`);
  const [host, port] = STATIC_POD_HEALTH_ADDR.split(':');
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { host, port: Number(port), path },
    periodSeconds,
    failureThreshold,
  });
  // `ip addr` needs NET_ADMIN, and a non-root process gets no capabilities from the kubelet.
  // admin.conf is readable by root only: live mode runs as root too, with no capability.
  const root = options.vipInterface !== undefined || source.kind === 'live';
  const securityContext = root
    ? {
        runAsNonRoot: false,
        runAsUser: 0,
        runAsGroup: 0,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: {
          drop: ['ALL'],
          ...(options.vipInterface !== undefined ? { add: ['NET_ADMIN'] } : {}),
        },
      }
    : {
        runAsNonRoot: true,
        runAsUser: 1000,
        runAsGroup: 1000,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'bgpadvertiser',
      namespace: 'kube-system',
      labels: {
        'app.kubernetes.io/name': 'bgpadvertiser',
        'app.kubernetes.io/component': 'control-plane-vip',
        'app.kubernetes.io/version': VERSION,
      },
    },
    spec: {
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      containers: [
        {
          name: 'bgpadvertiser',
          image: options.image ?? DEFAULT_IMAGE,
          args,
          securityContext,
          livenessProbe: probe('/healthz', 10, 3),
          readinessProbe: probe('/readyz', 5, 1),
          resources: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } },
          volumeMounts: [...mounts, { name: 'kubernetes-ca', mountPath: KUBERNETES_CA, readOnly: true }],
        },
      ],
      // SIGTERM drains for drainDelay, then withdraws and closes the sessions within 1.8 s.
      terminationGracePeriodSeconds: staticPodGracePeriodSeconds(
        options.drainDelaySeconds ?? DEFAULT_DRAIN_DELAY_SECONDS,
      ),
      volumes: [...volumes, { name: 'kubernetes-ca', hostPath: { path: KUBERNETES_CA, type: 'File' } }],
    },
  };
}

/** `--node-ip-other-family` when given (without it the advertiser finds the address on the host). */
function otherFamilyArgs(source: { nodeIpOtherFamily?: string | undefined }): string[] {
  return source.nodeIpOtherFamily !== undefined ? [`--node-ip-other-family=${source.nodeIpOtherFamily}`] : [];
}

/** The manifest as YAML, after `header` as `#` comment lines. */
export function renderStaticPod(options: StaticPodOptions, header: readonly string[]): string {
  const comments = header.map((l) => (l === '' ? '#' : `# ${l}`)).join('\n');
  return `${comments}\n${stringify(staticPodManifest(options), { indentSeq: false, lineWidth: 0 })}`;
}
