// A receiver named `localhost` (A2A_PUSH_ALLOWED_HOSTS=localhost) that listens on IPv4 only is
// reached even where `localhost` resolves to ::1 first, as the A2A test kit's webhook receiver is.
import dns, { type LookupAddress } from 'node:dns';
import { jest } from '@jest/globals';
import { TestReceiver } from './test-receiver.ts';

// This resolver answers ::1 before 127.0.0.1 for localhost, whatever the machine's hosts file says.
jest.unstable_mockModule('node:dns', () => ({
  ...dns,
  default: dns,
  lookup: (hostname: string, options: object, callback: (e: Error | null, a: LookupAddress[]) => void) =>
    hostname === 'localhost'
      ? callback(null, [
          { address: '::1', family: 6 },
          { address: '127.0.0.1', family: 4 },
        ])
      : dns.lookup(hostname, { ...options, all: true }, callback),
}));
const { AddressPolicy } = await import('../../infra/outbound/address-policy.ts');
const { safeRequest } = await import('../../infra/outbound/safe-request.ts');

describe('push to localhost', () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await new TestReceiver().start();
  });
  afterAll(() => receiver.close());

  it('reaches an IPv4-only receiver through a localhost that resolves to ::1 first', async () => {
    const url = receiver.url.replace('127.0.0.1', 'localhost');
    const res = await safeRequest(
      { method: 'POST', url: `${url}/webhook`, headers: {}, body: '{}', timeoutMs: 5_000 },
      new AddressPolicy(['localhost']),
      new AbortController().signal,
    );
    expect(res.status).toBe(200);
    expect(receiver.requests.map((r) => r.path)).toEqual(['/webhook']);
  });

  it('still refuses localhost when it is not allowed', async () => {
    const url = receiver.url.replace('127.0.0.1', 'localhost');
    await expect(
      safeRequest(
        { method: 'POST', url, headers: {}, body: '{}', timeoutMs: 5_000 },
        new AddressPolicy([]),
        new AbortController().signal,
      ),
    ).rejects.toThrow(/loopback/);
  });
});
