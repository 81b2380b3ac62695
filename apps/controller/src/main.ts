/** Runs the controller from parsed flags: kubeconfig, logger, metrics server, signals. */

import { loadKubeConfig, openLogger, startHealthServer } from '@bgplb/kube-runtime';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AdminController } from './admin/admin-controller.js';
import type { CliOptions } from './args.js';
import { Controller } from './controller.js';

/** Starts everything; resolves with a function that stops it. Exits the process when leadership is lost. */
export async function runController(
  o: CliOptions,
  exit: (code: number) => void = (c) => process.exit(c),
): Promise<() => Promise<void>> {
  const log = await openLogger({
    level: o.logLevel,
    format: o.logFormat,
    base: { component: 'bgplb-controller', identity: o.identity },
  });
  log.info({ options: { ...o } }, 'starting');
  const kube = loadKubeConfig({ kubeconfig: o.kubeconfig });
  log.info({ source: kube.source, from: kube.from }, 'Kubernetes configuration loaded');
  const leaderElection = {
    enabled: o.leaderElect,
    namespace: o.leaderElectionNamespace,
    name: o.leaderElectionId,
    identity: o.identity,
    leaseDurationSeconds: o.leaseDurationSeconds,
    renewDeadlineSeconds: o.renewDeadlineSeconds,
    retryPeriodSeconds: o.retryPeriodSeconds,
  };
  const onLostLeadership = () => {
    // Like client-go: a replica that lost the lease restarts with a clean slate.
    log.error('lost the leader lease; exiting so that this replica restarts as a standby');
    exit(1);
  };
  if (o.mode === 'admin') {
    const admin = new AdminController({
      kubeConfig: kube.kubeConfig,
      log,
      identity: o.identity,
      statusNamespace: o.statusNamespace,
      resyncMs: o.resyncSeconds * 1000,
      leaderElection,
      onLostLeadership,
    });
    const server = await serve(o, log, admin.metrics.registry, () => admin.synced);
    await admin.start();
    return async () => {
      await admin.stop({ releaseLease: true });
      await server?.close();
      log.info('stopped');
    };
  }
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
    leaderElection,
    onLostLeadership,
  });
  const server = await serve(o, log, controller.metrics.registry, () => controller.synced);
  await controller.start();
  return async () => {
    await controller.stop({ releaseLease: true });
    await server?.close();
    log.info('stopped');
  };
}

/** The health/metrics server of either mode ("0": none). */
function serve(o: CliOptions, log: Logger, registry: Registry, ready: () => boolean) {
  if (o.metricsAddr === '0') return Promise.resolve(undefined);
  return startHealthServer({
    address: o.metricsAddr,
    logger: log,
    registry,
    readiness: () => ({ ready: ready() }),
  });
}
