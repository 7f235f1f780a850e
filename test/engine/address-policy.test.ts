import { AddressPolicy } from '../../infra/outbound/address-policy.ts';
import { embeddedIPv4 } from '../../infra/outbound/embedded-ipv4.ts';

describe('AddressPolicy: IPv6 forms that carry an IPv4 address', () => {
  const policy = new AddressPolicy([]);

  it.each([
    ['64:ff9b::7f00:1', 'loopback', '127.0.0.1 in NAT64 form'],
    ['64:ff9b::127.0.0.1', 'loopback', '127.0.0.1 in NAT64 form'],
    ['64:ff9b::a9fe:a9fe', 'link-local / cloud metadata', '169.254.169.254 in NAT64 form'],
    ['2002:c0a8:0101::', 'private', '192.168.1.1 in 6to4 form'],
    ['2002:7f00:1:5::1', 'loopback', '127.0.0.1 in 6to4 form'],
    ['2002:a00:1::', 'private', '10.0.0.1 in 6to4 form'],
    ['::127.0.0.1', 'loopback', '127.0.0.1 in IPv4-compatible form'],
    ['::7f00:1', 'loopback', '127.0.0.1 in IPv4-compatible form'],
    ['::a9fe:a9fe', 'link-local / cloud metadata', '169.254.169.254 in IPv4-compatible form'],
    ['::ffff:0:7f00:1', 'loopback', '127.0.0.1 in IPv4-translated form'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback', '127.0.0.1 in Teredo form'],
  ])('refuses %s (%s: %s)', (address, label, form) => {
    expect(policy.refusal(address)).toBe(`${address} is a ${label} address (${form})`);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
    ['::ffff:c0a8:101', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local / cloud metadata'],
  ])('refuses the IPv4-mapped %s (%s)', (address, label) => {
    expect(policy.refusal(address)).toBe(`${address} is a ${label} address`);
  });

  it('keeps judging ::1 and :: by their own ranges, not as IPv4-compatible forms', () => {
    expect(policy.refusal('::1')).toBe('::1 is a loopback address');
    expect(policy.refusal('::')).toBe(':: is a unspecified address');
  });

  it.each([
    '64:ff9b::808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
    '::8.8.8.8',
    '::ffff:8.8.8.8',
    '::ffff:0:808:808',
    '2001:0:4136:e378:8000:63bf:f7f7:f7f7', // Teredo client 8.8.8.8
    '2606:4700::1111',
  ])('allows %s, which carries or is a public address', (address) => {
    expect(policy.refusal(address)).toBeUndefined();
  });

  it('admits an embedded IPv4 address that the allowlist names, in every form', () => {
    const allowing = new AddressPolicy(['192.168.1.0/24', '127.0.0.1']);
    expect(allowing.refusal('2002:c0a8:0105::')).toBeUndefined();
    expect(allowing.refusal('64:ff9b::c0a8:0105')).toBeUndefined();
    expect(allowing.refusal('::ffff:c0a8:0105')).toBeUndefined();
    expect(allowing.refusal('64:ff9b::7f00:1')).toBeUndefined();
    expect(allowing.refusal('64:ff9b::7f00:2')).toBe(
      '64:ff9b::7f00:2 is a loopback address (127.0.0.2 in NAT64 form)',
    );
    expect(allowing.refusal('2002:c0a8:0205::')).toBe(
      '2002:c0a8:0205:: is a private address (192.168.2.5 in 6to4 form)',
    );
  });

  it('an allowlisted IPv6 range admits its own addresses', () => {
    expect(new AddressPolicy(['64:ff9b::/96']).refusal('64:ff9b::7f00:1')).toBeUndefined();
    expect(new AddressPolicy(['2002::/16']).refusal('2002:c0a8:0101::')).toBeUndefined();
  });
});

describe('embeddedIPv4', () => {
  it.each([
    ['64:ff9b::c000:221', { ipv4: '192.0.2.33', form: 'NAT64' }],
    ['64:ff9b:0:0:0:0:192.0.2.33', { ipv4: '192.0.2.33', form: 'NAT64' }],
    ['2002:cb00:7101:0:0:0:0:1', { ipv4: '203.0.113.1', form: '6to4' }],
    ['::ffff:0:c000:221', { ipv4: '192.0.2.33', form: 'IPv4-translated' }],
    ['::c000:221%eth0', { ipv4: '192.0.2.33', form: 'IPv4-compatible' }],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', { ipv4: '192.0.2.45', form: 'Teredo' }],
  ])('decodes %s', (address, expected) => {
    expect(embeddedIPv4(address)).toEqual(expected);
  });

  it.each(['64:ff9b:1::7f00:1', '2001:db8::7f00:1', 'fe80::7f00:1', '::ffff:7f00:1'])(
    'finds nothing in %s',
    (address) => {
      expect(embeddedIPv4(address)).toBeUndefined();
    },
  );
});
