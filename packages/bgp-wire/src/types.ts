/**
 * The typed message model. Every message is a plain object, discriminated on `type`; addresses
 * and prefixes are canonical strings (`10.0.0.0/24`, `2001:db8::/32`), numbers are plain numbers
 * (32-bit values are unsigned). Optional fields that only exist to re-encode odd but legal input
 * byte for byte (`flags`, `parameterGroups`, ...) are absent on anything this codec would encode
 * the same way by default.
 */

/** Address family of a prefix: 1 = IPv4, 2 = IPv6. */
export type AfiNumber = 1 | 2;

/** `${afi}/${safi}`, e.g. `'1/1'` for IPv4 unicast, `'2/1'` for IPv6 unicast. */
export type FamilyKey = `${number}/${number}`;

/** One NLRI entry: a prefix in canonical form plus its ADD-PATH path identifier, when present. */
export interface Nlri {
  /** `10.0.0.0/24` or `2001:db8::/32`; host bits beyond the length are zero. */
  prefix: string;
  /** RFC 7911 path identifier (uint32), present only when ADD-PATH applies in that direction. */
  pathId?: number;
}

/** Identifies a route for withdrawal: family, prefix and (ADD-PATH) path id. */
export interface RouteKey {
  /** Defaults to the prefix's own family. */
  afi?: AfiNumber;
  /** Defaults to 1 (unicast). */
  safi?: number;
  prefix: string;
  pathId?: number;
}

/** A route to announce: prefix, optional path id, next hop and path attributes. */
export interface Route extends RouteKey {
  /**
   * Next hop. For an IPv4 prefix with an IPv4 next hop this becomes the NEXT_HOP attribute
   * (replacing any `next-hop` in `attributes`); any other combination (IPv6 prefix, or IPv4
   * prefix with an IPv6 next hop, RFC 8950) goes into MP_REACH_NLRI.
   */
  nextHop?: string;
  /** Optional IPv6 link-local next hop, sent as the second 16 octets of a 32-octet MP next hop. */
  linkLocalNextHop?: string;
  /** Path attributes without MP_REACH_NLRI / MP_UNREACH_NLRI (the encoder builds those). */
  attributes: readonly PathAttribute[];
}

// ---------------------------------------------------------------------------------------------
// Capabilities (RFC 5492)
// ---------------------------------------------------------------------------------------------

/** Multiprotocol Extensions (RFC 4760), code 1. */
export interface MultiprotocolCapability {
  type: 'multiprotocol';
  afi: number;
  safi: number;
}
/** Route Refresh (RFC 2918), code 2, or the pre-standard code 128 when `preStandard` is true. */
export interface RouteRefreshCapability {
  type: 'route-refresh';
  preStandard?: true;
}
/** Extended Next Hop Encoding (RFC 8950), code 5. */
export interface ExtendedNextHopCapability {
  type: 'extended-next-hop';
  entries: { afi: number; safi: number; nextHopAfi: number }[];
}
/** Extended Message (RFC 8654), code 6. */
export interface ExtendedMessageCapability {
  type: 'extended-message';
}
/** BGP Role (RFC 9234), code 9. See {@link BgpRole}. */
export interface RoleCapability {
  type: 'role';
  role: number;
}
/** Graceful Restart (RFC 4724), code 64. */
export interface GracefulRestartCapability {
  type: 'graceful-restart';
  /** The 4 flag bits: 8 = Restart State (R), 4 = Graceful Notification (N, RFC 8538). */
  flags: number;
  /** Restart time in seconds (12 bits). */
  restartTime: number;
  /** Per family flags: 0x80 = forwarding state preserved. */
  families: { afi: number; safi: number; flags: number }[];
}
/** Support for 4-octet AS numbers (RFC 6793), code 65. */
export interface FourOctetAsCapability {
  type: 'four-octet-as';
  asn: number;
}
/**
 * ADD-PATH direction as advertised by the sender of the capability. `'none'` is a Send/Receive
 * value outside 1..3: RFC 7911 defines only 1..3, but FRR 8.4 sends 0 for a family with
 * `disable-addpath-rx`; it means no ADD-PATH in either direction for that family.
 */
