/** BGP protocol numbers: message types, NOTIFICATION codes, capability and attribute codes. */

/** BGP message type codes (RFC 4271 §4.1, RFC 2918). */
export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;

/** The fixed header: 16-octet marker, 2-octet length, 1-octet type. */
export const HEADER_LENGTH = 19;
/** Maximum message size without RFC 8654 Extended Message. */
export const MAX_MESSAGE_LENGTH = 4096;
/** Maximum message size with RFC 8654 Extended Message (UPDATE, NOTIFICATION, ROUTE-REFRESH only). */
export const MAX_EXTENDED_MESSAGE_LENGTH = 65535;

/** Minimum total length of each message type (RFC 4271 §4, RFC 2918 §3). */
export const MIN_MESSAGE_LENGTH: Readonly<Record<number, number>> = {
  1: 29,
  2: 23,
  3: 21,
  4: 19,
  5: 23,
};

/** AS_TRANS (RFC 6793): put in 2-octet AS fields when the real ASN does not fit. */
export const AS_TRANS = 23456;

/** Address family identifiers used by this codec. */
export const Afi = { IPV4: 1, IPV6: 2 } as const;
/** Subsequent address family identifiers used by this codec. */
export const Safi = { UNICAST: 1, MULTICAST: 2 } as const;

/** NOTIFICATION error codes (RFC 4271 §4.5, RFC 7313). */
export const NotificationCode = {
  MESSAGE_HEADER_ERROR: 1,
  OPEN_MESSAGE_ERROR: 2,
  UPDATE_MESSAGE_ERROR: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM_ERROR: 5,
  CEASE: 6,
  ROUTE_REFRESH_MESSAGE_ERROR: 7,
} as const;

/** Message Header Error subcodes (RFC 4271 §6.1). */
export const MessageHeaderSubcode = {
  UNSPECIFIC: 0,
  CONNECTION_NOT_SYNCHRONIZED: 1,
  BAD_MESSAGE_LENGTH: 2,
  BAD_MESSAGE_TYPE: 3,
} as const;

/** OPEN Message Error subcodes (RFC 4271 §6.2, RFC 5492, RFC 9234). */
export const OpenSubcode = {
  UNSPECIFIC: 0,
  UNSUPPORTED_VERSION_NUMBER: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  /** Deprecated (RFC 4271). */
  AUTHENTICATION_FAILURE: 5,
  UNACCEPTABLE_HOLD_TIME: 6,
  UNSUPPORTED_CAPABILITY: 7,
  ROLE_MISMATCH: 11,
} as const;

/** UPDATE Message Error subcodes (RFC 4271 §6.3). */
export const UpdateSubcode = {
  UNSPECIFIC: 0,
  MALFORMED_ATTRIBUTE_LIST: 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: 2,
  MISSING_WELL_KNOWN_ATTRIBUTE: 3,
  ATTRIBUTE_FLAGS_ERROR: 4,
  ATTRIBUTE_LENGTH_ERROR: 5,
  INVALID_ORIGIN_ATTRIBUTE: 6,
  /** Deprecated (RFC 4271). */
  AS_ROUTING_LOOP: 7,
  INVALID_NEXT_HOP_ATTRIBUTE: 8,
  OPTIONAL_ATTRIBUTE_ERROR: 9,
  INVALID_NETWORK_FIELD: 10,
  MALFORMED_AS_PATH: 11,
} as const;

/** Finite State Machine Error subcodes (RFC 6608). */
export const FsmSubcode = {
  UNSPECIFIC: 0,
  UNEXPECTED_MESSAGE_IN_OPEN_SENT: 1,
  UNEXPECTED_MESSAGE_IN_OPEN_CONFIRM: 2,
  UNEXPECTED_MESSAGE_IN_ESTABLISHED: 3,
} as const;

/** Cease subcodes (RFC 4486, RFC 8538, RFC 9384). */
export const CeaseSubcode = {
  UNSPECIFIC: 0,
  MAXIMUM_NUMBER_OF_PREFIXES_REACHED: 1,
  ADMINISTRATIVE_SHUTDOWN: 2,
  PEER_DECONFIGURED: 3,
  ADMINISTRATIVE_RESET: 4,
  CONNECTION_REJECTED: 5,
  OTHER_CONFIGURATION_CHANGE: 6,
  CONNECTION_COLLISION_RESOLUTION: 7,
  OUT_OF_RESOURCES: 8,
  HARD_RESET: 9,
  BFD_DOWN: 10,
} as const;

/** ROUTE-REFRESH Message Error subcodes (RFC 7313). */
export const RouteRefreshSubcode = {
  INVALID_MESSAGE_LENGTH: 1,
} as const;

/** ROUTE-REFRESH message subtypes (RFC 7313). */
export const RouteRefreshSubtype = {
  REQUEST: 0,
  BEGIN_OF_ROUTE_REFRESH: 1,
  END_OF_ROUTE_REFRESH: 2,
} as const;

/** Capability codes (RFC 5492 and the IANA registry). */
export const CapabilityCode = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_NEXT_HOP: 5,
  EXTENDED_MESSAGE: 6,
  ROLE: 9,
  GRACEFUL_RESTART: 64,
  FOUR_OCTET_AS: 65,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
  LONG_LIVED_GRACEFUL_RESTART: 71,
  FQDN: 73,
  SOFTWARE_VERSION: 75,
  PATHS_LIMIT: 76,
  ROUTE_REFRESH_PRE_STANDARD: 128,
} as const;

/** Path attribute type codes. */
export const AttributeCode = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8,
  ORIGINATOR_ID: 9,
  CLUSTER_LIST: 10,
  MP_REACH_NLRI: 14,
  MP_UNREACH_NLRI: 15,
  EXTENDED_COMMUNITIES: 16,
  AS4_PATH: 17,
  AS4_AGGREGATOR: 18,
  LARGE_COMMUNITY: 32,
  OTC: 35,
} as const;

/** Path attribute flag bits (RFC 4271 §4.3). */
export const AttributeFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

/** Well-known communities (RFC 1997, RFC 8326, RFC 7999). */
export const WellKnownCommunity = {
  GRACEFUL_SHUTDOWN: 0xffff0000,
  BLACKHOLE: 0xffff029a,
  NO_EXPORT: 0xffffff01,
  NO_ADVERTISE: 0xffffff02,
  NO_EXPORT_SUBCONFED: 0xffffff03,
} as const;

/** Graceful Restart capability flag bits (RFC 4724, RFC 8538), in the 4-bit flags field. */
export const GracefulRestartFlag = { RESTART: 0x8, NOTIFICATION: 0x4 } as const;
/** Graceful Restart per-AFI/SAFI flag: forwarding state preserved. */
export const GR_FORWARDING_STATE = 0x80;

/** BGP Role values (RFC 9234). */
export const BgpRole = {
  PROVIDER: 0,
  ROUTE_SERVER: 1,
  ROUTE_SERVER_CLIENT: 2,
  CUSTOMER: 3,
  PEER: 4,
} as const;
