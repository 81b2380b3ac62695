import * as z from 'zod';
import { API_VERSION } from '../constants.js';
import { Asn, familyOfValid, IPAddress, IPPrefix, ObjectMeta, Timestamp, withFamily } from './primitives.js';

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

/** RFC 5880 BFD states, as shown in `status.bfdState`. */
export const BfdSessionState = z.enum(['AdminDown', 'Down', 'Init', 'Up']);
export type BfdSessionState = z.infer<typeof BfdSessionState>;

/**
 * `spec` of a BGPSession (named `<peer>-<node>`, in kube-system). `localIP` and `peerIP` are of one
 * family (IPv4 or IPv6); `floatingIP` may be of the other (an IPv6 peer's session placed with an
 * IPv4 floating IP starts from the node's IPv6 InternalIP, docs/controller.md).
 */
export const BGPSessionSpec = z
  .strictObject({
    /** Floating IP the session starts from (service sessions); the node IP for control-plane sessions. */
    floatingIP: z
      .optional(IPAddress)
      .describe(
        'Floating IP the session starts from (service sessions); the node IP for control-plane sessions.',
      ),
    localASN: Asn.check(z.describe('Our AS number on this session.')),
    localIP: IPAddress.check(z.describe('Source address of the session.')),
    nodeName: z.string().min(1).describe('Node that runs the session.'),
    peerASN: Asn.check(z.describe('AS number of the peer.')),
    peerIP: IPAddress.check(z.describe('Address of the peer (IPv4 or IPv6, the family of localIP).')),
  })
  .superRefine((spec, ctx) => {
    if (familyOfValid(spec.localIP) === familyOfValid(spec.peerIP)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['localIP'],
      message: `localIP ${withFamily(spec.localIP)} and peerIP ${withFamily(spec.peerIP)} differ in family: a session's two ends are of one family`,
    });
  });
export type BGPSessionSpec = z.infer<typeof BGPSessionSpec>;

/**
 * The last error of a session: a NOTIFICATION sent or received (`code` 1..6 per RFC 4271 §4.5), or a
 * local refusal before any BGP message (`code: 0`, `subcode: 0`, e.g. "floating IP not held here").
 */
export const BGPSessionError = z.strictObject({
  /** NOTIFICATION error code (RFC 4271 §4.5); 0 = refused locally, no NOTIFICATION. */
  code: z
    .number()
    .int()
    .min(0)
    .max(255)
    .describe('NOTIFICATION error code (RFC 4271 §4.5); 0 = refused locally, no NOTIFICATION.'),
  /** Error subcode, 0 when unspecific. */
  subcode: z.number().int().min(0).max(255).describe('Error subcode, 0 when unspecific.'),
  /** Human-readable text, e.g. "Hold Timer Expired" or "Bad Peer AS 65003". */
  message: z.string().describe('Human-readable text, e.g. "Hold Timer Expired" or "Bad Peer AS 65003".'),
  /** Whether we sent the NOTIFICATION or received it from the peer. */
  direction: z
    .enum(['sent', 'received'])
    .optional()
    .describe('Whether we sent the NOTIFICATION or received it from the peer.'),
  time: Timestamp.optional().describe('When it happened.'),
});
export type BGPSessionError = z.infer<typeof BGPSessionError>;

/** Capabilities negotiated with the peer on the current session (RFC 5492), an extension. */
export const BGPSessionCapabilities = z.strictObject({
  addPathSend: z.boolean().describe('We send several paths per prefix (ADD-PATH, RFC 7911).'),
  addPathReceive: z.boolean().describe('We accept several paths per prefix from the peer (ADD-PATH).'),
  gracefulRestart: z.boolean().describe('Both sides advertised Graceful Restart (RFC 4724).'),
  fourOctetAS: z.boolean().describe('4-octet AS numbers (RFC 6793).'),
  extendedMessage: z.boolean().describe('Messages up to 65535 bytes (RFC 8654).'),
  routeRefresh: z.boolean().describe('Route refresh (RFC 2918).'),
  holdTime: z.number().int().min(0).max(65535).describe('Negotiated hold time, seconds.'),
});
export type BGPSessionCapabilities = z.infer<typeof BGPSessionCapabilities>;

/** The last FSM state change of a session, an extension. */
export const BGPSessionTransition = z.strictObject({
  from: BGPSessionState.describe('State left.'),
  to: BGPSessionState.describe('State entered.'),
  reason: z.string().describe('What caused it, as the FSM names it (e.g. "notification-received").'),
  time: Timestamp.describe('When it happened.'),
});
export type BGPSessionTransition = z.infer<typeof BGPSessionTransition>;

/**
 * `status` of a BGPSession, reported by the node that runs it. `lastReportTime` is refreshed on
 * every report (LAST REPORT column); `advertisedRoutes` lists the prefixes sent (`10.0.0.8/32`).
 */
export const BGPSessionStatus = z.looseObject({
  state: BGPSessionState.optional().describe('RFC 4271 FSM state.'),
  advertisedRoutes: z
    .array(IPPrefix)
    .optional()
    .describe('Prefixes announced on this session (`10.0.0.8/32`, `2001:db8::8/128`).'),
  lastReportTime: Timestamp.optional().describe('When the node last reported this session.'),
  establishedSince: Timestamp.optional().describe('When the session last became Established.'),
  receivedPrefixes: z.number().int().min(0).optional().describe('Prefixes received from the peer.'),
  advertisedPrefixes: z.number().int().min(0).optional().describe('Prefixes announced to the peer.'),
  lastError: BGPSessionError.optional().describe(
    'Last NOTIFICATION sent or received, or a local refusal (code 0).',
  ),
  bfdState: BfdSessionState.optional().describe(
    'State of the BFD session to the peer (RFC 5880), an extension; absent when BFD is off.',
  ),
  capabilities: BGPSessionCapabilities.optional().describe(
    'Capabilities negotiated on the current session, an extension; absent while not Established.',
  ),
  flapCount: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Times the session went down after being Established, since the node started it.'),
  lastTransition: BGPSessionTransition.optional().describe('The last FSM state change, an extension.'),
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
