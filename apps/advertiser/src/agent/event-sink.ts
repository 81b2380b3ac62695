/**
 * Where the agent's parts report Kubernetes Events: a floating IP added to or removed from this
 * node, a BGPSession refused. In production this is kube-runtime's EventRecorder (Kubernetes'
 * aggregation, never throws); tests pass a list.
 */
import type { EventSpec } from '@bgplb/kube-runtime';

export interface EventSink {
  record(event: EventSpec): void;
}
