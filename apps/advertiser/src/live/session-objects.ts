/**
 * The control-plane sessions as BGPSession objects, so that `kubectl get bgpsessions -l
 * bgplb.io/session-kind=control-plane` shows them like the service sessions: one object per
 * (this node, peer), named by controlPlaneSessionName, and their status from the speaker.
 * The objects follow the applied configuration (created, updated, deleted) and are re-checked
 * every `resyncMs`; status goes through the node agent's StatusReporter (a write on each change,
 * coalesced, plus a heartbeat every 30 s). When the API server is unreachable all of this waits
 * and retries: the sessions themselves never depend on it.
 */
import {
  type AdvertiserConfig,
  type BGPSessionSpec,
  controlPlaneSessionName,
  GROUP,
  RESOURCES,
  SESSION_KIND,
  SESSION_KIND_LABEL,
  STATUS_NAMESPACE,
  VERSION,
} from '@bgplb/api-types';
import {
  ApiError,
  type Clock,
  describeError,
  type KubeClient,
  type KubeList,
  type KubeObject,
  paths,
  systemClock,
} from '@bgplb/kube-runtime';
import type { Logger } from 'pino';
import { runningStatus, shutDownStatus } from '../agent/status-projector.js';
import { StatusReporter } from '../agent/status-reporter.js';
import { KubeStatusWriter } from '../agent/status-writer.js';
import type { Speaker, SpeakerEvent } from '../shared/speaker-types.js';

/** `app.kubernetes.io/managed-by` of these objects (the controller's garbage collection skips them). */
export const CONTROL_PLANE_MANAGER = 'bgpadvertiser';

export interface DesiredSessionObject {
  name: string;
  peerIP: string;
  labels: Record<string, string>;
  spec: BGPSessionSpec;
}

/** The BGPSession objects of this node's control-plane sessions. Pure. */
export function controlPlaneSessionObjects(
  config: AdvertiserConfig,
  nodeName: string,
): Map<string, DesiredSessionObject> {
  const out = new Map<string, DesiredSessionObject>();
  for (const peer of config.peers) {
    const name = controlPlaneSessionName(config.localIP, peer.peerIP);
    out.set(name, {
      name,
      peerIP: peer.peerIP,
      labels: {
        'app.kubernetes.io/managed-by': CONTROL_PLANE_MANAGER,
        [SESSION_KIND_LABEL]: SESSION_KIND.controlPlane,
        'networking.gke.io/peer': peer.peerIP,
      },
      spec: {
        // The schema's rule for control-plane sessions: the "floating IP" is the node's own.
        floatingIP: config.localIP,
        localASN: config.localASN,
        localIP: config.localIP,
        nodeName,
        peerASN: peer.peerASN,
        peerIP: peer.peerIP,
      },
    });
  }
  return out;
}

export interface SessionObjectsOptions {
  client: KubeClient;
  speaker: Pick<Speaker, 'on' | 'peerStatus'>;
  nodeName: string;
  log: Logger;
  namespace?: string;
  clock?: Clock;
  /** Re-check of the objects (default 30 s); failures retry after `retryMs` (default 2 s, doubling to 30 s). */
  resyncMs?: number;
  retryMs?: number;
  /** Status heartbeat (default 30 s). */
  heartbeatMs?: number;
}

interface SessionObject extends KubeObject {
  spec?: Partial<BGPSessionSpec>;
}

const sameSpec = (a: Partial<BGPSessionSpec> | undefined, b: BGPSessionSpec): boolean =>
  a !== undefined && (Object.keys(b) as (keyof BGPSessionSpec)[]).every((k) => a[k] === b[k]);

export class SessionObjects {
  private desired = new Map<string, DesiredSessionObject>();
  /** Objects known to exist (their status may be written). */
  private readonly present = new Set<string>();
  private readonly reporter: StatusReporter;
  private readonly clock: Clock;
  private readonly namespace: string;
  private running: Promise<void> | undefined;
  private again = false;
  private timer: unknown;
  private failures = 0;
  private stopped = false;
  /** Completed reconciles (tests). */
  reconciles = 0;

