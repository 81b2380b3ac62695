import { z } from 'zod';
import { API_VERSION } from '../constants.js';
import { Asn, IPv4Address, IPv4Prefix, ObjectMeta, Timestamp } from './primitives.js';

/** RFC 4271 FSM states, as shown in the STATE column. */
export const BGPSessionState = z.enum([
  'Idle',
  'Connect',
  'Active',
  'OpenSent',
  'OpenConfirm',
  'Established',
]);
export type BGPSessionState = z.infer<typeof BGPSessionState>;

/** `spec` of a BGPSession (named `<peer>-<node>`, in kube-system). */
export const BGPSessionSpec = z.strictObject({
  /** Floating IP the session starts from (service sessions); the node IP for control-plane sessions. */
  floatingIP: IPv4Address.optional(),
  localASN: Asn,
  localIP: IPv4Address,
  nodeName: z.string().min(1),
  peerASN: Asn,
  peerIP: IPv4Address,
});
export type BGPSessionSpec = z.infer<typeof BGPSessionSpec>;

/**
 * The last error of a session: a NOTIFICATION sent or received (`code` 1..6 per RFC 4271 §4.5), or a
 * local refusal before any BGP message (`code: 0`, `subcode: 0`, e.g. "floating IP not held here").
 */
export const BGPSessionError = z.strictObject({
  /** NOTIFICATION error code (RFC 4271 §4.5); 0 = refused locally, no NOTIFICATION. */
  code: z.number().int().min(0).max(255),
  /** Error subcode, 0 when unspecific. */
  subcode: z.number().int().min(0).max(255),
  /** Human-readable text, e.g. "Hold Timer Expired" or "Bad Peer AS 65003". */
  message: z.string(),
  /** Whether we sent the NOTIFICATION or received it from the peer. */
  direction: z.enum(['sent', 'received']).optional(),
  time: Timestamp.optional(),
});
export type BGPSessionError = z.infer<typeof BGPSessionError>;

/**
 * `status` of a BGPSession, reported by the node that runs it. `lastReportTime` is refreshed on
 * every report (LAST REPORT column); `advertisedRoutes` lists the prefixes sent (`10.0.0.8/32`).
 */
export const BGPSessionStatus = z.looseObject({
  state: BGPSessionState.optional(),
  advertisedRoutes: z.array(IPv4Prefix).optional(),
  lastReportTime: Timestamp.optional(),
  establishedSince: Timestamp.optional(),
  receivedPrefixes: z.number().int().min(0).optional(),
  advertisedPrefixes: z.number().int().min(0).optional(),
  lastError: BGPSessionError.optional(),
});
export type BGPSessionStatus = z.infer<typeof BGPSessionStatus>;

/** `networking.gke.io/v1` BGPSession: one BGP session of one node, for `kubectl get bgpsessions`. */
export const BGPSession = z.looseObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('BGPSession'),
  metadata: ObjectMeta,
  spec: BGPSessionSpec,
  status: BGPSessionStatus.optional(),
});
export type BGPSession = z.infer<typeof BGPSession>;
