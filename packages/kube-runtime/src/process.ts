/**
 * `@bgplb/kube-runtime/process`: the pieces every bgplb process has, Kubernetes or not: the CLI
 * helpers, the logger, the health/metrics HTTP server, durations, listening addresses and the Node
 * version check. This entry loads no Kubernetes client, so a program that needs none (the
 * control-plane bgpadvertiser, `validate`, `preflight`) starts without paying for one
 * (@kubernetes/client-node costs about 0.6 s of CPU and 35 MB at start).
 */
export {
  addOptions,
  booleanArg,
  Command,
  choiceArg,
  createCommand,
  durationArg,
  integerArg,
  type LogFlags,
  listenAddressArg,
  logOptions,
  namespacedNameArg,
  numberArg,
  Option,
  type ParseResult,
  parseCommand,
  USAGE_EXIT_CODE,
  UsageError,
  valueArg,
} from './cli.js';
export { type Closable, ConnectionGuard } from './connection-guard.js';
export { formatDuration, parseDuration } from './duration.js';
export {
  EVENT_LOOP_DELAY_METRIC,
  type EventLoopDelayMonitor,
  registerEventLoopDelay,
} from './event-loop-delay.js';
export {
  DEFAULT_HTTP_LIMITS,
  type HealthServer,
  type HealthServerOptions,
  type HttpServerLimits,
  type ReadinessReport,
  startHealthServer,
} from './http-server.js';
export { formatListenAddress, type ListenAddress, parseListenAddress } from './listen-address.js';
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
  loadPrettyFormat,
  openLogger,
} from './logger.js';
export { MetricsCache, type MetricsCacheOptions } from './metrics-cache.js';
export { checkNodeVersion, MIN_NODE_VERSION, nodeVersionProblem } from './node-version.js';
