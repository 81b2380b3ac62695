import type { BfdManager } from '@bgplb/bfd';
import { BgpSpeaker, type SpeakerOptions } from '@bgplb/bgp-fsm';
import type { Speaker } from './shared/speaker-types.js';

export interface SpeakerFactoryOptions {
  /** The BFD manager to share (the agent's next-hop liveness uses the same sockets). */
  bfd?: BfdManager | undefined;
  /** Which update events the speaker builds (see speakerEventOptions). */
  updateEvents?: SpeakerOptions['updateEvents'];
}

/** Creates the speaker; tests inject a fake or scripted one. */
export type SpeakerFactory<S extends Speaker = Speaker> = (options?: SpeakerFactoryOptions) => Promise<S>;

/** The real @bgplb/bgp-fsm speaker (TCP sessions, RFC 4271 FSM, Adj-RIB-Out), for both modes. */
export const createBgpSpeaker = async (options: SpeakerFactoryOptions = {}): Promise<BgpSpeaker> =>
  new BgpSpeaker({
    ...(options.bfd !== undefined ? { bfd: options.bfd } : {}),
    ...(options.updateEvents !== undefined ? { updateEvents: options.updateEvents } : {}),
  });
