export { type Clock, FakeClock, jitter, systemClock } from './clock.js';
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
export { FSM_STATES, type FsmState, formatStateChange, stateLogName } from './state.js';
