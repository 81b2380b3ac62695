/**
 * @bgplb/kube-runtime: the Kubernetes plumbing shared by bgplb-controller and bgpadvertiser.
 * One place for each concern: API client and kubeconfig loading, informers and caches, Events,
 * leader election, the work queue, the clock, the health/metrics HTTP server, the logger and CLI
 * helpers. It knows nothing of BGP.
 */
export const KUBE_RUNTIME_PACKAGE = '@bgplb/kube-runtime';

export { byLabel, type IndexFunc, ObjectCache } from './cache.js';
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
  numberArg,
  Option,
  type ParseResult,
  parseCommand,
  USAGE_EXIT_CODE,
  UsageError,
  valueArg,
} from './cli.js';
export { KubeClient, type KubeClientOptions, type ListOptions, MERGE_PATCH, paths } from './client.js';
export { type Clock, ManualClock, systemClock } from './clock.js';
export { type Closable, ConnectionGuard } from './connection-guard.js';
export { formatDuration, parseDuration } from './duration.js';
export { ApiError, describeError, isStatus } from './errors.js';
export {
  EVENT_LOOP_DELAY_METRIC,
  type EventLoopDelayMonitor,
  registerEventLoopDelay,
} from './event-loop-delay.js';
export {
  EventRecorder,
  type EventRecorderOptions,
  type EventSpec,
  type InvolvedObject,
} from './events.js';
export {
  DEFAULT_HTTP_LIMITS,
  type HealthServer,
  type HealthServerOptions,
  type HttpServerLimits,
  type ReadinessReport,
  startHealthServer,
} from './http-server.js';
export { type ChangeListener, type ChangeType, Informer, type InformerOptions } from './informer.js';
export {
  KubeConfigError,
  type KubeConfigInputs,
  type KubeConfigSource,
  type LoadedKubeConfig,
  loadKubeConfig,
} from './kubeconfig.js';
export { type LeaderElectionOptions, LeaderElector } from './leader-election.js';
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
} from './logger.js';
export { MetricsCache, type MetricsCacheOptions } from './metrics-cache.js';
export { checkNodeVersion, MIN_NODE_VERSION, nodeVersionProblem } from './node-version.js';
export { DEFAULT_SLICE_SIZE, forEachInSlices } from './slices.js';
export { kubeTime, microTime } from './time.js';
export { type KubeList, type KubeObject, type ObjectMeta, objectKey } from './types.js';
export { type Handler, WorkQueue, type WorkQueueOptions } from './work-queue.js';
