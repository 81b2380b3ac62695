import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BAD_FIXTURES } from '../test/fixtures/bad-fixtures.js';
import { formatProblem } from './problems.js';
import { validateFiles, validateText } from './validate-files.js';

const fixtures = new URL('../test/fixtures/', import.meta.url).pathname;
const examples = new URL('../../../examples/', import.meta.url).pathname;
const exampleFiles = readdirSync(examples)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('validateFiles: examples', () => {
  it('finds the four cluster examples (three of the spec, the dual-stack extension)', () => {
    expect(exampleFiles).toHaveLength(4);
  });

  it.each(exampleFiles)('accepts examples/%s with no problem and lists its objects', async (name) => {
    const [result] = await validateFiles([examples + name]);
    expect(result?.problems).toEqual([]);
    expect(result?.ok).toBe(true);
    expect(result?.ignored).toEqual([]);
    expect(result?.objects.map((o) => o.kind)).toContain('Cluster');
    expect(result?.configs[0]?.cluster?.spec.loadBalancer.ports.controlPlaneLBPort).toBe(443);
  });

  it('validates several cluster files in one call, each on its own', async () => {
    const results = await validateFiles(exampleFiles.map((f) => examples + f));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
  });
});

describe('validateFiles: good fixtures', () => {
  it.each(readdirSync(`${fixtures}good`))('accepts good/%s with no problem', async (name) => {
    const [result] = await validateFiles([`${fixtures}good/${name}`]);
    expect(result?.problems).toEqual([]);
  });
});

describe('validateFiles: bad fixtures', () => {
  it('has a test entry for every fixture file', () => {
    const files = readdirSync(`${fixtures}bad`).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(BAD_FIXTURES.map((f) => f.file).sort());
  });

  it.each(BAD_FIXTURES)('$file: one precise problem at $line:$column', async (fixture) => {
    const file = `${fixtures}bad/${fixture.file}`;
    const [result] = await validateFiles([file]);
    expect(result?.problems).toHaveLength(1);
    const [problem] = result?.problems ?? [];
    expect({ line: problem?.line, column: problem?.column, severity: problem?.severity }).toEqual({
      line: fixture.line,
      column: fixture.column,
      severity: fixture.severity,
    });
    expect(problem?.message).toBe(fixture.message);
    expect(result?.ok).toBe(fixture.severity === 'warning');
    expect(formatProblem(problem!)).toBe(
      `${file}:${fixture.line}:${fixture.column}: ${fixture.severity === 'warning' ? 'warning: ' : ''}${fixture.message}`,
    );
  });
});

