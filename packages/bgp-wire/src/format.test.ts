import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex } from '../test/hex.js';
import { WellKnownCommunity } from './constants.js';
import { describeNotification } from './errors.js';
import {
  formatAsPath,
  formatAttributes,
  formatCapability,
  formatCommunity,
  formatExtendedCommunity,
  formatLargeCommunity,
  formatMessage,
  parseCommunity,
  parseLargeCommunity,
} from './format.js';
import { shutdownNotification } from './notification.js';
import type { Capability, PathAttribute } from './types.js';

describe('formatAttributes', () => {
  it('gives the summary form', () => {
    expect(
      formatAttributes([
        { type: 'origin', origin: 'igp' },
        { type: 'as-path', segments: [{ type: 'sequence', asns: [65001] }] },
        { type: 'next-hop', nextHop: '10.0.1.10' },
      ]),
    ).toBe('[{Origin: i} 65001 {Nexthop: 10.0.1.10}]');
  });
  it('covers every attribute', () => {
    const all: PathAttribute[] = [
      { type: 'origin', origin: 'incomplete' },
      { type: 'as-path', segments: [] },
      { type: 'med', med: 5 },
      { type: 'local-pref', localPref: 100 },
      { type: 'atomic-aggregate' },
      { type: 'aggregator', asn: 1, address: '10.0.0.1' },
      { type: 'communities', communities: [0xfde90064, 0xffffff01] },
      { type: 'originator-id', originatorId: '10.0.0.2' },
      { type: 'cluster-list', clusterIds: ['10.0.0.3'] },
      {
        type: 'mp-reach',
        afi: 2,
        safi: 1,
        nextHops: ['2001:db8::1'],
        nlri: [{ prefix: '2001:db8::/32', pathId: 1 }],
      },
      { type: 'mp-unreach', afi: 1, safi: 2, withdrawn: [{ prefix: '10.0.0.0/8' }] },
      {
        type: 'extended-communities',
        communities: [
          { kind: 'route-target', format: 'as2', globalAdmin: 65001, localAdmin: 1, transitive: true },
          { kind: 'route-origin', format: 'ipv4', globalAdmin: '10.0.0.1', localAdmin: 2, transitive: true },
          { kind: 'link-bandwidth', asn: 65001, bandwidth: 1000, transitive: false },
          { kind: 'raw', bytes: hex('0302000000000001') },
        ],
      },
      { type: 'as4-path', segments: [{ type: 'sequence', asns: [200000] }] },
      { type: 'as4-aggregator', asn: 200000, address: '10.0.0.1' },
      { type: 'large-communities', communities: [{ globalAdmin: 1, localData1: 2, localData2: 3 }] },
      { type: 'otc', asn: 65001 },
      { type: 'unknown', code: 99, flags: 0xc0, data: hex('ab') },
    ];
    expect(formatAttributes(all)).toBe(
      '[{Origin: ?} {AsPath: } {Med: 5} {LocalPref: 100} {AtomicAggregate} {Aggregator: 1 10.0.0.1} ' +
        '{Communities: 65001:100, NO_EXPORT} {Originator: 10.0.0.2} {ClusterList: 10.0.0.3} ' +
        '{MpReach(ipv6-unicast): 2001:db8::1, [2001:db8::/32 (path 1)]} {MpUnreach(ipv4-multicast): [10.0.0.0/8]} ' +
        '{Extcomms: RT:65001:1, RO:10.0.0.1:2, LB:65001:1000, 0x0302000000000001} {As4Path: 200000} ' +
        '{As4Aggregator: 200000 10.0.0.1} {LargeCommunity: 1:2:3} {Otc: 65001} {Unknown(99, flags 0xc0): 0xab}]',
    );
  });
});