  constructor(private readonly o: SessionObjectsOptions) {
    this.clock = o.clock ?? systemClock;
    this.namespace = o.namespace ?? STATUS_NAMESPACE;
    this.reporter = new StatusReporter({
      writer: new KubeStatusWriter(o.client, this.namespace),
      clock: this.clock,
      ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
      onWrite: (name, result, error) => {
        if (result === 'error')
          o.log.debug({ session: name, err: error?.message }, 'BGPSession status write failed; retrying');
        if (result === 'gone') this.present.delete(name);
      },
    });
    o.speaker.on('event', (e: SpeakerEvent) => {
      if (e.type === 'state' || e.type === 'update-sent' || e.type === 'bfd-state') this.reportPeer(e.peer);
    });
  }

  /** The applied configuration changed: its sessions' objects follow. */
  setConfig(config: AdvertiserConfig): void {
    this.desired = controlPlaneSessionObjects(config, this.o.nodeName);
    for (const name of this.present) if (!this.desired.has(name)) this.reporter.forget(name);
    this.kick();
  }

  private path(name?: string): string {
    return paths.group(GROUP, VERSION, RESOURCES.BGPSession.plural, this.namespace, name);
  }

  private reportPeer(peerIP: string): void {
    for (const d of this.desired.values())
      if (d.peerIP === peerIP && this.present.has(d.name))
        this.reporter.update(d.name, runningStatus(this.o.speaker.peerStatus(peerIP), undefined));
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.reconcile().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves when the running reconcile (if any) is done (tests). */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, ms);
  }

  private async reconcile(): Promise<void> {
    const { client, log, nodeName } = this.o;
    try {
      const query = new URLSearchParams({
        labelSelector: `${SESSION_KIND_LABEL}=${SESSION_KIND.controlPlane}`,
        fieldSelector: `spec.nodeName=${nodeName}`,
      });
      const list = await client.get<KubeList<SessionObject>>(`${this.path()}?${query}`);
      const existing = new Map(list.items.map((o) => [o.metadata.name, o]));
      for (const [name, o] of existing) {
        if (this.desired.has(name)) continue;
        await ignoreStatus(client.delete(this.path(name)), 404);
        this.present.delete(name);
        this.reporter.forget(name);
        log.info({ session: name, peer: o.spec?.peerIP }, 'BGPSession deleted (peer removed)');
      }
      for (const d of this.desired.values()) {
        const have = existing.get(d.name);
        const labelsOk =
          have !== undefined && Object.entries(d.labels).every(([k, v]) => have.metadata.labels?.[k] === v);
        if (have === undefined) {
          await ignoreStatus(
            client.create(this.path(), {
              apiVersion: RESOURCES.BGPSession.apiVersion,
              kind: 'BGPSession',
              metadata: { name: d.name, namespace: this.namespace, labels: d.labels },
              spec: d.spec,
            }),
            409,
          );
          log.info({ session: d.name, peer: d.peerIP }, 'BGPSession created');
        } else if (!sameSpec(have.spec, d.spec) || !labelsOk) {
          await client.replace(this.path(d.name), {
            ...have,
            metadata: { ...have.metadata, labels: { ...have.metadata.labels, ...d.labels } },
            spec: d.spec,
          });
        }
        this.present.add(d.name);
        this.reporter.update(d.name, runningStatus(this.o.speaker.peerStatus(d.peerIP), undefined));
      }
      this.failures = 0;
      this.reconciles++;
      this.schedule(this.o.resyncMs ?? 30_000);
    } catch (err) {
      this.failures++;
      const delay = Math.min(30_000, (this.o.retryMs ?? 2_000) * 2 ** Math.min(this.failures - 1, 8));
      // Expected while the API server is down (bootstrap, outage): one line per attempt at debug.
      log[this.failures === 1 ? 'warn' : 'debug'](
        { err: describeError(err), retryInMs: delay },
        `cannot update the control-plane BGPSession objects: ${describeError(err)}`,
      );
      this.schedule(delay);
    }
  }

  /**
   * Shutdown: the sessions' last status (Idle after Cease/Administrative Shutdown), written within
   * `budgetMs` if the API server answers, then nothing more.
   */
  async stop(message: string, budgetMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const at = this.clock.now();
    for (const name of this.present) this.reporter.update(name, shutDownStatus(message, at));
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.reporter.flush(),
      new Promise<void>((r) => {
        timeout = setTimeout(r, budgetMs);
      }),
    ]);
    clearTimeout(timeout);
    this.reporter.stop();
  }
}

async function ignoreStatus(p: Promise<unknown>, status: number): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === status)) throw err;
  }
}
