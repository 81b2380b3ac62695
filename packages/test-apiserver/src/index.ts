export { ADMIN, serviceAccountUser, type UserInfo } from './auth.js';
export { loadCrdFiles } from './crd-files.js';
export { humanDuration } from './duration.js';
export { type FieldSelector, matchesFields, parseFieldSelector } from './fields.js';
export { evalJsonPath } from './jsonpath.js';
export { kubeconfigYaml } from './kubeconfig.js';
export { type LabelSelector, matchesLabels, parseLabelSelector } from './labels.js';
export { checkNodes, type NodeLifecycleOptions } from './node-lifecycle.js';
export { type ListFilter, ObjectStore } from './objects.js';
export { mergePatch, strategicMergePatch } from './patch.js';
export {
  type FaultHook,
  type RequestInfo,
  startTestApiServer,
  type TestApiServer,
  type TestApiServerOptions,
  type Verb,
} from './server.js';
export { type SpawnTestApiServerOptions, spawnScript, spawnTestApiServer } from './spawn.js';
export { ApiError, type StatusBody } from './status.js';
export type { CustomResourceDefinition, KubeObject, ObjectMeta, PrinterColumn } from './types.js';
