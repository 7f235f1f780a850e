import { randomBytes } from 'node:crypto';
import { ExpressionPool } from '../../activities/expressions/expression-pool.ts';
import { fillSecrets } from '../../activities/secrets/node-secrets.ts';
import type { RunContext } from '../../core/dag/run-context.ts';
import { validateGraph } from '../../core/dag/validate.ts';
import type { EntityManager } from '../../db/orm.ts';
import { SecretCipher } from '../../domain/secrets/secret-cipher.ts';
import { SecretRedactor } from '../../domain/secrets/secret-redactor.ts';

/** The problems validation reports for one node of `type` with `with` (and optionally `when`). */
function problemsOf(node: Record<string, unknown>, output?: string): string[] {
  const result = validateGraph({ nodes: [{ id: 'n', ...node }], ...(output ? { output } : {}) });
  return result.ok ? [] : result.problems.map((p) => p.message);
}

describe('where {{ secrets.NAME }} may appear', () => {
  it('is accepted as whole templates in the with of nodes that run in an activity', () => {
    expect(
      problemsOf({
        type: 'http',
        with: {
          url: 'https://api.example.test/v1?key={{ secrets.API_KEY }}',
          headers: { Authorization: 'Bearer {{ secrets.TOKEN }}', 'x-raw': '{{secrets._raw2}}' },
          body: { list: ['{{ secrets.TOKEN }}'], other: '{{ input.secrets }}' },
        },
      }),
    ).toEqual([]);
    expect(problemsOf({ type: 'agent', with: { agent_id: 'a', message: 'key {{ secrets.K }}' } })).toEqual(
      [],
    );
  });

  it.each([
    ['an expression inside a template', { type: 'http', with: { url: '{{ "https://x/" & secrets.T }}' } }],
    ['a function of it', { type: 'http', with: { url: 'https://x/{{ $string(secrets) }}' } }],
    ['the context root', { type: 'http', with: { url: 'https://x/{{ $$.secrets.T }}' } }],
    ['"when"', { type: 'http', when: 'secrets.T = "x"', with: { url: 'https://x/' } }],
    ['a transform expression', { type: 'transform', with: { expression: 'secrets.T' } }],
    ['a condition expression', { type: 'condition', with: { expression: '$exists(secrets.T)' } }],
  ])('is refused in %s, with a message that says how to use secrets', (_label, node) => {
    expect(problemsOf(node)).toEqual([
      expect.stringContaining('cannot read secrets: use a secret only as a whole {{ secrets.NAME }}'),
    ]);
  });

  it('is refused in the run output and in nodes whose with leaves the activity (delay, workflow)', () => {
    expect(problemsOf({ type: 'transform', with: { expression: '1' } }, 'secrets')).toEqual([
      expect.stringContaining('"output" cannot read secrets'),
    ]);
    expect(problemsOf({ type: 'delay', with: { seconds: '{{ secrets.WAIT }}' } })).toEqual([
      'template in "with.seconds" uses a secret, but delay nodes cannot (only nodes that run in an activity, such as http, can)',
    ]);
    expect(
      problemsOf({ type: 'workflow', with: { workflow_id: 'w', input: { key: '{{ secrets.K }}' } } }),
    ).toEqual([expect.stringContaining('uses a secret, but workflow nodes cannot')]);
  });
});