export type AddPathMode = 'receive' | 'send' | 'both' | 'none';
/** One family of an ADD-PATH capability. */
export interface AddPathFamily {
  afi: number;
  safi: number;
  mode: AddPathMode;
  /** The Send/Receive octet when `mode` is 'none' and it was not 0 (kept for re-encoding). */
  value?: number;
}
/** ADD-PATH (RFC 7911), code 69. */
export interface AddPathCapability {
  type: 'add-path';
  families: AddPathFamily[];
}
/** Enhanced Route Refresh (RFC 7313), code 70. */
export interface EnhancedRouteRefreshCapability {
  type: 'enhanced-route-refresh';
}
/** Long-Lived Graceful Restart (RFC 9494), code 71. */
export interface LongLivedGracefulRestartCapability {
  type: 'long-lived-graceful-restart';
  /** `flags` 0x80 = forwarding state preserved; `staleTime` in seconds (24 bits). */
  families: { afi: number; safi: number; flags: number; staleTime: number }[];
}
/** FQDN (draft-walton-bgp-hostname-capability), code 73. */
export interface FqdnCapability {
  type: 'fqdn';
  hostname: string;
  domainName: string;
}
/** Any other capability (including 75 software version and 76 paths-limit), kept verbatim. */
export interface UnknownCapability {
  type: 'unknown';
  code: number;
  data: Uint8Array;
}

export type Capability =
  | MultiprotocolCapability
  | RouteRefreshCapability
  | ExtendedNextHopCapability
  | ExtendedMessageCapability
  | RoleCapability
  | GracefulRestartCapability
  | FourOctetAsCapability
  | AddPathCapability
  | EnhancedRouteRefreshCapability
  | LongLivedGracefulRestartCapability
  | FqdnCapability
  | UnknownCapability;

// ---------------------------------------------------------------------------------------------
// Path attributes
// ---------------------------------------------------------------------------------------------

/** Fields every attribute may carry. */
export interface AttributeBase {
  /**
   * The flags octet as received, present only when it differs from the canonical flags this
   * codec would write (Partial bit set, or Extended Length used for a short value). The encoder
   * writes these flags (adding Extended Length when the value needs it).
   */
  flags?: number;
}

export type Origin = 'igp' | 'egp' | 'incomplete';
export interface OriginAttribute extends AttributeBase {
  type: 'origin';
  origin: Origin;
}

export type AsPathSegmentType = 'set' | 'sequence' | 'confed-sequence' | 'confed-set';
export interface AsPathSegment {
  type: AsPathSegmentType;
  asns: number[];
}
export interface AsPathAttribute extends AttributeBase {
  type: 'as-path';
  segments: AsPathSegment[];
}
export interface NextHopAttribute extends AttributeBase {
  type: 'next-hop';
  nextHop: string;
}
export interface MedAttribute extends AttributeBase {
  type: 'med';
  med: number;
}
export interface LocalPrefAttribute extends AttributeBase {
  type: 'local-pref';
  localPref: number;
}
export interface AtomicAggregateAttribute extends AttributeBase {
  type: 'atomic-aggregate';
}
/** AGGREGATOR; `asn` is 2 or 4 octets on the wire depending on the session. */
export interface AggregatorAttribute extends AttributeBase {
  type: 'aggregator';
  asn: number;
  address: string;
}
/** COMMUNITIES (RFC 1997): each value is the 32-bit community, `(asn << 16) | value`. */
export interface CommunitiesAttribute extends AttributeBase {
  type: 'communities';
  communities: number[];
}
export interface OriginatorIdAttribute extends AttributeBase {
  type: 'originator-id';
  originatorId: string;
}
export interface ClusterListAttribute extends AttributeBase {
  type: 'cluster-list';
  clusterIds: string[];
}
/** MP_REACH_NLRI (RFC 4760) for IPv4/IPv6 unicast and multicast. */
export interface MpReachAttribute extends AttributeBase {
  type: 'mp-reach';
  afi: AfiNumber;
  safi: number;
  /** One next hop (4 or 16 octets) or two (global + link-local, 32 octets). */
  nextHops: string[];
  nlri: Nlri[];
}
/** MP_UNREACH_NLRI (RFC 4760). With no prefixes it is the End-of-RIB marker of that family. */
export interface MpUnreachAttribute extends AttributeBase {
  type: 'mp-unreach';
  afi: AfiNumber;
  safi: number;
  withdrawn: Nlri[];
}

