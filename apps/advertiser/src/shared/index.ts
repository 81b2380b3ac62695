/** Pieces both modes of bgpadvertiser use (control-plane speaker and node agent). */
// The logger, durations and the health server come from @bgplb/kube-runtime (one copy for both
// programs); the logger's type is re-exported for the many modules that only take a Logger.
export type { Logger } from '@bgplb/kube-runtime/process';
export { BFD_DETECTION_BUCKETS, registerBfdMetrics } from './bfd-metrics.js';
export { type PeerBfdOptions, peerBfdOptions } from './bfd-options.js';
export { createRegistry, registerSpeakerMetrics } from './metrics.js';
export { type PeerFamilySettings, peerFamilySettings } from './peer-families.js';
export { PeerLogLimiter } from './peer-log-limiter.js';
export {
  createSpeakerEventLogger,
  logSpeakerEvent,
  type SpeakerEventLogger,
  stateChangeMessage,
  stateLogName,
  UPDATE_LOG_PREFIXES,
} from './speaker-log.js';
export type * from './speaker-types.js';
