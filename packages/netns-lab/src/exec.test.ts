import { describe, expect, it } from 'vitest';
import { CommandError, run, waitFor } from './exec.js';

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let n = 0;
    await expect(waitFor('n to reach 3', () => (++n >= 3 ? n : undefined), 1_000, 1)).resolves.toBe(3);
  });

  it('names what it waited for, the last error and the diagnosis on timeout', async () => {
    await expect(
      waitFor(
        'the impossible',
        () => {
          throw new Error('still broken');
        },
        30,
        5,
        async () => 'router summary here',
      ),
    ).rejects.toThrow(/waiting for the impossible \(last error: still broken\)\nrouter summary here/);
  });
});

describe('run', () => {
  it('fails with the command line and its stderr', async () => {
    const err = await run('sh', ['-c', 'echo oops >&2; exit 3']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).message).toBe('sh -c echo oops >&2; exit 3 failed (3): oops');
  });
});
