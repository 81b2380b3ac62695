/**
 * @bgplb/bgp-wire: a complete, dependency-free BGP-4 message codec.
 *
 * Entry points: {@link MessageFramer} (TCP stream -> messages), {@link decodeMessage} /
 * {@link encodeMessage} / {@link encodingLength} (also as `decode` / `encode`),
 * {@link encodeUpdates} (routes -> packed UPDATEs), {@link decodeUpdateBulk} (full tables without
 * per-prefix objects), and {@link negotiateSessionOptions} (two OPENs -> the session's options).
 */
export * from './address.js';
export { attributeCode, encodeAttribute } from './attributes-encode.js';
export { encodeCapability, softwareVersion } from './capabilities.js';
export * from './constants.js';
export {
  encodeRouteGroups,
  encodeUpdates,
  type GroupedBatch,
  type PrefixGroup,
  type RouteGroup,
  type UpdateBatch,
} from './encode-updates.js';
export * from './errors.js';
export * from './format.js';
export * from './framer.js';
export { checkHeader, type MessageHeader } from './header.js';
export * from './message.js';
export {
  decodeMessage as decode,
  encodeMessage as encode,
} from './message.js';
export { createPrefixView, formatPrefixView, type PrefixView } from './nlri.js';
export {
  decodeShutdownCommunication,
  encodeShutdownCommunication,
  MAX_SHUTDOWN_COMMUNICATION_LENGTH,
  type ShutdownCommunicationResult,
  shutdownNotification,
} from './notification.js';
export { buildOpen } from './open.js';
export * from './session.js';
export type * from './types.js';
export { type BulkDecodeResult, decodeUpdateBulk } from './update-bulk.js';
export * from './update-helpers.js';
