import { describe, expect, it } from 'vitest';
import { MIN_NODE_VERSION, nodeVersionProblem } from './node-version.js';

describe('nodeVersionProblem', () => {
  it('accepts the minimum and newer', () => {
    for (const v of ['v22.19.0', 'v22.19.1', 'v22.20.0', 'v23.0.0', 'v24.22.3', '25.1.0']) {
      expect(nodeVersionProblem(v)).toBeUndefined();
    }
  });

  it('refuses older versions with the message the CLIs print', () => {
    expect(nodeVersionProblem('v20.20.2')).toBe('bgplb needs Node.js >= 22.19 (found v20.20.2)');
    expect(nodeVersionProblem('v22.18.9')).toBe('bgplb needs Node.js >= 22.19 (found v22.18.9)');
    expect(nodeVersionProblem('18.0.0')).toBe('bgplb needs Node.js >= 22.19 (found v18.0.0)');
    expect(nodeVersionProblem('v22.19.0', '22.19.3')).toBe('bgplb needs Node.js >= 22.19.3 (found v22.19.0)');
  });

  it('accepts this process (the test runner runs a supported Node)', () => {
    expect(nodeVersionProblem()).toBeUndefined();
    expect(MIN_NODE_VERSION).toBe('22.19.0');
  });
});

describe('checkNodeVersion', () => {
  it('writes the message and sets exit code 2 on an old Node', async () => {
    const { checkNodeVersion } = await import('./node-version.js');
    const saved = Object.getOwnPropertyDescriptor(process, 'version') as PropertyDescriptor;
    const savedExit = process.exitCode;
    const written: string[] = [];
    const write = process.stderr.write;
    try {
      expect(checkNodeVersion()).toBe(true);
      Object.defineProperty(process, 'version', { value: 'v20.20.2', configurable: true });
      process.stderr.write = ((t: string) => written.push(t) > 0) as typeof process.stderr.write;
      expect(checkNodeVersion()).toBe(false);
      expect(process.exitCode).toBe(2);
    } finally {
      process.stderr.write = write;
      Object.defineProperty(process, 'version', saved);
      process.exitCode = savedExit;
    }
    expect(written).toEqual(['bgplb needs Node.js >= 22.19 (found v20.20.2)\n']);
  });
});
