/**
 * OPEN building and checking (RFC 4271 §6.2, RFC 5492, RFC 6793, RFC 7911, RFC 4724): what we
 * advertise, whether the peer's OPEN is acceptable (and which NOTIFICATION to send when it is
 * not), and the options both sides agreed on.
 */
import {
  AS_TRANS,
  type Capability,
  type FamilyKey,
  GR_FORWARDING_STATE,
  GracefulRestartFlag,
  NotificationCode,
  negotiateSessionOptions,
  type OpenMessage,
  OpenSubcode,
  openAsn,
  type SessionOptions,
  twoOctetAsn,
} from '@bgplb/bgp-wire';

/** A family this speaker can carry. */
export type Family = 'ipv4-unicast' | 'ipv6-unicast';

/** Every family this speaker can carry, for peers that should carry whatever the peer negotiates. */
export const ALL_FAMILIES: readonly Family[] = Object.freeze(['ipv4-unicast', 'ipv6-unicast']);

export const FAMILY_KEYS: Readonly<Record<Family, FamilyKey>> = {
  'ipv4-unicast': '1/1',
  'ipv6-unicast': '2/1',
};

const RESTART_BIT = GracefulRestartFlag.RESTART;
/** The one RFC 8950 combination we use: IPv4 unicast NLRI, IPv6 next hop. */
const IPV4_OVER_IPV6 = { afi: 1, safi: 1, nextHopAfi: 2 } as const;
const FORWARDING_PRESERVED = GR_FORWARDING_STATE;

/** What we put in our OPEN. */
export interface LocalOpenSettings {
  asn: number;
  routerId: string;
  /** Proposed hold time in seconds (0 or >= 3). */
  holdTime: number;
  families: readonly Family[];
  /** Advertise ADD-PATH send and receive for every family. */
  addPath: boolean;
  /** RFC 8654; default on. */
  extendedMessage: boolean;
  /** Graceful restart capability; `restarting` sets the R bit. */
  gracefulRestart?: { restartTime: number; restarting?: boolean; forwardingPreserved?: boolean } | undefined;
  /**
   * RFC 8950: offer IPv4 unicast NLRI with IPv6 next hops (Extended Next Hop Encoding). Only
   * offered when `families` has 'ipv4-unicast'.
   */
  extendedNextHop?: boolean | undefined;
}

/** The peer's view as seen in its OPEN, plus what both sides agreed on. */
export interface NegotiatedSession {
  peerAsn: number;
  peerRouterId: string;
  /** min(our hold, peer's hold); 0 means no keepalives and no hold timer. */
  holdTime: number;
  /** Our keepalive interval: the configured one, at most holdTime / 3. */
  keepaliveTime: number;
  fourOctetAs: boolean;
  extendedMessage: boolean;
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  /** Families both sides support (IPv4 unicast when neither sends Multiprotocol). */
  families: FamilyKey[];
  /** We send ADD-PATH path ids for IPv4 unicast (we advertised send, the peer receive). */
  addPathSend: boolean;
  /** We read ADD-PATH path ids for IPv4 unicast. */
  addPathReceive: boolean;
  /**
   * RFC 8950 for IPv4 unicast: both sides offered IPv4 NLRI with IPv6 next hops, so IPv4 prefixes
   * may be sent with an IPv6 next hop in MP_REACH_NLRI.
   */
  extendedNextHop: boolean;
  /** The peer's graceful restart capability, when it sent one. */
  gracefulRestart?: {
    restartTime: number;
    /** The peer restarted (R bit). */
    restarting: boolean;
    families: { family: FamilyKey; forwardingPreserved: boolean }[];
  };
  /** For the codec: 4-octet AS, extended message, ADD-PATH per family per direction. */
  sessionOptions: SessionOptions;
}

