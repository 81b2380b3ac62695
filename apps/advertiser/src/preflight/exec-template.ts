/**
 * How a command reaches a node: the --exec template (`ssh -i KEY root@{ip}`, `ip netns exec
 * {name}`) is a command prefix in sh syntax; the command's words follow it as "$@". With ssh those
 * words are joined by spaces and parsed again by the node's shell, so every word must be one that
 * no shell changes: preflight only sends such words (paths, subcommands) and passes data on stdin.
 */
import type { PreflightNode } from './plan.js';

/** A word that sh leaves as it is (no quoting, globbing, expansion or splitting). */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes a value for sh: single quotes, unless it is plain. */
export function shellQuote(word: string): string {
  return PLAIN_WORD.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** Splits --remote-command into words; throws when one would be changed by a remote shell. */
export function plainWords(command: string, what: string): string[] {
  const words = command
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) throw new Error(`${what} is empty`);
  const bad = words.find((w) => !PLAIN_WORD.test(w));
  if (bad !== undefined) {
    throw new Error(
      `${what}: "${bad}" has characters a remote shell would interpret (use letters, digits and ${'_@%+=:,./-'})`,
    );
  }
  return words;
}

/**
 * The argv (for spawn, no shell of ours in between) that runs `words` on `node`:
 * `sh -c '<template with {ip} {name} filled in> "$@"' sh word...`.
 */
export function execArgv(template: string, node: PreflightNode, words: readonly string[]): string[] {
  const bad = words.find((w) => !PLAIN_WORD.test(w));
  if (bad !== undefined) throw new Error(`internal: remote word "${bad}" is not plain`);
  const prefix = template.replaceAll('{ip}', shellQuote(node.ip)).replaceAll('{name}', shellQuote(node.name));
  return ['sh', '-c', `${prefix} "$@"`, 'sh', ...words];
}
