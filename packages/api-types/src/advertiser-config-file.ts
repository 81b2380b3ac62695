import { isMap } from 'yaml';
import { familyName } from './address.js';
import { readConfigFile } from './config-bytes.js';
import { type ParseResult, parseWith } from './parse-with.js';
import { type FileProblem, KEY_PROBLEMS, type Problem, parsePath, problem } from './problems.js';
import { AdvertiserConfig } from './schemas/advertiser-config.js';
import { familyOfValid, withFamily } from './schemas/session-primitives.js';
import { resolveTimers, timerProblems } from './timers.js';
import { readYamlDocuments } from './yaml-documents.js';
import { locate } from './yaml-locate.js';

/** Result of loading a `bgpadvertiser --config` file. */
export type AdvertiserConfigResult =
  | {
      ok: true;
      file: string;
      /** The config with its shape checked; timers are resolved with {@link resolveTimers}. */
      config: AdvertiserConfig;
      /** Warnings (e.g. a keepalive above a third of the hold time). */
      problems: FileProblem[];
    }
  | {
      ok: false;
      file: string;
      /** Problems with file:line:column; at least one is an error unless `readError` is set. */
      problems: FileProblem[];
      /** Set when the file could not be read (a usage error: the CLI exits 2). */
      readError?: string;
    };

/** Parses an advertiser config (shape only; {@link validateAdvertiserConfig} adds the eBGP rules). */
export const parseAdvertiserConfig = (input: unknown): ParseResult<AdvertiserConfig> =>
  parseWith(AdvertiserConfig, input);

/**
 * Semantic rules of an advertiser config: eBGP only (peerASN != localASN), no duplicate peer,
 * a peer is not our own address and is of localIP's family (or localIPOtherFamily's), timers that fit together.
 */
export function validateAdvertiserConfig(config: AdvertiserConfig): Problem[] {
  const out: Problem[] = [];
  const seen = new Map<string, number>();
  out.push(...timerProblems([], config, resolveTimers(config)));
  if (
    config.localIPOtherFamily !== undefined &&
    familyOfValid(config.localIPOtherFamily) === familyOfValid(config.localIP)
  ) {
    out.push(
      problem(
        ['localIPOtherFamily'],
        `localIPOtherFamily ${withFamily(config.localIPOtherFamily)} is of the same family as localIP ${config.localIP}: it is this node's address of the other family`,
      ),
    );
  }
  config.peers.forEach((peer, i) => {
    if (peer.peerASN === config.localASN) {
      out.push(
        problem(
          ['peers', i, 'peerASN'],
          `peerASN ${peer.peerASN} equals localASN ${config.localASN}: bgplb peers over eBGP only, iBGP is not supported`,
        ),
      );
    }
    const other = config.localIPOtherFamily;
    if (peer.peerIP === config.localIP || peer.peerIP === other) {
      const field = peer.peerIP === config.localIP ? 'localIP' : 'localIPOtherFamily';
      out.push(problem(['peers', i, 'peerIP'], `peerIP ${peer.peerIP} is ${field} itself`));
    } else if (familyOfValid(peer.peerIP) !== familyOfValid(config.localIP)) {
      if (other === undefined || familyOfValid(other) !== familyOfValid(peer.peerIP))
        out.push(
          problem(
            ['peers', i, 'peerIP'],
            `peerIP ${withFamily(peer.peerIP)} and localIP ${withFamily(config.localIP)} differ in family: every session starts from localIP, so its peers must be of the same family (or set localIPOtherFamily, this node's ${familyName(familyOfValid(peer.peerIP))} address)`,
          ),
        );
    }
    const first = seen.get(peer.peerIP);
    if (first !== undefined) {
      out.push(
        problem(['peers', i, 'peerIP'], `duplicate peer IP ${peer.peerIP} (already at peers[${first}])`),
      );
    } else seen.set(peer.peerIP, i);
    out.push(...timerProblems(['peers', i], peer, resolveTimers(config, peer)));
  });
  return out;
}

/** Parses and validates advertiser config text; `file` names it in the problems. Never throws. */
export function parseAdvertiserConfigText(text: string, file: string): AdvertiserConfigResult {
  const { docs, lineCounter } = readYamlDocuments(text);
  const at = (line: number, column: number, message: string): AdvertiserConfigResult => ({
    ok: false,
    file,
    problems: [{ file, line, column, path: '', message, severity: 'error' }],
  });
  const [first, second] = docs;
  if (first === undefined) return at(1, 1, 'the file is empty; expected localIP, localASN and peers');
  if (!first.ok) return at(first.line, first.column, first.message);
  if (second !== undefined) {
    const { line, col } = lineCounter.linePos(second.doc?.range?.[0] ?? 0);
    return at(line, col, 'expected a single YAML document; the config holds one mapping');
  }
  const doc = first.doc;
  if (!isMap(doc.contents)) return at(1, 1, 'expected a mapping with localIP, localASN and peers');
  const located = (p: Problem): FileProblem => ({
    ...p,
    file,
    ...locate(doc, lineCounter, parsePath(p.path), KEY_PROBLEMS.has(p)),
  });
  const parsed = parseAdvertiserConfig(first.value);
  if (!parsed.ok) return { ok: false, file, problems: parsed.problems.map(located) };
  const problems = validateAdvertiserConfig(parsed.value).map(located);
  if (problems.some((p) => p.severity === 'error')) return { ok: false, file, problems };
  return { ok: true, file, config: parsed.value, problems };
}

/**
 * Reads, parses and validates a `bgpadvertiser --config` file. Never throws: a file that cannot be
 * read sets `readError`; one that is too large, not UTF-8/UTF-16 text or hostile YAML gives one
 * positioned problem (see config-bytes.ts and yaml-documents.ts).
 */
export async function loadAdvertiserConfig(path: string): Promise<AdvertiserConfigResult> {
  const read = await readConfigFile(path);
  if (read.ok) return parseAdvertiserConfigText(read.text, path);
  if ('readError' in read) return { ok: false, file: path, problems: [], readError: read.readError };
  const { line, column, message } = read;
  return {
    ok: false,
    file: path,
    problems: [{ file: path, line, column, path: '', message, severity: 'error' }],
  };
}
