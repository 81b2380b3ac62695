import { describe, expect, it } from 'vitest';
import { nodeAddressOfOtherFamily } from './node-other-family.js';
import type { HostAddress } from './shared/host-addresses.js';

const VIPS = ['10.0.0.8', '2001:db8::8'];
const on = (ifname: string, ip: string, more: Partial<HostAddress> = {}): HostAddress => ({
  ifname,
  ip,
  ...more,
});
const derive = (host: HostAddress[], node = '10.0.1.10', given?: string) =>
  nodeAddressOfOtherFamily({ node, vips: VIPS, given, hostAddresses: () => host });
const NONE_V6 =
  "eth0 (the interface of the node address 10.0.1.10) has no global IPv6 address: the VIP is announced with this node's IPv6 address as next hop (give the interface one, or pass --node-ip-other-family)";

describe("nodeAddressOfOtherFamily: the node's address of the other family, from its host", () => {
  it('one global address of the other family on the interface of the node address: that one', () => {
    const host = [
      on('lo', '127.0.0.1'),
      on('eth0', '10.0.1.10'),
      on('eth0', '2001:db8:1::10'),
      // Another interface's addresses are not this node's address on the routers' link.
      on('eth1', '2001:db8:2::10'),
      on('eth1', '10.0.2.10'),
    ];
    expect(derive(host)).toEqual({ ok: true, address: '2001:db8:1::10' });
    // And the other way round: an IPv6 node finds its IPv4 address.
    expect(derive(host, '2001:db8:2::10')).toEqual({ ok: true, address: '10.0.2.10' });
  });

  it('none: the VIP of that family is left out, the reason naming the interface', () => {
    expect(derive([on('eth0', '10.0.1.10'), on('eth1', '2001:db8:2::10')])).toEqual({
      ok: true,
      unannounced: { vip: '2001:db8::8', reason: NONE_V6 },
    });
  });

  it('several: an error naming them, resolved by --node-ip-other-family', () => {
    const host = [on('eth0', '10.0.1.10'), on('eth0', '2001:db8:1::10'), on('eth0', 'fd00:1::10')];
    expect(derive(host)).toEqual({
      ok: false,
      error:
        'eth0 (the interface of the node address 10.0.1.10) has several global IPv6 addresses (2001:db8:1::10, fd00:1::10): pass --node-ip-other-family with the one the routers reach this node at (the next hop of the control-plane VIP 2001:db8::8)',
    });
    expect(derive(host, '10.0.1.10', 'fd00:1::10')).toEqual({ ok: true, address: 'fd00:1::10' });
  });

  it('link-local addresses are ignored', () => {
    expect(derive([on('eth0', '10.0.1.10'), on('eth0', 'fe80::1'), on('eth0', '2001:db8:1::10')])).toEqual({
      ok: true,
      address: '2001:db8:1::10',
    });
    expect(derive([on('eth0', '2001:db8:1::10'), on('eth0', '169.254.3.4')], '2001:db8:1::10')).toMatchObject(
      {
        ok: true,
        unannounced: { vip: '10.0.0.8' },
      },
    );
  });

  it('deprecated, dadfailed and temporary addresses are ignored (and named); a tentative one counts', () => {
    const host = [
      on('eth0', '10.0.1.10'),
      on('eth0', '2001:db8:1::50', { states: ['deprecated'] }),
      on('eth0', '2001:db8:1::51', { states: ['tentative', 'dadfailed'] }),
      on('eth0', '2001:db8:1::52', { states: ['temporary'] }),
    ];
    expect(derive(host)).toEqual({
      ok: true,
      unannounced: {
        vip: '2001:db8::8',
        reason:
          "eth0 (the interface of the node address 10.0.1.10) has no global IPv6 address (2001:db8:1::50 is deprecated; 2001:db8:1::51 is dadfailed; 2001:db8:1::52 is temporary): the VIP is announced with this node's IPv6 address as next hop (give the interface one, or pass --node-ip-other-family)",
      },
    });
    // Duplicate address detection under way (a node booting): the node's address all the same.
    expect(derive([...host, on('eth0', '2001:db8:1::10', { states: ['tentative'] })])).toEqual({
      ok: true,
      address: '2001:db8:1::10',
    });
  });

  it("the control-plane VIPs and the agent's floating IPs on that interface are not the node's address", () => {
    const host = [
      on('eth0', '2001:db8:1::10'),
      on('eth0', '10.0.1.10', { label: 'eth0' }),
      on('eth0', '10.0.0.8', { label: 'eth0' }),
      on('eth0', '10.0.1.100', { label: 'eth0:bgplb' }),
    ];
    expect(derive(host, '2001:db8:1::10')).toEqual({ ok: true, address: '10.0.1.10' });
  });

  it('the node address on no interface of this host (--node-ip of another host): left out, saying so', () => {
    expect(derive([on('eth0', '10.9.9.9')])).toEqual({
      ok: true,
      unannounced: {
        vip: '2001:db8::8',
        reason:
          'the node address 10.0.1.10 is on no interface of this host, so its IPv6 address is not known: pass --node-ip-other-family',
      },
    });
  });

  it('only when a VIP needs it: the host is not read without a VIP of the other family', () => {
    const result = nodeAddressOfOtherFamily({
      node: '10.0.1.10',
      vips: ['10.0.0.8'],
      hostAddresses: () => {
        throw new Error('read the host');
      },
    });
    expect(result).toEqual({ ok: true });
  });

  it('--node-ip-other-family wins, and must be of the other family and not a VIP', () => {
    expect(derive([], '10.0.1.10', '2001:db8:1::10')).toEqual({ ok: true, address: '2001:db8:1::10' });
    expect(derive([], '10.0.1.10', '10.0.1.11')).toEqual({
      ok: false,
      error:
        "--node-ip-other-family 10.0.1.11 is IPv4 like the node address 10.0.1.10: it is this node's IPv6 address",
    });
    expect(derive([], '10.0.1.10', '2001:db8::8')).toEqual({
      ok: false,
      error: "--node-ip-other-family 2001:db8::8 is a control-plane VIP, not this node's address",
    });
  });
});
