/** Prometheus metrics of admin mode (prom-client), served on /metrics. Names are stable (docs/operations.md). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export class AdminMetrics {
  readonly registry = new Registry();
  readonly userClusters = new Gauge({
    name: 'bgplb_admin_user_clusters',
    help: 'User clusters synced by this admin-mode controller',
    registers: [this.registry],
  });
  readonly userClusterSynced = new Gauge({
    name: 'bgplb_admin_user_cluster_synced',
    help: '1 when the user cluster holds every source object of its Cluster, else 0',
    labelNames: ['cluster'],
    registers: [this.registry],
  });
  readonly syncs = new Counter({
    name: 'bgplb_admin_syncs_total',
    help: 'Sync passes by user cluster outcome (synced, conflict, write-failed, unreachable, credentials-invalid)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly syncDuration = new Histogram({
    name: 'bgplb_admin_sync_duration_seconds',
    help: 'Time of one sync pass of one user cluster (plan, writes, status)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly writes = new Counter({
    name: 'bgplb_admin_writes_total',
    help: 'Writes to user clusters by operation (create, update, delete)',
    labelNames: ['op'],
    registers: [this.registry],
  });
  readonly driftReverted = new Counter({
    name: 'bgplb_admin_drift_reverted_total',
    help: 'Direct edits or deletions in a user cluster that the admin cluster reverted',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'bgplb_leader',
    help: '1 while this replica holds the leader lease',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
