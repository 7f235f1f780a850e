import { BlockList, isIP } from 'node:net';
import { embeddedIPv4 } from './embedded-ipv4.ts';

/**
 * Address ranges an http node may not reach unless the allowlist admits them, with a label for
 * errors. BlockList matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 ranges.
 */
const BLOCKED: ReadonlyArray<[cidr: string, family: 'ipv4' | 'ipv6', label: string]> = [
  ['0.0.0.0/8', 'ipv4', 'unspecified'],
  ['127.0.0.0/8', 'ipv4', 'loopback'],
  ['10.0.0.0/8', 'ipv4', 'private'],
  ['172.16.0.0/12', 'ipv4', 'private'],
  ['192.168.0.0/16', 'ipv4', 'private'],
  ['100.64.0.0/10', 'ipv4', 'shared (carrier-grade NAT)'],
  ['169.254.0.0/16', 'ipv4', 'link-local / cloud metadata'],
  ['192.0.0.0/24', 'ipv4', 'IETF protocol assignments'],
  ['198.18.0.0/15', 'ipv4', 'benchmarking'],
  ['224.0.0.0/4', 'ipv4', 'multicast'],
  ['240.0.0.0/4', 'ipv4', 'reserved'],
  ['::/128', 'ipv6', 'unspecified'],
  ['::1/128', 'ipv6', 'loopback'],
  ['64:ff9b:1::/48', 'ipv6', 'local NAT64'],
  ['fc00::/7', 'ipv6', 'private (unique local)'],
  ['fe80::/10', 'ipv6', 'link-local'],
  ['ff00::/8', 'ipv6', 'multicast'],
];

/**
 * Decides which addresses http nodes may connect to: public ones always; loopback, private,
 * link-local and metadata ones only when the configured allowlist names the address, a CIDR range
 * holding it, or the exact host name of the URL. An IPv6 address that carries an IPv4 one (NAT64,
 * 6to4, ...) is judged by that IPv4 address too, since that is where its traffic ends up.
 */
export class AddressPolicy {
  readonly #allowedAddresses = new BlockList();
  readonly #allowedHosts = new Set<string>();
  readonly #blocked: Array<{ list: BlockList; label: string }>;

  constructor(allowlist: readonly string[]) {
    for (const entry of allowlist) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address ?? '');
      if (family && prefix !== undefined) {
        this.#allowedAddresses.addSubnet(address!, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
      } else if (family) this.#allowedAddresses.addAddress(address!, family === 4 ? 'ipv4' : 'ipv6');
      else this.#allowedHosts.add(entry.toLowerCase());
    }
    this.#blocked = BLOCKED.map(([cidr, family, label]) => {
      const list = new BlockList();
      const [net, prefix] = cidr.split('/');
      list.addSubnet(net!, Number(prefix), family);
      return { list, label };
    });
  }

  /** True when the URL's host name itself is allowlisted (then any address it resolves to is fine). */
  hostAllowed(hostname: string): boolean {
    return this.#allowedHosts.has(hostname.toLowerCase());
  }

  /** Why `address` may not be reached, or undefined when it may. */
  refusal(address: string): string | undefined {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    const embedded = family === 'ipv6' ? embeddedIPv4(address) : undefined;
    if (this.#allowedAddresses.check(address, family)) return undefined;
    if (embedded && this.#allowedAddresses.check(embedded.ipv4, 'ipv4')) return undefined;
    const own = this.#blockedLabel(address, family);
    if (own) return `${address} is a ${own} address`;
    const carried = embedded && this.#blockedLabel(embedded.ipv4, 'ipv4');
    return carried
      ? `${address} is a ${carried} address (${embedded.ipv4} in ${embedded.form} form)`
      : undefined;
  }

  #blockedLabel(address: string, family: 'ipv4' | 'ipv6'): string | undefined {
    return this.#blocked.find(({ list }) => list.check(address, family))?.label;
  }
}
