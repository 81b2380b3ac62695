import type { Speaker } from './shared/speaker-types.js';

/** Creates the real @bgplb/bgp-fsm speaker. */
export type SpeakerFactory = () => Promise<Speaker>;

export const createBgpSpeaker: SpeakerFactory = async () => {
  // Loaded lazily so that `validate` and `--help` start fast and never open a socket.
  const fsm = (await import('@bgplb/bgp-fsm')) as unknown as { BgpSpeaker?: new () => Speaker };
  if (typeof fsm.BgpSpeaker !== 'function') {
    throw new Error('this build of @bgplb/bgp-fsm has no BgpSpeaker; rebuild with `pnpm build`');
  }
  return new fsm.BgpSpeaker();
};
