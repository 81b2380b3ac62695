export {
  type AdvertiserFileConfig,
  type ConfigChange,
  ControlPlaneAdvertiser,
  peerConfigs,
} from './advertiser.js';
export { type ParsedCommand, parseCommandLine, UsageError } from './args.js';
export { type CheckResult, HealthGate } from './health-gate.js';
export { httpCheck } from './http-check.js';
export * from './shared/index.js';
export { USAGE } from './usage.js';
export { VipInterface } from './vip-interface.js';
