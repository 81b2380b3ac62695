/**
 * The `BGPConfigRefused` condition in the Cluster's status: True while the control-plane
 * advertisers refuse the Cluster's current generation (with the reasons), False once one of them
 * applied it. Every control-plane node writes it, so the rule is built to converge rather than
 * to flap: a node clears only a refusal of an OLDER generation (another node refusing this same
 * generation wins), and nobody overwrites a condition about a newer generation. Pure.
 */

export const CONFIG_REFUSED_CONDITION = 'BGPConfigRefused';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** What this node did with a generation of the Cluster. */
export type ConfigVerdict =
  | { refused: true; generation: number | undefined; message: string }
  | { refused: false; generation: number | undefined };

function isCondition(c: unknown): c is Condition {
  return typeof c === 'object' && c !== null && typeof (c as Condition).type === 'string';
}

/**
 * The status.conditions to write after `verdict`, or undefined when the current ones already say
 * it (or say something newer). Other conditions are kept as they are.
 */
export function nextConditions(
  current: unknown,
  verdict: ConfigVerdict,
  now: string,
): Condition[] | undefined {
  const list = Array.isArray(current) ? current.filter(isCondition) : [];
  const existing = list.find((c) => c.type === CONFIG_REFUSED_CONDITION);
  const gen = verdict.generation;
  const existingGen = existing?.observedGeneration;
  if (existing !== undefined && gen !== undefined && existingGen !== undefined && existingGen > gen)
    return undefined;
  let wanted: Omit<Condition, 'lastTransitionTime'>;
  if (verdict.refused) {
    wanted = {
      type: CONFIG_REFUSED_CONDITION,
      status: 'True',
      reason: 'InvalidConfiguration',
      message: verdict.message,
    };
  } else {
    // Another node refused this very generation: its refusal stands.
    if (existing?.status === 'True' && gen !== undefined && existingGen === gen) return undefined;
    wanted = {
      type: CONFIG_REFUSED_CONDITION,
      status: 'False',
      reason: 'ConfigurationApplied',
      message: 'the control-plane advertisers applied the Cluster',
    };
  }
  if (gen !== undefined) wanted.observedGeneration = gen;
  if (
    existing !== undefined &&
    existing.status === wanted.status &&
    existing.reason === wanted.reason &&
    existing.message === wanted.message &&
    existingGen === wanted.observedGeneration
  )
    return undefined;
  const lastTransitionTime =
    existing !== undefined && existing.status === wanted.status ? existing.lastTransitionTime : now;
  const condition: Condition = { ...wanted, lastTransitionTime };
  return existing === undefined
    ? [...list, condition]
    : list.map((c) => (c.type === CONFIG_REFUSED_CONDITION ? condition : c));
}