describe('resolving a node with secrets', () => {
  const context = { input: { user: 'ada' }, nodes: {} } as unknown as RunContext;
  let pool: ExpressionPool;
  beforeAll(() => {
    pool = new ExpressionPool({
      size: 1,
      timeoutMs: 30_000,
      maxMemoryMb: 64,
      maxResultBytes: 1024 * 1024,
      maxQueuedPerWorkspace: 10,
    });
  });
  afterAll(() => pool.close());

  it('the expression process masks them and says where they go; it never gets a value', async () => {
    const result = await pool.evaluate(
      {
        context,
        with: {
          url: 'https://x/{{ input.user }}?k={{ secrets.K }}',
          headers: { a: '{{ secrets.A }}', b: '{{ secrets.A }}:{{ secrets.B }}' },
          list: [1, '{{ secrets.B }}'],
        },
      },
      { workspaceId: 'w' },
    );
    expect(result.with).toEqual({
      url: 'https://x/ada?k=***',
      headers: { a: '***', b: '***:***' },
      list: [1, '***'],
    });
    expect(result.secrets).toEqual([
      { path: ['url'], pieces: ['https://x/ada?k=', { secret: 'K' }] },
      { path: ['headers', 'a'], pieces: [{ secret: 'A' }] },
      { path: ['headers', 'b'], pieces: [{ secret: 'A' }, ':', { secret: 'B' }] },
      { path: ['list', 1], pieces: [{ secret: 'B' }] },
    ]);
  });

  it('a run input that looks like a template is text, never a reference (no injection)', async () => {
    const injected = { input: { user: '{{ secrets.K }}' }, nodes: {} } as unknown as RunContext;
    const result = await pool.evaluate(
      { context: injected, with: { url: 'https://x/{{ input.user }}' } },
      { workspaceId: 'w' },
    );
    expect(result.with).toEqual({ url: 'https://x/{{ secrets.K }}' });
    expect(result.secrets).toBeUndefined();
  });

  it('a node without secrets reads nothing from the database', async () => {
    const untouched = {} as EntityManager;
    const filled = await fillSecrets(untouched, undefined, 'w', { url: 'https://x/' }, undefined);
    expect(filled.input).toEqual({ url: 'https://x/' });
  });
});

describe('the redactor', () => {
  it('masks a value as is, inside JSON text and URL-encoded; in values, keys and error chains', () => {
    const value = 'p@ss "word"/+';
    const r = new SecretRedactor([value]);
    expect(r.text(`a ${value} b`)).toBe('a *** b');
    expect(r.text(JSON.stringify({ v: value }))).toBe('{"v":"***"}');
    expect(r.text(`?k=${encodeURIComponent(value)}`)).toBe('?k=***');
    expect(r.value({ [value]: [value, 1, null] })).toEqual({ '***': ['***', 1, null] });
    const err = new Error(`outer ${value}`, { cause: new Error(`inner ${value}`) });
    expect(r.error(err)).toBe(err);
    expect(err.message).toBe('outer ***');
    expect((err.cause as Error).message).toBe('inner ***');
    expect(err.stack).not.toContain(value);
  });

  it('masks the longer of two values whole when one contains the other', () => {
    expect(new SecretRedactor(['abc', 'abcdef']).text('x abcdef y abc')).toBe('x *** y ***');
  });
});

describe('the cipher', () => {
  const cipher = new SecretCipher(randomBytes(32));

  it('opens what it sealed, only for the same workspace and name, and only with its key', () => {
    const sealed = cipher.seal('ws-a', 'TOKEN', 'value-1');
    expect(Buffer.from(sealed.ciphertext).toString('utf8')).not.toContain('value-1');
    expect(cipher.open('ws-a', 'TOKEN', sealed)).toBe('value-1');
    expect(() => cipher.open('ws-b', 'TOKEN', sealed)).toThrow('secret "TOKEN" does not decrypt');
    expect(() => cipher.open('ws-a', 'OTHER', sealed)).toThrow('secret "OTHER" does not decrypt');
    const tampered = { ...sealed, ciphertext: Buffer.from(sealed.ciphertext).fill(0, 0, 1) };
    expect(() => cipher.open('ws-a', 'TOKEN', tampered)).toThrow('does not decrypt');
    expect(() => new SecretCipher(randomBytes(32)).open('ws-a', 'TOKEN', sealed)).toThrow(
      'was sealed with another key',
    );
  });

  it('uses a fresh IV each time: the same value never gives the same ciphertext', () => {
    const one = cipher.seal('ws', 'N', 'same');
    const two = cipher.seal('ws', 'N', 'same');
    expect(Buffer.from(one.iv).equals(Buffer.from(two.iv))).toBe(false);
    expect(Buffer.from(one.ciphertext).equals(Buffer.from(two.ciphertext))).toBe(false);
  });
});
