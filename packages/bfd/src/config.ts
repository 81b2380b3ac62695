/**
 * User-facing settings of a BFD peer, in milliseconds, validated with specific messages and
 * turned into the microsecond timers of the state machine.
 */
import ipaddr from 'ipaddr.js';
import type { BfdTimerConfig } from './fsm.js';

/** The recommended profile: 300 ms x 3 (failure detected in under a second). */
export const BFD_RECOMMENDED_PROFILE = Object.freeze({ minTxMs: 300, minRxMs: 300, multiplier: 3 });

export interface BfdPeerOptions {
  /** The peer's address (IPv4 or IPv6). */
  peer: string;
  /** Our address for this session: packets go out from it and are received on it. */
  local?: string | undefined;
  /** RFC 5883 multihop (UDP 4784) instead of RFC 5881 single-hop (UDP 3784). Default false. */
  multihop?: boolean | undefined;
  /** Desired Min TX Interval once Up, ms. Default 300. */
  minTxMs?: number | undefined;
  /** Required Min RX Interval, ms. Default 300. */
  minRxMs?: number | undefined;
  /** Detect Mult. Default 3. */
  multiplier?: number | undefined;
  /** Passive role: wait for the peer to speak first. Default false. */
  passive?: boolean | undefined;
  /** The peer's UDP port; default 3784 single-hop, 4784 multihop. For tests and odd peers. */
  port?: number | undefined;
}

/** A peer's settings after validation: addresses normalized, timers in microseconds. */
export interface ResolvedBfdPeer {
  peer: string;
  local: string | undefined;
  family: 4 | 6;
  multihop: boolean;
  passive: boolean;
  port: number | undefined;
  timers: BfdTimerConfig;
}

export class BfdConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BfdConfigError';
  }
}

/** The textual form received packets carry (RFC 5952 for IPv6, IPv4-mapped unwrapped). */
export function normalizeAddress(address: string): string | undefined {
  const bare = address.includes('%') ? address.slice(0, address.indexOf('%')) : address;
  if (!ipaddr.isValid(bare)) return undefined;
  return ipaddr.process(bare).toString();
}

function interval(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > 4_294_967)
    throw new BfdConfigError(`${name} must be a number of milliseconds in ${min}..4294967, got ${String(v)}`);
  return Math.round(v * 1000);
}

/** Validates a peer's options; throws a BfdConfigError naming the bad field. */
export function resolvePeerOptions(options: BfdPeerOptions): ResolvedBfdPeer {
  const peer = normalizeAddress(String(options.peer));
  if (peer === undefined)
    throw new BfdConfigError(`peer must be an IPv4 or IPv6 address, got ${String(options.peer)}`);
  const family = ipaddr.parse(peer).kind() === 'ipv4' ? 4 : 6;
  let local: string | undefined;
  if (options.local !== undefined) {
    local = normalizeAddress(String(options.local));
    if (local === undefined)
      throw new BfdConfigError(`local must be an IPv4 or IPv6 address, got ${String(options.local)}`);
    if ((ipaddr.parse(local).kind() === 'ipv4' ? 4 : 6) !== family)
      throw new BfdConfigError(`local ${local} and peer ${peer} are of different address families`);
  }
  const multiplier = options.multiplier ?? BFD_RECOMMENDED_PROFILE.multiplier;
  if (!Number.isInteger(multiplier) || multiplier < 1 || multiplier > 255)
    throw new BfdConfigError(`multiplier must be an integer in 1..255, got ${String(multiplier)}`);
  const port = options.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
    throw new BfdConfigError(`port must be an integer in 1..65535, got ${String(port)}`);
  return {
    peer,
    local,
    family,
    multihop: options.multihop ?? false,
    passive: options.passive ?? false,
    port,
    timers: {
      desiredMinTxUs: interval('minTxMs', options.minTxMs, BFD_RECOMMENDED_PROFILE.minTxMs, 0.001),
      // 0 is allowed: the peer must then not send periodic packets to us.
      requiredMinRxUs: interval('minRxMs', options.minRxMs, BFD_RECOMMENDED_PROFILE.minRxMs, 0),
      detectMultiplier: multiplier,
    },
  };
}
