/**
 * The Node.js version check both CLIs run FIRST. Their entry files import only this module
 * (which imports nothing) and load the rest dynamically, so an old Node prints this clear message
 * and exits 2 instead of failing deep inside a library (e.g. undici's `...reading 'bind'`).
 * Keep it free of imports and of syntax newer than ES2020.
 */

/** The oldest Node.js bgplb runs on (the `engines` field of every package). */
export const MIN_NODE_VERSION = '22.19.0';

function parts(version: string): number[] {
  return version
    .replace(/^v/, '')
    .split('.')
    .map((p) => Number.parseInt(p, 10) || 0);
}

/** `undefined` when `found` (default: this process's) is new enough, else the message to print. */
export function nodeVersionProblem(
  found: string = process.version,
  min: string = MIN_NODE_VERSION,
): string | undefined {
  const have = parts(found);
  const need = parts(min);
  for (let i = 0; i < 3; i++) {
    const h = have[i] ?? 0;
    const n = need[i] ?? 0;
    if (h > n) return undefined;
    if (h < n) {
      const shown = need[2] === 0 ? `${need[0]}.${need[1]}` : need.join('.');
      return `bgplb needs Node.js >= ${shown} (found ${found.startsWith('v') ? found : `v${found}`})`;
    }
  }
  return undefined;
}

/**
 * Checks the running Node.js; on a too-old one writes the message to stderr, sets exit code 2
 * and returns false (the entry file then loads nothing else).
 */
export function checkNodeVersion(): boolean {
  const problem = nodeVersionProblem();
  if (problem === undefined) return true;
  process.stderr.write(`${problem}\n`);
  process.exitCode = 2;
  return false;
}
