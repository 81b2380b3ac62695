/**
 * Leader election of both modes (cluster and admin): kube-runtime's LeaderElector on a Lease, wired
 * to the mode's "am I leading" state, and the client-go behaviour on a lost lease (the callback
 * makes the CLI exit, so the replica restarts as a standby with a clean slate).
 */
import { type KubeClient, type LeaderElectionOptions, LeaderElector } from '@bgplb/kube-runtime';
import type { Logger } from 'pino';

/** kube-runtime's Lease settings, and whether to elect at all (the callbacks are the mode's). */
export type LeaderElectionConfig = Omit<
  LeaderElectionOptions,
  'log' | 'onStartedLeading' | 'onStoppedLeading' | 'clock'
> & { enabled: boolean };

export interface Leadership {
  /** Called with true when this replica starts leading, false when it stops. */
  setLeading(leading: boolean): void;
  isLeading(): boolean;
  /** Whether the mode has started (a lease lost before that is not a lost leadership). */
  isStarted(): boolean;
  onLostLeadership?: (() => void) | undefined;
}

/** The elector, or undefined when election is off (the caller then leads at once). */
export function leaderElector(
  client: KubeClient,
  config: LeaderElectionConfig,
  log: Logger,
  leadership: Leadership,
): LeaderElector | undefined {
  if (!config.enabled) return undefined;
  return new LeaderElector(client, {
    ...config,
    log,
    onStartedLeading: () => leadership.setLeading(true),
    onStoppedLeading: () => {
      const was = leadership.isLeading();
      leadership.setLeading(false);
      if (was && leadership.isStarted()) leadership.onLostLeadership?.();
    },
  });
}