describe('validateFiles: other inputs', () => {
  it('lists documents of unknown kinds and ignores them', async () => {
    const [result] = await validateFiles([`${fixtures}other/with-unknown-kind.yaml`]);
    expect(result?.problems).toEqual([]);
    expect(result?.ignored).toEqual([
      { kind: 'ConfigMap', apiVersion: 'v1', name: 'settings', line: 47, column: 1 },
    ]);
  });

  it('ignores a known kind name of a foreign API group', () => {
    const result = validateText(
      'apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata:\n  name: capi\n',
    );
    expect(result.problems).toEqual([]);
    expect(result.ignored).toEqual([
      { kind: 'Cluster', apiVersion: 'cluster.x-k8s.io/v1beta1', name: 'capi', line: 1, column: 1 },
    ]);
  });

  it('reports an unreadable file as a read error, not as a problem', async () => {
    const [missing, good] = await validateFiles([
      `${fixtures}does-not-exist.yaml`,
      examples + exampleFiles[0],
    ]);
    expect(missing?.readError).toMatch(/^cannot read .*does-not-exist\.yaml: ENOENT/);
    expect(missing?.ok).toBe(false);
    expect(missing?.problems).toEqual([]);
    expect(good?.ok).toBe(true);
  });

  it('accepts an empty file and comment-only documents', () => {
    expect(validateText('').ok).toBe(true);
    expect(validateText('# nothing\n---\n# still nothing\n').problems).toEqual([]);
  });

  it('validates networking objects without a Cluster on their own', () => {
    const text = [
      'apiVersion: networking.gke.io/v1',
      'kind: BGPPeer',
      'metadata:',
      '  name: tor',
      '  namespace: cluster-bm',
      'spec:',
      '  localASN: 65001',
      '  peerASN: 65001',
      '  peerIP: 10.0.3.254',
      '',
    ].join('\n');
    const result = validateText(text, 'peers.yaml');
    expect(result.problems.map(formatProblem)).toEqual([
      'peers.yaml:8:12: spec.peerASN: peerASN 65001 equals localASN 65001: bgplb peers over eBGP only, iBGP is not supported',
    ]);
  });

  it('checks BGPSession and BGPAdvertisedRoute objects for shape and namespace', () => {
    const text = [
      'apiVersion: networking.gke.io/v1',
      'kind: BGPSession',
      'metadata:',
      '  name: bgppeer1-node-03',
      '  namespace: default',
      'spec:',
      '  localASN: 65500',
      '  localIP: 10.0.1.178',
      '  nodeName: node-03',
      '  peerASN: 65000',
      '  peerIP: 10.0.1.254',
      '---',
      'apiVersion: networking.gke.io/v1',
      'kind: BGPAdvertisedRoute',
      'metadata:',
      '  name: default-default-web',
      '  namespace: kube-system',
      'spec:',
      '  prefix: 10.0.0.2/32',
      '  nextHops: [10.0.3.10, 10.0.3.11]',
      '  service: {namespace: default, name: web, port: 80}',
      '',
    ].join('\n');
    expect(validateText(text, 'status.yaml').problems.map(formatProblem)).toEqual([
      'status.yaml:5:14: metadata.namespace: BGPSession objects live in namespace kube-system, got "default"',
      'status.yaml:21:44: spec.service.port: unknown field "port"',
    ]);
  });

  it('reports an object without a name', () => {
    const result = validateText(
      'apiVersion: networking.gke.io/v1\nkind: BGPLoadBalancer\nmetadata: {}\nspec:\n  peerSelector: {}\n',
    );
    expect(result.problems.map(formatProblem)).toEqual([
      '<input>:3:1: metadata.name: required field is missing',
    ]);
  });

  it('reports a second NetworkGatewayGroup of the same cluster', async () => {
    const [base] = await validateFiles([examples + exampleFiles[0]]);
    expect(base?.ok).toBe(true);
    const text = [
      'apiVersion: networking.gke.io/v1',
      'kind: NetworkGatewayGroup',
      'metadata: {name: default, namespace: cluster-bm}',
      'spec: {floatingIPs: [10.0.1.100, 10.0.2.100]}',
      '---',
      'apiVersion: networking.gke.io/v1',
      'kind: NetworkGatewayGroup',
      'metadata: {name: extra, namespace: cluster-bm}',
      'spec: {floatingIPs: [10.0.1.101]}',
      '',
    ].join('\n');
    expect(validateText(text, 'ngg.yaml').problems.map(formatProblem)).toEqual([
      'ngg.yaml:8:18: metadata.name: only one NetworkGatewayGroup (named "default") is used per cluster; "extra" would be ignored',
    ]);
  });

  it('names label keys with dots in paths and locates them', () => {
    const text = [
      'apiVersion: networking.gke.io/v1',
      'kind: BGPLoadBalancer',
      'metadata: {name: default}',
      'spec:',
      '  peerSelector:',
      '    cluster.baremetal.gke.io/default-peer: 1',
      '',
    ].join('\n');
    expect(validateText(text, 'lb.yaml').problems.map(formatProblem)).toEqual([
      'lb.yaml:6:44: spec.peerSelector["cluster.baremetal.gke.io/default-peer"]: expected a string, got the number 1',
    ]);
  });

  it('reports YAML errors of each document once and validates the other documents', () => {
    const text = [
      'a: [1, 2',
      '---',
      'apiVersion: networking.gke.io/v1',
      'kind: BGPPeer',
      'metadata: {name: p}',
      'spec: {}',
      '',
    ].join('\n');
    const messages = validateText(text, 'x.yaml').problems.map(formatProblem);
    expect(messages).toHaveLength(4);
    expect(messages[0]).toMatch(/^x\.yaml:2:1: YAML syntax error: /);
    expect(messages.slice(1)).toEqual([
      'x.yaml:6:1: spec.localASN: required field is missing',
      'x.yaml:6:1: spec.peerASN: required field is missing',
      'x.yaml:6:1: spec.peerIP: required field is missing',
    ]);
  });

  it('points out a misspelt key of a mapping that keeps unknown keys', async () => {
    const text = (await import('node:fs'))
      .readFileSync(examples + exampleFiles[0], 'utf8')
      .replace('  loadBalancer:', '  loadBalancr:');
    expect(validateText(text, 'c.yaml').problems.map(formatProblem)).toEqual([
      'c.yaml:17:3: spec.loadBalancr: unknown field "loadBalancr" (did you mean `spec.loadBalancer`?)',
    ]);
  });
});

describe('validateText: snippets pasted from the documentation', () => {
  it('reports each placeholder of an indented code block once, and nothing else about those values', () => {
    const text = [
      '    apiVersion: networking.gke.io/v1',
      '    kind: BGPPeer',
      '    metadata:',
      '      name: PEER_NAME',
      '      namespace: CLUSTER_NAMESPACE',
      '      labels:',
      '        tier: PROD',
      '    spec:',
      '      localASN: CLUSTER_ASN',
      '      peerASN: 65002',
      '      peerIP: PEER_IP',
    ].join('\n');
    expect(validateText(text, 'doc.yaml').problems.map(formatProblem)).toEqual([
      'doc.yaml:4:13: metadata.name: PEER_NAME is a placeholder from the documentation; replace it with the real value',
      'doc.yaml:5:18: metadata.namespace: CLUSTER_NAMESPACE is a placeholder from the documentation; replace it with the real value',
      'doc.yaml:9:17: spec.localASN: CLUSTER_ASN is a placeholder from the documentation; replace it with the real value',
      'doc.yaml:11:15: spec.peerIP: PEER_IP is a placeholder from the documentation; replace it with the real value',
    ]);
  });

  it('names every `...` line of a snippet instead of the errors YAML would give', () => {
    const text = [
      'apiVersion: baremetal.cluster.gke.io/v1',
      'kind: Cluster',
      'metadata:',
      '  name: bm',
      'spec:',
      '...',
      '  loadBalancer:',
      '    type: bgp',
      '    ...',
      '    localASN: 65001',
    ].join('\n');
    expect(validateText(text, 's.yaml').problems.map(formatProblem)).toEqual([
      's.yaml:6:1: line 6: `...` ends the YAML document here; remove it (it stands for omitted lines in the documentation)',
      's.yaml:9:5: line 9: `...` stands for omitted lines in the documentation, YAML reads it as text; remove it',
    ]);
  });

  it('leaves a real document end and a `...` inside a block scalar alone', async () => {
    const { readFileSync } = await import('node:fs');
    const example = readFileSync(examples + exampleFiles[0], 'utf8');
    const annotated = example.replace(
      '  name: bm\n',
      '  name: bm\n  annotations:\n    note: |\n      first\n      ...\n      last\n',
    );
    expect(annotated).not.toBe(example);
    expect(validateText(`${annotated}\n...\n# end\n`, 'ok.yaml').problems).toEqual([]);
  });
});
