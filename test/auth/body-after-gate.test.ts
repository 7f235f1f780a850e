import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKey } from '../../domain/keys/key-format.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { createTenant, type Tenant } from '../helpers/tenant.ts';

const LIMIT = 64 * 1024;
const CANCEL = '/api/v1/workflow/runs/00000000-0000-0000-0000-000000000000/cancel';

/**
 * Sends the headers of a POST announcing `announced` body bytes but only its first bytes, then waits
 * for the answer: a server that tried to read the body would never answer.
 */
function postWithoutBody(url: string, headers: Record<string, string>, announced: number) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = http.request(url + CANCEL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(announced), ...headers },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
      });
    });
    req.write('{"a":');
  });
}

describe('the body is read only after the key gate', () => {
  let h: Harness;
  let t: Tenant;
  let agentsOnly: Tenant;
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    h = await startHarness({ worker: false, env: { MAX_BODY_BYTES: String(LIMIT) } });
    t = await createTenant(h);
    agentsOnly = await createTenant(h, { scopes: ['agents'] });
    server = h.api.koa.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await h.close();
  });

  it('answers a bad or missing key without waiting for the body it announced', async () => {
    const unknown = await postWithoutBody(url, { 'x-api-key': generateKey() }, LIMIT - 1);
    expect(unknown).toEqual({ status: 401, body: { error: 'Invalid API key' } });
    const missing = await postWithoutBody(url, {}, LIMIT - 1);
    expect(missing).toEqual({ status: 401, body: { error: 'Missing X-API-Key header' } });
    const wrongScope = await postWithoutBody(url, { 'x-api-key': agentsOnly.key }, LIMIT - 1);
    expect(wrongScope.status).toBe(403);
  });

  it('is 401, not 413, 415 or 400, for an over-limit, non-JSON or malformed body with a bad key', async () => {
    const badKey = generateKey();
    const post = () => h.http.post(CANCEL).set('X-API-Key', badKey);
    const huge = await postWithoutBody(url, { 'x-api-key': badKey }, 100 * LIMIT);
    expect(huge).toEqual({ status: 401, body: { error: 'Invalid API key' } });
    const oversent = await post()
      .set('content-type', 'application/json')
      .send(`"${'x'.repeat(2 * LIMIT)}"`);
    expect(oversent.status).toBe(401);
    expect((await post().set('content-type', 'text/plain').send('hello')).status).toBe(401);
    expect((await post().set('content-type', 'application/json').send('{bad')).status).toBe(401);
  });

  it('keeps 413, 415 and 400 for a caller whose key passed the gate', async () => {
    const post = () => h.http.post(CANCEL).set('X-API-Key', t.key);
    // Refused from Content-Length alone: the server answers without the body being sent.
    const announced = await postWithoutBody(url, { 'x-api-key': t.key }, LIMIT + 1);
    expect(announced).toEqual({ status: 413, body: { error: `Request body exceeds ${LIMIT} bytes` } });
    const tooBig = await post()
      .set('content-type', 'application/json')
      .send(`"${'x'.repeat(LIMIT)}"`);
    expect(tooBig.status).toBe(413);
    const notJson = await post().set('content-type', 'text/plain').send('hello');
    expect(notJson.status).toBe(415);
    expect(notJson.body.error).toMatch(/must be JSON/);
    const malformed = await post().set('content-type', 'application/json').send('{bad');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ error: 'Malformed JSON body' });
  });
});