describe('communities and AS paths', () => {
  it('names the well-known communities and parses text', () => {
    expect(
      ['GRACEFUL_SHUTDOWN', 'BLACKHOLE', 'NO_EXPORT', 'NO_ADVERTISE', 'NO_EXPORT_SUBCONFED'].map((n) =>
        formatCommunity(parseCommunity(n)),
      ),
    ).toEqual(['GRACEFUL_SHUTDOWN', 'BLACKHOLE', 'NO_EXPORT', 'NO_ADVERTISE', 'NO_EXPORT_SUBCONFED']);
    expect(parseCommunity('65001:100')).toBe(0xfde90064);
    expect(() => parseCommunity('65536:1')).toThrow(TypeError);
    expect(() => parseCommunity('x')).toThrow(TypeError);
    expect(
      formatExtendedCommunity({
        kind: 'route-target',
        format: 'as4',
        globalAdmin: 200000,
        localAdmin: 1,
        transitive: true,
      }),
    ).toBe('RT:200000:1');
  });
  it('formats segments', () => {
    expect(
      formatAsPath([
        { type: 'confed-sequence', asns: [1, 2] },
        { type: 'confed-set', asns: [3] },
        { type: 'sequence', asns: [4] },
        { type: 'set', asns: [5, 6] },
      ]),
    ).toBe('(1 2) [3] 4 {5 6}');
  });
});

describe('formatMessage and describeNotification', () => {
  it('describes every code and subcode', () => {
    expect(describeNotification(6, 2)).toBe('Cease/Administrative Shutdown');
    expect(describeNotification(6, 0)).toBe('Cease');
    expect(describeNotification(6, 42)).toBe('Cease/subcode 42');
    expect(describeNotification(9, 1)).toBe('code 9/subcode 1');
    expect(describeNotification(3, 11)).toBe('UPDATE Message Error/Malformed AS_PATH');
    expect(describeNotification(7, 1)).toBe('ROUTE-REFRESH Message Error/Invalid Message Length');
    expect(describeNotification(4, 0)).toBe('Hold Timer Expired');
  });
  it('gives one line per message', () => {
    expect(formatMessage(shutdownNotification('bye'))).toBe(
      'NOTIFICATION Cease/Administrative Shutdown "bye"',
    );
    expect(formatMessage({ type: 'notification', code: 3, subcode: 5, data: hex('4001') })).toBe(
      'NOTIFICATION UPDATE Message Error/Attribute Length Error data=0x4001',
    );
    expect(formatMessage({ type: 'keepalive' })).toBe('KEEPALIVE');
    expect(formatMessage({ type: 'route-refresh', afi: 2, safi: 1, subtype: 1 })).toBe(
      'ROUTE-REFRESH ipv6-unicast BoRR',
    );
    expect(formatMessage({ type: 'route-refresh', afi: 1, safi: 1, subtype: 2 })).toBe(
      'ROUTE-REFRESH ipv4-unicast EoRR',
    );
    expect(
      formatMessage({
        type: 'update',
        withdrawn: [{ prefix: '10.0.2.0/24' }],
        attributes: [{ type: 'origin', origin: 'egp' }],
        nlri: [{ prefix: '10.0.1.0/24' }],
      }),
    ).toBe('UPDATE withdrawn=[10.0.2.0/24] [{Origin: e}] nlri=[10.0.1.0/24]');
    const caps: Capability[] = [
      { type: 'multiprotocol', afi: 1, safi: 1 },
      { type: 'four-octet-as', asn: 65001 },
      { type: 'add-path', families: [{ afi: 1, safi: 1, mode: 'both' }] },
      { type: 'graceful-restart', flags: 8, restartTime: 120, families: [] },
      { type: 'fqdn', hostname: 'r1', domainName: '' },
      { type: 'role', role: 3 },
      { type: 'unknown', code: 76, data: hex('01') },
      { type: 'route-refresh', preStandard: true },
      { type: 'route-refresh' },
      { type: 'extended-message' },
    ];
    expect(
      formatMessage({
        type: 'open',
        version: 4,
        myAsn: 65001,
        holdTime: 90,
        bgpId: '10.0.0.1',
        capabilities: caps,
      }),
    ).toBe(
      'OPEN as=65001 hold=90 id=10.0.0.1 caps=[multiprotocol(ipv4-unicast) 4-octet-as(65001) add-path(ipv4-unicast:both) ' +
        'graceful-restart(flags 0x8, 120s) fqdn(r1) role(3) capability-76(0x01) route-refresh(128) route-refresh extended-message]',
    );
    expect(formatCapability({ type: 'multiprotocol', afi: 25, safi: 70 })).toBe(
      'multiprotocol(afi25-safi70)',
    );
  });
});

