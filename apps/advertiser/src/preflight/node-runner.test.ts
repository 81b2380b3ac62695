import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execNodeRunner } from './node-runner.js';

// A template that runs the words locally, with the node's name in the environment: what
// `ip netns exec {name}` or ssh do, without a namespace or a remote host.
const runner = execNodeRunner('env PREFLIGHT_NODE={name}');
const node = { ip: '10.0.1.10', name: 'cp1' };
const dir = mkdtempSync(join(tmpdir(), 'node-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('execNodeRunner.run', () => {
  it('pipes a file to stdin (the copy), reports exit codes with the last stderr lines, kills on timeout', async () => {
    const src = join(dir, 'src');
    writeFileSync(src, 'binary bytes');
    const dst = join(dir, 'dst');
    expect(
      await runner.run(node, ['dd', `of=${dst}`, 'status=none'], { stdinFile: src, timeoutMs: 10_000 }),
    ).toEqual({
      ok: true,
      detail: 'exit 0',
    });
    expect(readFileSync(dst, 'utf8')).toBe('binary bytes');
    const missing = await runner.run(node, ['ls', join(dir, 'nothing')], { timeoutMs: 10_000 });
    expect(missing.ok).toBe(false);
    expect(missing.detail).toMatch(/^exit 2: ls: cannot access .*nothing.*No such file or directory$/);
    const slow = await runner.run(node, ['sleep', '10'], { timeoutMs: 200 });
    expect(slow).toEqual({ ok: false, detail: 'killed after 200ms (timeout)' });
    const abort = new AbortController();
    const stopped = runner.run(node, ['sleep', '10'], { timeoutMs: 10_000, signal: abort.signal });
    abort.abort();
    expect(await stopped).toEqual({ ok: false, detail: 'interrupted' });
    const unreadable = await runner.run(node, ['cat'], {
      stdinFile: join(dir, 'nothing'),
      timeoutMs: 10_000,
    });
    expect(unreadable.ok).toBe(false);
    expect(unreadable.detail).toContain('cannot read');
  });
});

describe('execNodeRunner.agent', () => {
  it('delivers JSON lines in order, flags other output, knows when it exits', async () => {
    // A stand-in agent: echoes each request back as a message, says hello with the node's name.
    const script = join(dir, 'agent.sh');
    writeFileSync(
      script,
      'echo "{\\"ev\\":\\"ready\\",\\"version\\":\\"$PREFLIGHT_NODE\\"}"; echo banner; while read l; do echo "$l"; done; echo oops >&2; exit 3\n',
    );
    const agent = runner.agent(node, ['sh', script]);
    const seen: string[] = [];
    agent.onMessage((m) => seen.push(m.ev));
    agent.send({ op: 'stop' });
    agent.end();
    const exit = await agent.exited;
    expect(exit).toEqual({ code: 3, signal: null, stderr: 'oops' });
    expect(agent.messages).toEqual([
      { ev: 'ready', version: 'cp1' },
      { ev: 'error', message: 'unexpected output: banner' },
      { op: 'stop' },
    ]);
    expect(seen).toHaveLength(3);
  });

  it('kill ends the whole process group', async () => {
    const agent = runner.agent(node, ['sleep', '30']);
    agent.kill();
    expect((await agent.exited).signal).toBe('SIGTERM');
    agent.send({ op: 'stop' });
  });
});
