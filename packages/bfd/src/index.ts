export {
  type BfdDecodeError,
  type BfdDecodeErrorCode,
  type BfdDecodeResult,
  decode,
  encode,
  encodingLength,
} from './codec.js';
export {
  BFD_RECOMMENDED_PROFILE,
  BfdConfigError,
  type BfdPeerOptions,
  normalizeAddress,
  type ResolvedBfdPeer,
  resolvePeerOptions,
} from './config.js';
export {
  type BfdAction,
  type BfdContext,
  type BfdDeps,
  type BfdEvent,
  type BfdResult,
  type BfdTimerConfig,
  controlPacket,
  detectionTimeUs,
  initialBfdContext,
  jitteredIntervalMs,
  mayTransmit,
  SLOW_TX_US,
  transition,
  transmitIntervalUs,
  validateTimerConfig,
} from './fsm.js';
export { GTSM_TABLE, type GtsmOptions, gtsmRuleset, installGtsmRules, removeGtsmRules } from './gtsm.js';
export {
  BFD_MULTIHOP_PORT,
  BFD_SINGLE_HOP_PORT,
  type BfdDiscard,
  BfdManager,
  type BfdManagerEvents,
  type BfdManagerOptions,
  BfdPeer,
} from './manager.js';
export {
  BFD_CONTROL_LENGTH,
  BFD_DIAGNOSTICS,
  BFD_STATES,
  BFD_VERSION,
  type BfdControlPacket,
  type BfdDiagnostic,
  type BfdState,
} from './packet.js';
export { type BfdSelectErrorCode, type BfdSelectResult, selectSession } from './receive.js';
export { BfdSession, type BfdSessionCounters, type BfdStateChange } from './session.js';
