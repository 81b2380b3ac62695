/** The FSM's timers use the project's one Clock (@bgplb/clock); re-exported for bgp-fsm's users. */
export { type Clock, FakeClock, systemClock } from '@bgplb/clock';

/**
 * RFC 4271 §10 jitter: the timer is multiplied by a random factor in [0.75, 1.0] so that peers
 * restarted together do not stay in lockstep.
 */
export function jitter(seconds: number, random: () => number = Math.random): number {
  return seconds * (0.75 + 0.25 * random());
}
