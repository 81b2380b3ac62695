import { BgpSpeaker } from '@bgplb/bgp-fsm';
import type { Speaker } from './shared/speaker-types.js';

/** Creates the speaker; tests inject a scripted one. */
export type SpeakerFactory = () => Promise<Speaker>;

/** The real @bgplb/bgp-fsm speaker (TCP sessions, RFC 4271 FSM, Adj-RIB-Out). */
export const createBgpSpeaker: SpeakerFactory = async () => new BgpSpeaker();
