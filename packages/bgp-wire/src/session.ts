import { AS_TRANS, MAX_EXTENDED_MESSAGE_LENGTH, MAX_MESSAGE_LENGTH } from './constants.js';
import type { AddPathCapability, FamilyKey, OpenMessage } from './types.js';

/**
 * The negotiated state that changes how messages are encoded and decoded. One object per
 * session, derived from the two OPENs with {@link negotiateSessionOptions}.
 */
export interface SessionOptions {
  /** Both sides sent the 4-octet AS capability (RFC 6793): AS_PATH/AGGREGATOR carry 4-octet ASNs. */
  readonly fourOctetAs: boolean;
  /** Both sides sent the Extended Message capability (RFC 8654): UPDATE etc. may be 65535 octets. */
  readonly extendedMessage: boolean;
  /** Families in which WE read path identifiers from what the peer sends (RFC 7911). */
  readonly addPathReceive: ReadonlySet<FamilyKey>;
  /** Families in which WE write path identifiers in what we send (RFC 7911). */
  readonly addPathSend: ReadonlySet<FamilyKey>;
  /**
   * The peer is external (eBGP). Optional; when true, the decoder also applies the checks that
   * only hold between ASes (RFC 7606 §7.2, §7.5, §7.9): an empty AS_PATH or one with
   * confederation segments is treat-as-withdraw, LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST
   * are discarded. Not set by {@link negotiateSessionOptions}: the session knows, the OPENs do not.
   */
  readonly ebgp?: boolean;
  /**
   * The peer's ASN. Optional; with `ebgp: true` the decoder then also checks that AS_PATH starts
   * with it (RFC 4271 §6.3, treat-as-withdraw per RFC 7606 §7.2). Leave it out for peers that
   * legitimately do not prepend their ASN, such as IXP route servers.
   */
  readonly peerAsn?: number;
}

/**
 * The options before the OPEN exchange completes: 2-octet ASNs (the RFC 4271 default, the only
 * safe assumption until both sides have sent the 4-octet AS capability), no extended messages
 * and no ADD-PATH. Only OPEN, KEEPALIVE and NOTIFICATION are legal then, and they do not depend
 * on these options. For decoding captures of a known 4-octet session (MRT, pcap), pass your own.
 */
export const DEFAULT_SESSION_OPTIONS: SessionOptions = Object.freeze({
  fourOctetAs: false,
  extendedMessage: false,
  addPathReceive: new Set<FamilyKey>(),
  addPathSend: new Set<FamilyKey>(),
});

/** `familyKey(1, 1)` is `'1/1'`. */
export function familyKey(afi: number, safi: number): FamilyKey {
  return `${afi}/${safi}`;
}

function addPathModes(open: OpenMessage): Map<FamilyKey, { send: boolean; receive: boolean }> {
  const modes = new Map<FamilyKey, { send: boolean; receive: boolean }>();
  for (const cap of open.capabilities) {
    if (cap.type !== 'add-path') continue;
    for (const f of (cap as AddPathCapability).families) {
      modes.set(familyKey(f.afi, f.safi), {
        send: f.mode === 'send' || f.mode === 'both',
        receive: f.mode === 'receive' || f.mode === 'both',
      });
    }
  }
  return modes;
}

/**
 * Derives the session options from the OPEN we sent and the OPEN the peer sent.
 * ADD-PATH is per direction (RFC 7911 §5): we send path ids in a family only if we advertised
 * send and the peer advertised receive; we read path ids only if we advertised receive and the
 * peer advertised send.
 */
export function negotiateSessionOptions(localOpen: OpenMessage, remoteOpen: OpenMessage): SessionOptions {
  const has = (open: OpenMessage, type: string) => open.capabilities.some((c) => c.type === type);
  const local = addPathModes(localOpen);
  const remote = addPathModes(remoteOpen);
  const addPathReceive = new Set<FamilyKey>();
  const addPathSend = new Set<FamilyKey>();
  for (const [key, l] of local) {
    const r = remote.get(key);
    if (r === undefined) continue;
    if (l.receive && r.send) addPathReceive.add(key);
    if (l.send && r.receive) addPathSend.add(key);
  }
  return {
    fourOctetAs: has(localOpen, 'four-octet-as') && has(remoteOpen, 'four-octet-as'),
    extendedMessage: has(localOpen, 'extended-message') && has(remoteOpen, 'extended-message'),
    addPathReceive,
    addPathSend,
  };
}

/** The real ASN of an OPEN: the 4-octet AS capability's value when present, else `myAsn`. */
export function openAsn(open: OpenMessage): number {
  for (const cap of open.capabilities) if (cap.type === 'four-octet-as') return cap.asn;
  return open.myAsn;
}

/** The value for OPEN's 2-octet My AS field: the ASN itself, or AS_TRANS when it does not fit. */
export function twoOctetAsn(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

/** Maximum length of an UPDATE, NOTIFICATION or ROUTE-REFRESH under these options. */
export function maxMessageLength(options: Pick<SessionOptions, 'extendedMessage'>): number {
  return options.extendedMessage ? MAX_EXTENDED_MESSAGE_LENGTH : MAX_MESSAGE_LENGTH;
}
