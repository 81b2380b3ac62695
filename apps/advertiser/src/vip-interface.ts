import { hostPrefix } from '@bgplb/api-types/advertiser-config';
import { type AddressManager, IpAddressManager } from './shared/ip-addresses.js';

/**
 * Holds the VIP as `IP/32` (IPv6: `IP/128`, without duplicate address detection) on an interface while it is announced (so that the node answers for
 * it), through the same `ip addr` manager as the node agent's floating IPs. Adding an address
 * that is already there and removing one that is gone are not errors: a restart after a crash
 * converges.
 */
export class VipInterface {
  constructor(
    readonly device: string,
    readonly ip: string,
    private readonly addresses: Pick<AddressManager, 'list' | 'add' | 'remove'> = new IpAddressManager(),
  ) {}

  get cidr(): string {
    return hostPrefix(this.ip);
  }

  private get prefixLen(): number {
    return this.ip.includes(':') ? 128 : 32;
  }

  /** True when the address is on the device now. */
  async present(): Promise<boolean> {
    const observed = await this.addresses.list();
    return observed.some(
      (a) => a.ifname === this.device && a.ip === this.ip && a.prefixLen === this.prefixLen,
    );
  }

  /** Adds the address; returns false when it was already there. */
  add(): Promise<boolean> {
    return this.addresses.add({ ip: this.ip, ifname: this.device });
  }

  /** Removes the address; returns false when it was not there (or the device is gone). */
  remove(): Promise<boolean> {
    return this.addresses.remove({ ip: this.ip, ifname: this.device, prefixLen: this.prefixLen });
  }
}
