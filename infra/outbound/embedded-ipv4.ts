import { BlockList } from 'node:net';

/** An IPv4 address carried inside an IPv6 one, and the name of the encoding that carries it. */
export interface EmbeddedIPv4 {
  ipv4: string;
  form: string;
}

type Groups = readonly number[];

/**
 * IPv6 encodings whose traffic ends up at an IPv4 address written inside them: a translator
 * (NAT64, SIIT), a 6to4 or Teredo relay, or the host's own dual stack delivers it there. Each
 * names where in the eight 16-bit groups the IPv4 address sits. IPv4-mapped addresses
 * (::ffff:0:0/96) are absent: BlockList already matches them against IPv4 ranges.
 */
const CARRIERS: ReadonlyArray<{ cidr: string; form: string; ipv4: (g: Groups) => [number, number] }> = [
  { cidr: '64:ff9b::/96', form: 'NAT64', ipv4: (g) => [g[6]!, g[7]!] },
  { cidr: '::ffff:0:0:0/96', form: 'IPv4-translated', ipv4: (g) => [g[6]!, g[7]!] },
  { cidr: '::/96', form: 'IPv4-compatible', ipv4: (g) => [g[6]!, g[7]!] },
  { cidr: '2002::/16', form: '6to4', ipv4: (g) => [g[1]!, g[2]!] },
  // Teredo stores the client's address with every bit inverted (RFC 4380 §4).
  { cidr: '2001::/32', form: 'Teredo', ipv4: (g) => [~g[6]! & 0xffff, ~g[7]! & 0xffff] },
];

const carriers = CARRIERS.map(({ cidr, form, ipv4 }) => {
  const [net, prefix] = cidr.split('/');
  const list = new BlockList();
  list.addSubnet(net!, Number(prefix), 'ipv6');
  return { list, form, ipv4 };
});

/** The IPv4 address an IPv6 address (as `isIP` accepts it) carries, if it is one of the CARRIERS. */
export function embeddedIPv4(address: string): EmbeddedIPv4 | undefined {
  const carrier = carriers.find(({ list }) => list.check(address, 'ipv6'));
  if (!carrier) return undefined;
  const [high, low] = carrier.ipv4(ipv6Groups(address));
  return { ipv4: `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`, form: carrier.form };
}

/** The eight 16-bit groups of a valid IPv6 address: `::` expanded, a dotted IPv4 tail and a zone id allowed. */
function ipv6Groups(address: string): Groups {
  let text = address.split('%')[0]!;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  if (tail === undefined) return groups(head);
  const left = groups(head);
  const right = groups(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
