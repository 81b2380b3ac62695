import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCollection, isPair, type Node, parseAllDocuments } from 'yaml';
import { parseAdvertiserConfigText } from './advertiser-config-file.js';
import { validateText } from './validate-files.js';
import { deepNestingOffset, MAX_YAML_DEPTH, readYamlDocuments } from './yaml-documents.js';

// No input makes a YAML reading path throw: every document gives a value or ONE positioned problem,
// and the last-resort catch ("cannot read the YAML") is never reached. 100k generated inputs.

/** Fragments that exercise the YAML grammar's corners: anchors, aliases, tags, merge keys, flow. */
const TOKENS = [
  ...['a', 'b', 'localIP', 'peers', 'kind', 'spec', '10.0.0.1', '65001', "don't", 'x[1]'],
  ...[': ', ':', '- ', '-', '\n', '\n  ', '\n    ', '  ', ' ', '\t', '\r\n', '#c', ' #c'],
  ...[
    '&a ',
    '&b ',
    '*a',
    '*b',
    '*c',
    '!!str ',
    '!!int ',
    '!!binary ',
    '!!set ',
    '!foo ',
    '!<tag:x> ',
    '<<: ',
  ],
  ...[
    '[',
    ']',
    '{',
    '}',
    ', ',
    '"',
    "'",
    '"\\u0000"',
    '|',
    '>',
    '? ',
    '---',
    '...',
    '%YAML 1.1\n',
    '%TAG ! !x\n',
  ],
  ...['\u0000', '\u0007', '\uFEFF', '\uFFFE', '\u00e9', '\uD800', 'null', '~', '0x1F', '1e3', '.inf'],
];
const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((parts) => parts.join(''));

/** Nested YAML values rendered as block text, with anchors on some nodes and aliases to them. */
const rendered: fc.Arbitrary<string> = fc
  .letrec<{ value: string; map: string; seq: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom('1', 'x', '"q"', "'s'", '*a', '*b', '!!str 5', '!t v', 'null'),
      tie('map'),
      tie('seq'),
    ),
    map: fc
      .array(
        fc.tuple(
          fc.constantFrom('k', 'l', '<<', 'peers', 'k'),
          fc.option(fc.constantFrom('&a ', '&b ')),
          tie('value'),
        ),
        {
          maxLength: 4,
        },
      )
      .map((pairs) => `{${pairs.map(([k, anchor, v]) => `${k}: ${anchor ?? ''}${v}`).join(', ')}}`),
    seq: fc
      .array(fc.tuple(fc.option(fc.constantFrom('&a ', '&b ')), tie('value')), { maxLength: 4 })
      .map((items) => `[${items.map(([anchor, v]) => `${anchor ?? ''}${v}`).join(', ')}]`),
  }))
  .value.chain((v) => fc.constantFrom(`root: ${v}\n`, `- ${v}\n`, v, `a: &a ${v}\nb: [*a, *a, *a]\n`));

/** The shared reader: a value or one positioned problem per document, never the last-resort catch. */
function readsCleanly(text: string): void {
  const { docs } = readYamlDocuments(text);
  for (const d of docs) {
    if (d.ok) continue;
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.message).not.toMatch(/^cannot read the YAML/);
  }
}

/** The two file paths built on it: advertiser config and cluster config validation. */
function validatesCleanly(text: string): void {
  const advertiser = parseAdvertiserConfigText(text, 'f.conf');
  if (!advertiser.ok) expect(advertiser.problems.length).toBeGreaterThan(0);
  for (const p of advertiser.problems) expect(p.message).not.toMatch(/^cannot read the YAML/);
  const cluster = validateText(text, 'c.yaml');
  for (const p of cluster.problems) expect(p.message).not.toMatch(/^cannot read the YAML/);
}

/** Text made of a few nesting tokens (so that some go far deeper than the limit, some stay near it). */
const NESTING_TOKENS = ['- ', '? ', '[', '{', ']', '}', ', ', 'a: ', 'x', '\n', '  ', '"', "'", ' #', '|'];
const nesting = fc
  .subarray(NESTING_TOKENS, { minLength: 1, maxLength: 4 })
  .chain((tokens) => fc.array(fc.constantFrom(...tokens), { maxLength: 400, size: 'max' }))
  .map((parts) => parts.join(''));

/** Deepest collection nesting of a parsed document (iterative; the parser caps its own stack). */
function collectionDepth(root: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!isCollection(node)) continue;
    deepest = Math.max(deepest, depth);
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        stack.push([item.key as Node, depth + 1], [item.value as Node, depth + 1]);
      } else stack.push([item, depth + 1]);
    }
  }
  return deepest;
}

// Every path reads YAML through readYamlDocuments: it gets the 100k inputs; the full advertiser and
// cluster paths (which add zod and the rules on plain values) get a further 6k. About 10 s of CPU on a loaded
// 2-core machine.
describe('YAML fuzz', () => {
  it('readYamlDocuments: 80k token-soup documents', () => {
    fc.assert(fc.property(soup, readsCleanly), { numRuns: 80_000 });
  }, 300_000);

  it('text the nesting scan lets through never exhausts the parser, and stays within 4x the limit', () => {
    fc.assert(
      fc.property(nesting, (text) => {
        if (deepNestingOffset(text) !== undefined) return;
        for (const doc of parseAllDocuments(text, { uniqueKeys: false })) {
          expect(doc.errors.map((e) => e.code)).not.toContain('RESOURCE_EXHAUSTION');
          // The scan is approximate (the walk after parsing is the exact check): it only has to
          // keep the parser far from the thousands of levels that exhaust it.
          expect(collectionDepth(doc.contents)).toBeLessThanOrEqual(4 * MAX_YAML_DEPTH);
        }
        readsCleanly(text);
      }),
      { numRuns: 2_000 },
    );
  }, 300_000);

  it('readYamlDocuments: 20k nested documents with anchors, aliases, tags and merge keys', () => {
    fc.assert(fc.property(rendered, readsCleanly), { numRuns: 20_000 });
  }, 300_000);

  it('advertiser config and cluster validation: 6k documents of both kinds', () => {
    fc.assert(fc.property(fc.oneof(soup, rendered), validatesCleanly), { numRuns: 6_000 });
  }, 300_000);
});
