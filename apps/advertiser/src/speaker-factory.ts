import { BgpSpeaker } from '@bgplb/bgp-fsm';
import type { Speaker } from './shared/speaker-types.js';

/** Creates the speaker; tests inject a fake or scripted one. */
export type SpeakerFactory<S extends Speaker = Speaker> = () => Promise<S>;

/** The real @bgplb/bgp-fsm speaker (TCP sessions, RFC 4271 FSM, Adj-RIB-Out), for both modes. */
export const createBgpSpeaker = async (): Promise<BgpSpeaker> => new BgpSpeaker();
