/**
 * Kubernetes Events for what an operator should see with `kubectl describe` / `kubectl get
 * events`: a floating IP added to or removed from this node, a BGPSession refused. The same event
 * is not repeated within 10 minutes. Failures to record are logged, never thrown: events are
 * informational and must not stop the agent.
 */

import { type Clock, systemClock } from '@bgplb/bgp-fsm';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../shared/index.js';
import { describeError } from './kube.js';
import { kubeTime } from './kube-time.js';

export interface EventTarget {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
}

export interface AgentEvent {
  target: EventTarget;
  type: 'Normal' | 'Warning';
  /** CamelCase reason, e.g. FloatingIPAdded. */
  reason: string;
  message: string;
}

export interface EventRecorder {
  record(event: AgentEvent): void;
}

/** Records nothing (tests, or when events are not wanted). */
export const noEvents: EventRecorder = { record: () => {} };

const REPEAT_WINDOW_MS = 10 * 60_000;

export class KubeEventRecorder implements EventRecorder {
  private readonly api: CoreV1Api;
  private readonly recent = new Map<string, number>();

  constructor(
    kc: KubeConfig,
    private readonly node: string,
    private readonly log: Logger,
    /** Namespace for events about cluster-scoped objects (the Node). */
    private readonly defaultNamespace = 'default',
    private readonly clock: Clock = systemClock,
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  record(event: AgentEvent): void {
    const now = this.clock.now();
    const key = `${event.target.kind}/${event.target.namespace ?? ''}/${event.target.name}|${event.reason}|${event.message}`;
    const last = this.recent.get(key);
    if (last !== undefined && now - last < REPEAT_WINDOW_MS) return;
    this.recent.set(key, now);
    if (this.recent.size > 1000) {
      for (const [k, t] of this.recent) if (now - t >= REPEAT_WINDOW_MS) this.recent.delete(k);
    }
    const namespace = event.target.namespace ?? this.defaultNamespace;
    const time = kubeTime(now);
    const body = {
      metadata: { generateName: `${event.target.name}.`, namespace },
      involvedObject: {
        apiVersion: event.target.apiVersion,
        kind: event.target.kind,
        name: event.target.name,
        ...(event.target.namespace ? { namespace: event.target.namespace } : {}),
        ...(event.target.uid ? { uid: event.target.uid } : {}),
      },
      type: event.type,
      reason: event.reason,
      message: event.message,
      source: { component: 'bgpadvertiser-agent', host: this.node },
      reportingComponent: 'bgpadvertiser-agent',
      reportingInstance: this.node,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    this.api.createNamespacedEvent({ namespace, body: body as never }).catch((err: unknown) => {
      this.log.debug(
        { reason: event.reason, err: describeError(err) },
        `cannot record event: ${describeError(err)}`,
      );
    });
  }
}
