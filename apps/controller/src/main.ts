/** Runs the controller from parsed flags: kubeconfig, logger, metrics server, signals. */

import { createLogger, loadKubeConfig, startHealthServer } from '@bgplb/kube-runtime';
import type { CliOptions } from './args.js';
import { Controller } from './controller.js';

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
  const kube = loadKubeConfig({ kubeconfig: o.kubeconfig });
  log.info({ source: kube.source, from: kube.from }, 'Kubernetes configuration loaded');
  const controller = new Controller({
    kubeConfig: kube.kubeConfig,
    log,
    clusterNamespace: o.clusterNamespace,
    statusNamespace: o.statusNamespace,
    graceSeconds: o.graceSeconds,
    floatingIPLeases: { namespace: o.leaseNamespace, expirySeconds: o.leaseExpirySeconds },
    nodePrefixLength: o.nodePrefixLength,
    loadBalancerClass: o.loadBalancerClass,
    ingressService: o.ingressService,
    weightedECMP: o.weightedECMP,
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
