import { describe, expect, it } from 'vitest';
import { type Condition, nextConditions } from './config-condition.js';

const T0 = '2026-12-04T23:00:00Z';
const T1 = '2026-12-04T23:05:00Z';
const other: Condition = { type: 'Ready', status: 'True', reason: 'Up', message: '', lastTransitionTime: T0 };

describe('nextConditions (BGPConfigRefused)', () => {
  it('sets True with the reasons and keeps the other conditions', () => {
    expect(nextConditions([other], { refused: true, generation: 5, message: 'bad peer' }, T1)).toEqual([
      other,
      {
        type: 'BGPConfigRefused',
        status: 'True',
        reason: 'InvalidConfiguration',
        message: 'bad peer',
        observedGeneration: 5,
        lastTransitionTime: T1,
      },
    ]);
  });

  it('writes nothing when the condition already says it', () => {
    const first = nextConditions(undefined, { refused: true, generation: 5, message: 'bad peer' }, T0)!;
    expect(nextConditions(first, { refused: true, generation: 5, message: 'bad peer' }, T1)).toBeUndefined();
    const applied = nextConditions(first, { refused: false, generation: 6 }, T1)!;
    expect(nextConditions(applied, { refused: false, generation: 6 }, T1)).toBeUndefined();
  });

  it('clears a refusal of an older generation, with a new transition time', () => {
    const refused = nextConditions(undefined, { refused: true, generation: 5, message: 'bad' }, T0);
    expect(nextConditions(refused, { refused: false, generation: 6 }, T1)).toEqual([
      {
        type: 'BGPConfigRefused',
        status: 'False',
        reason: 'ConfigurationApplied',
        message: 'the control-plane advertisers applied the Cluster',
        observedGeneration: 6,
        lastTransitionTime: T1,
      },
    ]);
  });

  it("does not clear another node's refusal of the same generation, nor touch a newer one", () => {
    const refused = nextConditions(undefined, { refused: true, generation: 5, message: 'bad' }, T0);
    expect(nextConditions(refused, { refused: false, generation: 5 }, T1)).toBeUndefined();
    expect(nextConditions(refused, { refused: false, generation: 4 }, T1)).toBeUndefined();
    expect(nextConditions(refused, { refused: true, generation: 4, message: 'older' }, T1)).toBeUndefined();
  });

  it('a new refusal keeps the transition time of the previous refusal', () => {
    const refused = nextConditions(undefined, { refused: true, generation: 5, message: 'bad' }, T0);
    const again = nextConditions(refused, { refused: true, generation: 6, message: 'worse' }, T1);
    expect(again?.[0]).toMatchObject({ message: 'worse', observedGeneration: 6, lastTransitionTime: T0 });
  });

  it('ignores entries that are not conditions', () => {
    expect(nextConditions([42, null, other], { refused: false, generation: 1 }, T0)?.length).toBe(2);
    expect(nextConditions('x', { refused: false, generation: undefined }, T0)).toEqual([
      expect.objectContaining({ status: 'False', lastTransitionTime: T0 }),
    ]);
  });
});
