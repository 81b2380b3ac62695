/**
 * Names and labels of BGPSession objects, shared by their two writers: bgplb-controller (service
 * sessions, `<peer>-<node>`, SPEC §7) and the control-plane advertiser (one object per
 * control-plane node and peer). User-visible: docs/configuration.md documents the rule.
 */
import { isIPv4 } from './address.js';

/** Label telling the two kinds of BGPSession apart: `kubectl get bgpsessions -l bgplb.io/session-kind=control-plane`. */
export const SESSION_KIND_LABEL = 'bgplb.io/session-kind';

export const SESSION_KIND = {
  /** Written by the control-plane advertiser (the control-plane VIP). */
  controlPlane: 'control-plane',
  /** Written by bgplb-controller, run by the node agents (Service VIPs). */
  service: 'service',
} as const;

/** The label selector of service sessions that also matches objects written before the label existed. */
export const NOT_CONTROL_PLANE_SESSIONS = `${SESSION_KIND_LABEL}!=${SESSION_KIND.controlPlane}`;

/**
 * The BGPSession name of a control-plane session: `cp.<node IP>.peer.<peer IP>`, e.g.
 * `cp.10.0.1.10.peer.10.0.1.254`. It cannot collide with a service session: those are named
 * `<peer>-<node>` and always contain a `-`, while this name is built from two IPv4 addresses and
 * the words `cp` and `peer` only, so it never does. Both addresses are checked (a valid DNS
 * subdomain name follows).
 */
export function controlPlaneSessionName(nodeIP: string, peerIP: string): string {
  for (const [what, ip] of [
    ['node', nodeIP],
    ['peer', peerIP],
  ] as const) {
    if (!isIPv4(ip)) throw new Error(`controlPlaneSessionName: ${what} address "${ip}" is not IPv4`);
  }
  return `cp.${nodeIP}.peer.${peerIP}`;
}