describe('parseCommunity: the one community grammar', () => {
  it('reads ASN:VALUE, plain 32-bit values and the well-known names in any case, with _ or -', () => {
    expect(parseCommunity('0:0')).toBe(0);
    expect(parseCommunity('65535:65535')).toBe(0xffffffff);
    expect(parseCommunity('65535:0')).toBe(WellKnownCommunity.GRACEFUL_SHUTDOWN);
    expect(parseCommunity('4294967041')).toBe(WellKnownCommunity.NO_EXPORT);
    expect(parseCommunity('0')).toBe(0);
    expect(parseCommunity('NO_EXPORT')).toBe(WellKnownCommunity.NO_EXPORT);
    expect(parseCommunity('no-export')).toBe(WellKnownCommunity.NO_EXPORT);
    expect(parseCommunity('No_Advertise')).toBe(WellKnownCommunity.NO_ADVERTISE);
    expect(parseCommunity('no-export-subconfed')).toBe(WellKnownCommunity.NO_EXPORT_SUBCONFED);
    expect(parseCommunity('graceful-shutdown')).toBe(WellKnownCommunity.GRACEFUL_SHUTDOWN);
    expect(parseCommunity('blackhole')).toBe(WellKnownCommunity.BLACKHOLE);
  });

  it('refuses everything else with a message naming the bad part', () => {
    expect(() => parseCommunity('65536:1')).toThrow('community ASN 65536 in "65536:1" is over 65535');
    expect(() => parseCommunity('1:65536')).toThrow('community value 65536 in "1:65536" is over 65535');
    expect(() => parseCommunity('1:x')).toThrow('community value "x" in "1:x" is not a decimal number');
    expect(() => parseCommunity('1:2:3')).toThrow('community value "2:3" in "1:2:3" is not a decimal number');
    expect(() => parseCommunity(':1')).toThrow('community ASN "" in ":1" is not a decimal number');
    expect(() => parseCommunity('4294967296')).toThrow(
      'community 4294967296 in "4294967296" is over 4294967295',
    );
    for (const bad of ['', ' 1:2', '1:2 ', '-1', '0x10', '+1:2', 'no export', 'NOEXPORT', 'x'])
      expect(() => parseCommunity(bad), bad).toThrow(TypeError);
    expect(() => parseCommunity(undefined as unknown as string)).toThrow(
      'community undefined is not a string',
    );
  });

  it('reads back what formatCommunity prints, and every value in both numeric forms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
        expect(parseCommunity(formatCommunity(v))).toBe(v);
        expect(parseCommunity(String(v))).toBe(v);
        expect(parseCommunity(`${v >>> 16}:${v & 0xffff}`)).toBe(v);
      }),
    );
  });

  it('parses large communities (RFC 8092) and names the bad part', () => {
    expect(parseLargeCommunity('4200000000:1:2')).toEqual({
      globalAdmin: 4200000000,
      localData1: 1,
      localData2: 2,
    });
    expect(formatLargeCommunity(parseLargeCommunity('1:2:3'))).toBe('1:2:3');
    expect(() => parseLargeCommunity('1:2')).toThrow('large community "1:2" is not GLOBAL:DATA1:DATA2');
    expect(() => parseLargeCommunity('1:2:4294967296')).toThrow(
      'large community local data 2 4294967296 in "1:2:4294967296" is over 4294967295',
    );
  });
});
