import { encodeKeepalive } from '@bgplb/bgp-wire';

export type FsmState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** The log name of a state, as GoBGP and the original product print it: BGP_FSM_OPENSENT. */
export function stateLogName(state: FsmState): string {
  return `BGP_FSM_${state.toUpperCase()}`;
}

export function keepaliveMessage(): Uint8Array {
  return encodeKeepalive();
}
