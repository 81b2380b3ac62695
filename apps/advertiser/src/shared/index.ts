/** Pieces both modes of bgpadvertiser use (control-plane speaker and node agent). */
export { formatDuration, parseDuration } from './duration.js';
export {
  type HealthServer,
  type HealthServerOptions,
  parseHostPort,
  type ReadinessReport,
  startHealthServer,
} from './health-server.js';
export {
  createLogger,
  isLogFormat,
  isLogLevel,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type LogLevel,
} from './logger.js';
export { createRegistry, registerSpeakerMetrics } from './metrics.js';
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
