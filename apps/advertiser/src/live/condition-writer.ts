/**
 * Writes the BGPConfigRefused condition (config-condition.ts) into the Cluster's status
 * subresource: GET the Cluster, compute the conditions, PUT status with the resourceVersion read
 * (a 409 conflict re-reads at once). Latest verdict wins: a verdict given while a write is running
 * replaces the pending one. While the API server is away the write is retried with back-off, and
 * nothing else waits for it (the sessions never depend on the API server).
 */
import { CLUSTER_GROUP, RESOURCES, VERSION } from '@bgplb/api-types';
import {
  ApiError,
  type Clock,
  describeError,
  type KubeClient,
  kubeTime,
  paths,
  systemClock,
} from '@bgplb/kube-runtime';
import type { Logger } from 'pino';
import { type ConfigVerdict, nextConditions } from './config-condition.js';

export interface ConditionWriterOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  log: Logger;
  clock?: Clock;
  /** First retry delay (default 1 s), doubled up to `maxBackoffMs` (default 30 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

interface ClusterStatusObject {
  metadata: { resourceVersion?: string };
  status?: { conditions?: unknown } & Record<string, unknown>;
}

export class ConditionWriter {
  private pending: ConfigVerdict | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly clock: Clock;
  /** Writes done (for tests and logs). */
  writes = 0;

  constructor(private readonly o: ConditionWriterOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** Reports what this node did with the Cluster; written in the background. */
  report(verdict: ConfigVerdict): void {
    if (this.stopped) return;
    this.pending = verdict;
    this.wake?.();
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when nothing is pending (tests). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private path(sub?: string): string {
    const { namespace, name } = this.o;
    return paths.group(CLUSTER_GROUP, VERSION, RESOURCES.Cluster.plural, namespace, name, sub);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.pending !== undefined && !this.stopped) {
      const verdict = this.pending;
      try {
        await this.writeOnce(verdict);
        failures = 0;
        if (this.pending === verdict) this.pending = undefined;
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) continue;
        if (err instanceof ApiError && err.status === 404) {
          this.o.log.warn(
            { cluster: `${this.o.namespace}/${this.o.name}` },
            'Cluster not found; its condition is not written',
          );
          if (this.pending === verdict) this.pending = undefined;
          continue;
        }
        failures++;
        const delay = Math.min(
          this.o.maxBackoffMs ?? 30_000,
          (this.o.backoffMs ?? 1_000) * 2 ** Math.min(failures - 1, 10),
        );
        this.o.log.warn(
          { err: describeError(err), retryInMs: delay },
          `writing the ${verdict.refused ? 'BGPConfigRefused' : 'cleared BGPConfigRefused'} condition failed: ${describeError(err)}`,
        );
        await this.sleep(delay);
      }
    }
  }

  private async writeOnce(verdict: ConfigVerdict): Promise<void> {
    const cluster = await this.o.client.get<ClusterStatusObject>(this.path());
    const conditions = nextConditions(cluster.status?.conditions, verdict, kubeTime(this.clock.now()));
    if (conditions === undefined) return;
    await this.o.client.replace(`${this.path('status')}?fieldManager=bgpadvertiser`, {
      ...cluster,
      status: { ...(cluster.status ?? {}), conditions },
    });
    this.writes++;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        this.clock.clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