/** Two-octet-AS specific, IPv4 specific or four-octet-AS specific route target / origin. */
export interface RouteTargetCommunity {
  kind: 'route-target' | 'route-origin';
  /** Global administrator format: AS2 (type 0x00), IPv4 (0x01) or AS4 (0x02). */
  format: 'as2' | 'ipv4' | 'as4';
  /** An ASN (as2/as4) or an IPv4 address string (ipv4). */
  globalAdmin: number | string;
  localAdmin: number;
  /** False when the non-transitive bit (0x40) is set. */
  transitive: boolean;
}
/** Link bandwidth (draft-ietf-idr-link-bandwidth): bytes per second as IEEE float32. */
export interface LinkBandwidthCommunity {
  kind: 'link-bandwidth';
  asn: number;
  bandwidth: number;
  transitive: boolean;
}
/** Any other extended community, kept as its 8 octets. */
export interface RawExtendedCommunity {
  kind: 'raw';
  bytes: Uint8Array;
}
export type ExtendedCommunity = RouteTargetCommunity | LinkBandwidthCommunity | RawExtendedCommunity;

export interface ExtendedCommunitiesAttribute extends AttributeBase {
  type: 'extended-communities';
  communities: ExtendedCommunity[];
}
export interface As4PathAttribute extends AttributeBase {
  type: 'as4-path';
  segments: AsPathSegment[];
}
export interface As4AggregatorAttribute extends AttributeBase {
  type: 'as4-aggregator';
  asn: number;
  address: string;
}
export interface LargeCommunity {
  globalAdmin: number;
  localData1: number;
  localData2: number;
}
export interface LargeCommunitiesAttribute extends AttributeBase {
  type: 'large-communities';
  communities: LargeCommunity[];
}
/** Only to Customer (RFC 9234). */
export interface OtcAttribute extends AttributeBase {
  type: 'otc';
  asn: number;
}
/** Any attribute this codec does not model (or an MP attribute of another family), verbatim. */
export interface UnknownAttribute {
  type: 'unknown';
  code: number;
  flags: number;
  data: Uint8Array;
}

export type PathAttribute =
  | OriginAttribute
  | AsPathAttribute
  | NextHopAttribute
  | MedAttribute
  | LocalPrefAttribute
  | AtomicAggregateAttribute
  | AggregatorAttribute
  | CommunitiesAttribute
  | OriginatorIdAttribute
  | ClusterListAttribute
  | MpReachAttribute
  | MpUnreachAttribute
  | ExtendedCommunitiesAttribute
  | As4PathAttribute
  | As4AggregatorAttribute
  | LargeCommunitiesAttribute
  | OtcAttribute
  | UnknownAttribute;

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

export interface OpenMessage {
  type: 'open';
  /** Always 4 when valid; decoding another version fails with NOTIFICATION 2/1. */
  version: number;
  /** The 2-octet My Autonomous System field; AS_TRANS (23456) when the real ASN is larger. */
  myAsn: number;
  holdTime: number;
  /** BGP Identifier as a dotted quad. */
  bgpId: string;
  capabilities: Capability[];
  /**
   * How many capabilities each Capabilities optional parameter holds, when it is not one per
   * parameter (the default, which FRR, GoBGP and BIRD use). Lets `encode` reproduce the input.
   */
  parameterGroups?: number[];
  /** RFC 9072 extended optional parameters length was (or must be) used. Set automatically when needed. */
  extendedParameters?: true;
}

export interface UpdateMessage {
  type: 'update';
  /** The IPv4 unicast Withdrawn Routes field. */
  withdrawn: Nlri[];
  /** Path attributes, in wire order (MP_REACH_NLRI / MP_UNREACH_NLRI included). */
  attributes: PathAttribute[];
  /** The IPv4 unicast NLRI field. */
  nlri: Nlri[];
}

export interface NotificationMessage {
  type: 'notification';
  code: number;
  subcode: number;
  data: Uint8Array;
}

export interface KeepaliveMessage {
  type: 'keepalive';
}

/** ROUTE-REFRESH (RFC 2918); `subtype` 0 = request, 1 = BoRR, 2 = EoRR (RFC 7313). */
export interface RouteRefreshMessage {
  type: 'route-refresh';
  afi: number;
  safi: number;
  subtype: number;
  /** Anything after the 4 fixed octets (ORF entries, RFC 5291), kept verbatim. */
  data?: Uint8Array;
}

export type BgpMessage =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage;
export type BgpMessageType = BgpMessage['type'];
