export {
  type ConfigChange,
  ControlPlaneAdvertiser,
  peerConfigs,
} from './advertiser.js';
export { AgentMetrics } from './agent/metrics.js';
export {
  type ParsedCommand,
  type PreflightOptions,
  parseCommandLine,
  type RunOptions,
  UsageError,
} from './args.js';
export { registerControlPlaneMetrics } from './control-plane-metrics.js';
export { type CheckResult, HealthGate } from './health-gate.js';
export { httpCheck } from './http-check.js';
export { main } from './main.js';
export { type PreflightRow, runPreflight } from './preflight.js';
export { runAdvertiser } from './run.js';
export * from './shared/index.js';
export { loadSpeakerSettings, type SpeakerSettings, type SpeakerSource } from './speaker-config.js';
export { runValidate } from './validate.js';
export { VipInterface } from './vip-interface.js';
