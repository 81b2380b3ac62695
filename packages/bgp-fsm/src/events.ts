/** The typed event stream of a speaker and the per-peer status. */
import type { BfdDiagnostic, BfdState } from '@bgplb/bfd';
import type { PeerBfdStatus } from './bfd-peers.js';
import type { NegotiatedSession } from './negotiate.js';
import type { FsmState } from './state.js';

/** The negotiated options as reported in events and status. */
export interface NegotiatedSummary {
  holdTime: number;
  keepaliveTime: number;
  fourOctetAs: boolean;
  /** We send ADD-PATH path ids (IPv4 unicast): every path of a prefix is announced. */
  addPathSend: boolean;
  /** We receive ADD-PATH path ids (IPv4 unicast). */
  addPathReceive: boolean;
  extendedMessage: boolean;
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  /** The peer advertised graceful restart (RFC 4724). */
  gracefulRestart: boolean;
  peerAsn: number;
  peerRouterId: string;
  families: string[];
  /** Present when RFC 8950 was negotiated: IPv4 prefixes may carry IPv6 next hops. */
  extendedNextHop?: true;
}

export function summarizeNegotiated(n: NegotiatedSession): NegotiatedSummary {
  return {
    holdTime: n.holdTime,
    keepaliveTime: n.keepaliveTime,
    fourOctetAs: n.fourOctetAs,
    addPathSend: n.addPathSend,
    addPathReceive: n.addPathReceive,
    extendedMessage: n.extendedMessage,
    routeRefresh: n.routeRefresh,
    enhancedRouteRefresh: n.enhancedRouteRefresh,
    gracefulRestart: n.gracefulRestart !== undefined,
    peerAsn: n.peerAsn,
    peerRouterId: n.peerRouterId,
    families: [...n.families],
    ...(n.extendedNextHop ? { extendedNextHop: true as const } : {}),
  };
}

export type SpeakerEvent =
  | { type: 'state'; peer: string; from: FsmState; to: FsmState; reason: string }
  | { type: 'open-negotiated'; peer: string; negotiated: NegotiatedSummary }
  | {
      type: 'update-sent' | 'update-received';
      peer: string;
      nlri: string[];
      withdrawn: string[];
      /** `[{Origin: i} 65001 {Nexthop: 10.0.1.10}]`; empty for pure withdrawals. */
      attributes: string;
      pathIds?: number[];
      /**
       * Set when the lists were cut at `updateEvents.receivedPrefixes`: the real numbers of
       * announced and withdrawn prefixes of the UPDATE (`nlri` / `withdrawn` hold the first ones).
       */
      nlriTotal?: number;
      withdrawnTotal?: number;
    }
  | { type: 'end-of-rib-sent' | 'end-of-rib-received'; peer: string; family: string }
  | {
      type: 'notification-sent' | 'notification-received';
      peer: string;
      code: number;
      subcode: number;
      /** `Cease/Administrative Shutdown: "maintenance"` (RFC 8203 message included). */
      text: string;
    }
  | { type: 'keepalive-sent' | 'keepalive-received'; peer: string }
  | {
      /** The BFD session of a peer with the `bfd` option changed state (RFC 5880). */
      type: 'bfd-state';
      peer: string;
      from: BfdState;
      to: BfdState;
      diagnostic: BfdDiagnostic;
      /** The detection time in force at the change, ms. */
      detectionTimeMs: number;
      /** For a Down after a detection timeout: ms from the last packet received to the detection. */
      silentMs?: number;
    }
  | { type: 'route-refresh-received'; peer: string; family: string; subtype: number }
  | {
      /**
       * The peer sent prefixes of an address family that was not negotiated (RFC 4760): they are
       * ignored, counted in `counters.prefixesIgnored`, and reported once per family per session.
       */
      type: 'unnegotiated-family';
      peer: string;
      family: string;
      /** Prefixes of that family in the UPDATE that first carried it. */
      prefixes: number;
    }
  | {
      type: 'error';
      peer?: string;
      /** Connection errors keep Node's `code` (`ECONNREFUSED`, `ETIMEDOUT`, `EHOSTUNREACH`, ...). */
      error: Error & { code?: string };
      /**
       * Who caused it: `peer` (its bytes broke the protocol or a limit: expected from a broken or
       * hostile peer, no stack trace needed), `connection` (socket errors) or `local` (a bug, or
       * the application's selector). Absent on errors not tied to a session.
       */
      source?: ErrorSource;
      /** For `source: 'peer'`: what kind of protocol error (also the key of `counters.peerErrors`). */
      class?: PeerErrorClass;
    };

export type ErrorSource = 'peer' | 'connection' | 'local';

/**
 * Classes of peer-caused protocol errors: a bad message header, an unacceptable or malformed
 * OPEN, an UPDATE error by its RFC 7606 action, a malformed ROUTE-REFRESH, too many prefixes.
 */
export type PeerErrorClass =
  | 'message-header'
  | 'open'
  | 'update-treat-as-withdraw'
  | 'update-attribute-discard'
  | 'update-afi-safi-disable'
  | 'update-session-reset'
  | 'route-refresh'
  | 'max-prefix';

export type SpeakerEventType = SpeakerEvent['type'];

export interface PeerCounters {
  /** Messages received by type: `open`, `update`, `notification`, `keepalive`, `route-refresh`. */
  messagesIn: Record<string, number>;
  messagesOut: Record<string, number>;
  /** Prefixes in the Adj-RIB-Out (as sent). */
  prefixesAnnounced: number;
  /** Paths in the Adj-RIB-Out (with ADD-PATH, several per prefix). */
  pathsAnnounced: number;
  /** Prefixes (paths, with ADD-PATH receive) received and not withdrawn; re-announcements count once. */
  prefixesReceived: number;
  /** Received prefixes per family (`'1/1'`, `'2/1'`). */
  prefixesReceivedByFamily: Record<string, number>;
  /** Prefixes received in families that were not negotiated, ignored (RFC 4760); cumulative. */
  prefixesIgnored: number;
  /** Peer-caused protocol errors by class; cumulative over the peer's sessions. */
  peerErrors: Partial<Record<PeerErrorClass, number>>;
  /** Times an Established session went down. */
  flaps: number;
}

export interface PeerStatus {
  id: string;
  state: FsmState;
  establishedSince?: Date;
  /** Seconds since Established (0 when not Established). */
  uptime: number;
  negotiated?: NegotiatedSummary;
  counters: PeerCounters;
  lastError?: { code: number; subcode: number; text: string; direction: 'sent' | 'received'; at: Date };
  lastStateChange: Date;
  /** The last FSM state change, with the FSM's reason (`HoldTimer_Expires`, ...); absent before the first. */
  lastTransition?: { from: FsmState; to: FsmState; reason: string; at: Date };
  /** The prefixes in the Adj-RIB-Out, as sent. */
  advertisedPrefixes: string[];
  /** The peer's BFD session: present only for peers with the `bfd` option. */
  bfd?: PeerBfdStatus;
}