/** Our OPEN for these settings. */
export function buildLocalOpen(s: LocalOpenSettings): OpenMessage {
  const caps: Capability[] = [];
  for (const f of s.families) {
    const [afi, safi] = FAMILY_KEYS[f].split('/').map(Number) as [number, number];
    caps.push({ type: 'multiprotocol', afi, safi });
  }
  caps.push({ type: 'route-refresh' }, { type: 'enhanced-route-refresh' });
  caps.push({ type: 'four-octet-as', asn: s.asn });
  if (s.extendedMessage) caps.push({ type: 'extended-message' });
  if (s.extendedNextHop === true && s.families.includes('ipv4-unicast'))
    caps.push({ type: 'extended-next-hop', entries: [IPV4_OVER_IPV6] });
  if (s.addPath) {
    caps.push({
      type: 'add-path',
      families: s.families.map((f) => {
        const [afi, safi] = FAMILY_KEYS[f].split('/').map(Number) as [number, number];
        return { afi, safi, mode: 'both' as const };
      }),
    });
  }
  if (s.gracefulRestart !== undefined) {
    const gr = s.gracefulRestart;
    caps.push({
      type: 'graceful-restart',
      flags: gr.restarting === true ? RESTART_BIT : 0,
      restartTime: Math.min(4095, Math.max(0, Math.floor(gr.restartTime))),
      families: s.families.map((f) => {
        const [afi, safi] = FAMILY_KEYS[f].split('/').map(Number) as [number, number];
        return { afi, safi, flags: gr.forwardingPreserved === false ? 0 : FORWARDING_PRESERVED };
      }),
    });
  }
  return {
    type: 'open',
    version: 4,
    myAsn: twoOctetAsn(s.asn),
    holdTime: s.holdTime,
    bgpId: s.routerId,
    capabilities: caps,
  };
}

/** Why an OPEN was refused: the NOTIFICATION to send and a message for the log. */
export interface OpenRejection {
  code: number;
  subcode: number;
  data: Uint8Array;
  message: string;
}

/** What we expect of the peer. */
export interface OpenExpectations {
  peerAsn: number;
  localAsn: number;
  localRouterId: string;
  /** Our configured keepalive (default holdTime / 3). */
  keepaliveTime?: number | undefined;
  /**
   * eBGP only: require AS_PATH to start with the peer's ASN (RFC 4271 §6.3; default true).
   * Turn off for route servers, which do not prepend their own ASN.
   */
  enforceFirstAs?: boolean | undefined;
}

function capabilityOf<T extends Capability['type']>(open: OpenMessage, type: T) {
  return open.capabilities.find((c): c is Extract<Capability, { type: T }> => c.type === type);
}

function reject(subcode: number, message: string, data: Uint8Array = new Uint8Array(0)): OpenRejection {
  return { code: NotificationCode.OPEN_MESSAGE_ERROR, subcode, data, message };
}

/**
 * Checks the peer's OPEN against ours (RFC 4271 §6.2) and returns what was negotiated, or the
 * OPEN Message Error to send: 1 unsupported version (data: the version we support), 2 bad peer AS,
 * 3 bad BGP identifier, 6 unacceptable hold time (1 or 2 seconds).
 */
