/**
 * @bgplb/kube-runtime: the Kubernetes plumbing shared by bgplb-controller and bgpadvertiser.
 * One place for each concern: API client and kubeconfig loading, informers and caches, Events,
 * leader election, the work queue, the clock, the health/metrics HTTP server, the logger and CLI
 * helpers. It knows nothing of BGP.
 */
export const KUBE_RUNTIME_PACKAGE = '@bgplb/kube-runtime';

export { byLabel, type IndexFunc, ObjectCache } from './cache.js';
export { KubeClient, type KubeClientOptions, type ListOptions, MERGE_PATCH, paths } from './client.js';
export { type Clock, FakeClock, systemClock } from './clock.js';
export { ApiError, describeError, isStatus } from './errors.js';
export {
  EventRecorder,
  type EventRecorderOptions,
  type EventSpec,
  type InvolvedObject,
} from './events.js';
export { type ChangeListener, type ChangeType, Informer, type InformerOptions } from './informer.js';
export {
  KubeConfigError,
  type KubeConfigInputs,
  type KubeConfigSource,
  type LoadedKubeConfig,
  loadKubeConfig,
} from './kubeconfig.js';
export { type LeaderElectionOptions, LeaderElector } from './leader-election.js';
export {
  type Lease,
  LeaseClient,
  type LeaseSpec,
  type LeaseWrite,
  leasePath,
  newLease,
} from './lease.js';
// The process-level pieces (CLI, logger, health/metrics server), also at '@bgplb/kube-runtime/process'.
export * from './process.js';
export { DEFAULT_SLICE_SIZE, forEachInSlices } from './slices.js';
export { kubeTime, microTime } from './time.js';
export { type KubeList, type KubeObject, type ObjectMeta, type OwnerReference, objectKey } from './types.js';
export { type Handler, WorkQueue, type WorkQueueOptions } from './work-queue.js';
