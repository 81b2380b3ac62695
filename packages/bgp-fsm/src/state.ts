/** The six states of RFC 4271 §8.2.2. */
export type FsmState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export const FSM_STATES: readonly FsmState[] = [
  'Idle',
  'Connect',
  'Active',
  'OpenSent',
  'OpenConfirm',
  'Established',
];

/** The log name of a state, as GoBGP and the original product print it: `BGP_FSM_OPENSENT`. */
export function stateLogName(state: FsmState): string {
  return `BGP_FSM_${state.toUpperCase()}`;
}

/**
 * The one-line log form of a state change:
 * `state changed old=BGP_FSM_ACTIVE new=BGP_FSM_OPENSENT reason=new-connection`.
 */
export function formatStateChange(change: { from: FsmState; to: FsmState; reason: string }): string {
  return `state changed old=${stateLogName(change.from)} new=${stateLogName(change.to)} reason=${change.reason}`;
}