export function negotiate(
  local: OpenMessage,
  remote: OpenMessage,
  expect: OpenExpectations,
): NegotiatedSession | OpenRejection {
  if (remote.version !== 4) {
    return reject(
      OpenSubcode.UNSUPPORTED_VERSION_NUMBER,
      `unsupported BGP version ${remote.version} (we speak 4)`,
      Uint8Array.of(0, 4),
    );
  }
  const four = capabilityOf(remote, 'four-octet-as');
  const peerAsn = openAsn(remote);
  if (peerAsn !== expect.peerAsn || (four !== undefined && four.asn <= 0xffff && remote.myAsn !== four.asn)) {
    const field = Uint8Array.of(remote.myAsn >>> 8, remote.myAsn & 255);
    return reject(
      OpenSubcode.BAD_PEER_AS,
      `bad peer AS ${peerAsn} (my AS field ${remote.myAsn}), expected ${expect.peerAsn}`,
      field,
    );
  }
  if (four === undefined && remote.myAsn === AS_TRANS && expect.peerAsn !== AS_TRANS) {
    return reject(OpenSubcode.BAD_PEER_AS, `peer sent AS_TRANS without the 4-octet AS capability`);
  }
  if (remote.bgpId === '0.0.0.0' || remote.bgpId === '255.255.255.255') {
    return reject(OpenSubcode.BAD_BGP_IDENTIFIER, `bad BGP identifier ${remote.bgpId}`);
  }
  // RFC 6286 §2.1: identical identifiers are only an error inside one AS.
  if (remote.bgpId === expect.localRouterId && peerAsn === expect.localAsn) {
    return reject(
      OpenSubcode.BAD_BGP_IDENTIFIER,
      `peer BGP identifier ${remote.bgpId} equals ours in an iBGP session`,
    );
  }
  if (remote.holdTime === 1 || remote.holdTime === 2) {
    return reject(
      OpenSubcode.UNACCEPTABLE_HOLD_TIME,
      `unacceptable hold time ${remote.holdTime} s (must be 0 or at least 3)`,
    );
  }
  const holdTime = Math.min(local.holdTime, remote.holdTime);
  const configuredKeepalive = expect.keepaliveTime ?? Math.floor(local.holdTime / 3);
  const keepaliveTime =
    holdTime === 0 ? 0 : Math.max(1, Math.min(configuredKeepalive, Math.floor(holdTime / 3)));

  const localFamilies = multiprotocolFamilies(local);
  const remoteFamilies = multiprotocolFamilies(remote);
  const families = localFamilies.filter((f) => remoteFamilies.includes(f));

  const base = negotiateSessionOptions(local, remote);
  // External peers get the RFC 7606 eBGP checks of the codec (and the first-AS check).
  const options: SessionOptions =
    peerAsn === expect.localAsn
      ? base
      : { ...base, ebgp: true, ...(expect.enforceFirstAs === false ? {} : { peerAsn }) };
  const grCap = capabilityOf(remote, 'graceful-restart');
  const has = (open: OpenMessage, type: Capability['type']) => open.capabilities.some((c) => c.type === type);
  const negotiated: NegotiatedSession = {
    peerAsn,
    peerRouterId: remote.bgpId,
    holdTime,
    keepaliveTime,
    fourOctetAs: options.fourOctetAs,
    extendedMessage: options.extendedMessage,
    routeRefresh: has(local, 'route-refresh') && has(remote, 'route-refresh'),
    enhancedRouteRefresh: has(local, 'enhanced-route-refresh') && has(remote, 'enhanced-route-refresh'),
    families,
    addPathSend: options.addPathSend.has('1/1'),
    addPathReceive: options.addPathReceive.has('1/1'),
    extendedNextHop: families.includes('1/1') && offersIpv4OverIpv6(local) && offersIpv4OverIpv6(remote),
    sessionOptions: options,
  };
  if (grCap !== undefined) {
    negotiated.gracefulRestart = {
      restartTime: grCap.restartTime,
      restarting: (grCap.flags & RESTART_BIT) !== 0,
      families: grCap.families.map((f) => ({
        family: `${f.afi}/${f.safi}` as FamilyKey,
        forwardingPreserved: (f.flags & FORWARDING_PRESERVED) !== 0,
      })),
    };
  }
  return negotiated;
}

function offersIpv4OverIpv6(open: OpenMessage): boolean {
  return open.capabilities.some(
    (c) =>
      c.type === 'extended-next-hop' &&
      c.entries.some((e) => e.afi === 1 && e.safi === 1 && e.nextHopAfi === 2),
  );
}

/** RFC 4760 §8: without any Multiprotocol capability a speaker carries IPv4 unicast only. */
function multiprotocolFamilies(open: OpenMessage): FamilyKey[] {
  const out: FamilyKey[] = [];
  for (const c of open.capabilities)
    if (c.type === 'multiprotocol') out.push(`${c.afi}/${c.safi}` as FamilyKey);
  return out.length === 0 ? ['1/1'] : out;
}
