/** Re-exported from bgp-wire (the one community grammar), for the speaker's users. */
export { parseCommunity, parseLargeCommunity } from '@bgplb/bgp-wire';
export { AdjRibIn, type ReceivedPath } from './adj-rib-in.js';
export { AdjRibOut, type RibChange, type SentPath } from './adj-rib-out.js';
export type { BfdDrivenSession, BfdTransitionCounts, PeerBfdOptions, PeerBfdStatus } from './bfd-peers.js';
export { type Clock, FakeClock, jitter, systemClock } from './clock.js';
export type {
  ErrorSource,
  NegotiatedSummary,
  PeerCounters,
  PeerErrorClass,
  PeerStatus,
  SpeakerEvent,
  SpeakerEventType,
} from './events.js';
export {
  DEFAULT_FSM_TIMERS,
  type FsmAction,
  type FsmContext,
  type FsmEvent,
  type FsmEventType,
  type FsmNotification,
  type FsmResult,
  type FsmTimer,
  type FsmTimerSettings,
  initialFsmContext,
  transition,
} from './fsm.js';
export { MemoryNetwork, settle } from './memory-transport.js';
export {
  ALL_FAMILIES,
  buildLocalOpen,
  type Family,
  type LocalOpenSettings,
  type NegotiatedSession,
  negotiate,
  type OpenExpectations,
  type OpenRejection,
} from './negotiate.js';
export {
  attributeKey,
  fnv1a,
  hashPathSelector,
  type PathSelector,
  type PathSpec,
  summarizePath,
} from './paths.js';
export { type PackedGroup, type PackResult, packChanges } from './rib-updates.js';
export { notificationText, type PeerConfig, PeerSession } from './session.js';
export {
  BgpSpeaker,
  type CeaseReason,
  defaultRouterId,
  type ListenHandle,
  type PeerOptions,
  peerConfig,
  type SpeakerOptions,
} from './speaker.js';
export { FSM_STATES, type FsmState, formatStateChange, stateLogName } from './state.js';
export type {
  Connection,
  ConnectionHandlers,
  ConnectRequest,
  Listener,
  PendingConnect,
  Transport,
} from './transport.js';
export { netTransport } from './transport.js';
