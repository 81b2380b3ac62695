/**
 * Names and labels of BGPSession objects, shared by their two writers: bgplb-controller (service
 * sessions, `<peer>-<node>`, SPEC §7) and the control-plane advertiser (one object per
 * control-plane node and peer). User-visible: docs/configuration.md documents the rule.
 */
import { isIPv4 } from './address.js';
import { ipAddressProblem } from './schemas/session-primitives.js';

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
 * An address as a part of an object name or label value: IPv4 as written, IPv6 (RFC 5952 text)
 * with each `:` written as `x` (`2001:db8::1` -> `2001xdb8xx1`). `x` is no hex digit, so the text
 * stays readable and reversible, and it adds no `-` or `.`, which both naming rules use as separators.
 */
export function addressNamePart(ip: string): string {
  return ip.replaceAll(':', 'x');
}

/**
 * The BGPSession name of a control-plane session: `cp.<node IP>.peer.<peer IP>`, e.g.
 * `cp.10.0.1.10.peer.10.0.1.254`, IPv6 written by {@link addressNamePart}
 * (`cp.2001xdb8x1xx10.peer.2001xdb8x1xxfe`). It cannot collide with a service session: those are
 * named `<peer>-<node>` and always contain a `-`, while this name is built from two addresses and
 * the words `cp` and `peer` only, so it never does. Both addresses are checked (a valid DNS
 * subdomain name follows).
 */
export function controlPlaneSessionName(nodeIP: string, peerIP: string): string {
  for (const [what, ip] of [
    ['node', nodeIP],
    ['peer', peerIP],
  ] as const) {
    if (!isIPv4(ip) && ipAddressProblem(ip) !== undefined)
      throw new Error(`controlPlaneSessionName: ${what} address "${ip}": ${ipAddressProblem(ip)}`);
  }
  return `cp.${addressNamePart(nodeIP)}.peer.${addressNamePart(peerIP)}`;
}
