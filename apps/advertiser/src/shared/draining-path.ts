/**
 * The path of a draining next hop (RFC 8326), shared by the node agent's routes and the control-plane
 * VIP's `--on-exit drain`. Apart from the agent's route planner so that the control-plane speaker
 * does not load the BGPAdvertisedRoute schema with it (docs/benchmarks.md, "advertiser control-plane mode").
 */
import type { PathSpec } from './index.js';

/** RFC 8326 well-known community, 65535:0. */
export const GRACEFUL_SHUTDOWN = 'GRACEFUL_SHUTDOWN';
const MAX_MED = 0xffffffff;

/** The path of a draining next hop: less preferred by every router, with or without a GSHUT policy. */
export function drainingPath(
  nextHop: string,
  metric: number,
  drain: { medIncrease: number; asPathPrepend: number },
): PathSpec {
  const path: PathSpec = {
    nextHop,
    med: Math.min(MAX_MED, metric + drain.medIncrease),
    communities: [GRACEFUL_SHUTDOWN],
  };
  if (drain.asPathPrepend > 0) path.asPathPrepend = drain.asPathPrepend;
  return path;
}
