/** Kubernetes code takes its clock from @bgplb/clock (shared with bgp-fsm; no BGP in it). */
export { type Clock, FakeClock, systemClock } from '@bgplb/clock';
