import type { KubeObject } from './types.js';

/**
 * core/v1 Events and events.k8s.io/v1 Events are two views of one storage, as in kube-apiserver:
 * objects are stored in the core shape and converted field by field on the way in and out.
 */
const PAIRS: Array<[core: string, v1: string]> = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];
const SHARED = ['eventTime', 'series', 'reportingInstance', 'action', 'reason', 'type', 'related'];

function rename(obj: KubeObject, from: 0 | 1, apiVersion: string): KubeObject {
  const out: KubeObject = { apiVersion, kind: 'Event', metadata: obj.metadata };
  for (const pair of PAIRS) {
    const v = obj[pair[from]];
    if (v !== undefined) out[pair[1 - from]!] = v;
  }
  for (const k of SHARED) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}

export function coreEventToEventsV1(obj: KubeObject): KubeObject {
  return rename(obj, 0, 'events.k8s.io/v1');
}

export function eventsV1ToCoreEvent(obj: KubeObject): KubeObject {
  return rename(obj, 1, 'v1');
}
