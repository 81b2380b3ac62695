import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { childExit } from './child-exit.js';

function sh(script: string) {
  const child = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return { child, output: () => out };
}

describe('childExit', () => {
  it('resolves only once the output is read to the end, not at the first exit', async () => {
    // sh exits at once; the background subshell (same pipe) prints 300 ms later. 'exit' fires
    // before "late" arrives; a test reading the output at 'exit' would miss it.
    const { child, output } = sh('(sleep 0.3; echo late) & echo early');
    let atExit = '';
    child.once('exit', () => {
      atExit = output();
    });
    expect(await childExit(child)).toEqual({ code: 0, signal: null });
    expect(atExit).not.toContain('late');
    expect(output()).toBe('early\nlate\n');
  });

  it('reports the exit after the grace period when a grandchild keeps the pipes open', async () => {
    const { child, output } = sh('sleep 30 & echo $!');
    const t0 = Date.now();
    try {
      expect(await childExit(child, 200)).toEqual({ code: 0, signal: null });
      // 200 ms of grace, far from the grandchild's 30 s (a loaded machine's margin).
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      const pid = Number(output().trim());
      if (pid > 0) process.kill(pid, 'SIGKILL');
    }
  });

  it('gives the signal of a killed child', async () => {
    const { child } = sh('sleep 30');
    const exit = childExit(child);
    child.kill('SIGKILL');
    expect(await exit).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
