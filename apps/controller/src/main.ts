/** Runs the controller from parsed flags: kubeconfig, logger, metrics server, signals. */

import { createLogger, startHealthServer } from '@bgplb/kube-runtime';
import { KubeConfig } from '@kubernetes/client-node';
import type { CliOptions } from './args.js';
import { Controller } from './controller.js';

export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path !== undefined) kc.loadFromFile(path);
  else if (process.env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/** Starts everything; resolves with a function that stops it. Exits the process when leadership is lost. */
export async function runController(
  o: CliOptions,
  exit: (code: number) => void = (c) => process.exit(c),
): Promise<() => Promise<void>> {
  const log = createLogger({
    level: o.logLevel,
    format: o.logFormat,
    base: { component: 'bgplb-controller', identity: o.identity },
  });
  log.info({ options: { ...o } }, 'starting');
  const controller = new Controller({
    kubeConfig: loadKubeConfig(o.kubeconfig),
    log,
    clusterNamespace: o.clusterNamespace,
    statusNamespace: o.statusNamespace,
    graceSeconds: o.graceSeconds,
    nodePrefixLength: o.nodePrefixLength,
    loadBalancerClass: o.loadBalancerClass,
    ingressService: o.ingressService,
    resyncSeconds: o.resyncSeconds,
    leaderElection: {
      enabled: o.leaderElect,
      namespace: o.leaderElectionNamespace,
      name: o.leaderElectionId,
      identity: o.identity,
      leaseDurationSeconds: o.leaseDurationSeconds,
      renewDeadlineSeconds: o.renewDeadlineSeconds,
      retryPeriodSeconds: o.retryPeriodSeconds,
    },
    onLostLeadership: () => {
      // Like client-go: a replica that lost the lease restarts with a clean slate.
      log.error('lost the leader lease; exiting so that this replica restarts as a standby');
      exit(1);
    },
  });
  const server =
    o.metricsAddr === '0'
      ? undefined
      : await startHealthServer({
          address: o.metricsAddr,
          logger: log,
          registry: controller.metrics.registry,
          readiness: () => ({ ready: controller.synced }),
        });
  await controller.start();
  return async () => {
    await controller.stop({ releaseLease: true });
    await server?.close();
    log.info('stopped');
  };
}
