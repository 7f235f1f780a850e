import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { WorkspaceSecret } from '../../db/entities/index.ts';
import { SecretCipher } from '../../domain/secrets/secret-cipher.ts';
import {
  MAX_SECRET_BYTES,
  revealSecrets,
  secretCipher,
  setSecret,
} from '../../domain/secrets/secrets.service.ts';
import { createWorkspace } from '../../domain/tenants/tenants.service.ts';
import { loadConfig } from '../../infra/config.ts';
import { resolvePepper, resolveSecretsKey } from '../../infra/data-dir.ts';
import { startHarness, type Harness } from '../helpers/harness.ts';
import { plaintextForms } from './support/plaintext-search.ts';

const BIN = path.join(import.meta.dirname, '..', '..', 'bin', 'dagen.js');
const SECRETS_KEY = randomBytes(32).toString('hex');

interface CliResult {
  code: number;
  out: Record<string, unknown>;
  /** Both streams as written, to check nothing echoes the value. */
  raw: string;
}

/** Runs `dagen ... --json` with `stdin` piped in, against the test database. */
function dagen(args: string[], stdin = '', env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args, '--json'],
      { env: { ...process.env, LOG_LEVEL: 'silent', DAGEN_SECRETS_KEY: SECRETS_KEY, ...env } },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, out: JSON.parse(stdout) as Record<string, unknown>, raw: stdout + stderr });
      },
    );
    child.stdin!.end(stdin);
  });
}

describe('dagen secrets CLI', () => {
  let h: Harness;
  let workspace: string;
  let workspaceId: string;
  beforeAll(async () => {
    h = await startHarness({ worker: false });
    workspace = `secrets-${randomUUID()}`;
    workspaceId = (await createWorkspace(h.services.orm.em.fork(), workspace)).id;
  });
  afterAll(async () => {
    await h.close();
  });

  const rows = () => h.services.orm.em.fork().find(WorkspaceSecret, { workspaceId });

  it('sets from stdin, replaces, lists names only, deletes; the value is never echoed nor stored', async () => {
    const first = `first-${randomUUID()}`;
    const second = `second-${randomUUID()}`;
    const set = await dagen(['secrets', 'set', '--workspace', workspace, 'API_TOKEN'], `${first}\n`);
    expect(set.code).toBe(0);
    expect(set.out).toMatchObject({ workspace_id: workspaceId, name: 'API_TOKEN', replaced: false });
    expect(set.raw).not.toContain(first);
    const [row] = await rows();
    // Encrypted at rest: no column of the row holds the value, as text or as bytes.
    const stored = await h.services.orm.em
      .getConnection()
      .execute<{ row: string }[]>(`select t::text as row from workspace_secrets t where workspace_id = ?`, [
        workspaceId,
      ]);
    expect(stored).toHaveLength(1);
    expect(plaintextForms(stored[0]!.row, first)).toEqual([]);
    const cipher = secretCipher(loadConfig({ DAGEN_SECRETS_KEY: SECRETS_KEY }).secretsKey)!;
    expect(row!.keyId).toBe(cipher.keyId);
    // One trailing newline (from echo or a file) is not part of the value.
    expect(await revealSecrets(h.services.orm.em.fork(), cipher, workspaceId, ['API_TOKEN'])).toEqual(
      new Map([['API_TOKEN', first]]),
    );

    const replaced = await dagen(['secrets', 'set', '--workspace', workspaceId, 'API_TOKEN'], second);
    expect(replaced.out).toMatchObject({ name: 'API_TOKEN', replaced: true });
    expect(await rows()).toHaveLength(1);
    expect(await revealSecrets(h.services.orm.em.fork(), cipher, workspaceId, ['API_TOKEN'])).toEqual(
      new Map([['API_TOKEN', second]]),
    );
    await dagen(['secrets', 'set', '--workspace', workspace, 'OTHER'], 'x');

    const listed = await dagen(['secrets', 'list', '--workspace', workspace]);
    expect(listed.out).toEqual({
      workspace_id: workspaceId,
      secrets: [
        { name: 'API_TOKEN', created_at: expect.any(String), updated_at: expect.any(String) },
        { name: 'OTHER', created_at: expect.any(String), updated_at: expect.any(String) },
      ],
    });
    expect(listed.raw).not.toContain(second);

    const deleted = await dagen(['secrets', 'delete', '--workspace', workspace, 'API_TOKEN']);
    expect(deleted.out).toEqual({ workspace_id: workspaceId, name: 'API_TOKEN', deleted: true });
    expect((await rows()).map((r) => r.name)).toEqual(['OTHER']);
    const again = await dagen(['secrets', 'delete', '--workspace', workspace, 'API_TOKEN']);
    expect(again).toMatchObject({ code: 1, out: { error: "secret 'API_TOKEN' not found" } });
  });

  it('refuses a value on the command line and bad names; the service refuses empty and oversized values', async () => {
    const inArgv = await dagen(['secrets', 'set', '--workspace', workspace, 'NAME', 'the-value'], 'v');
    expect(inArgv).toMatchObject({ code: 2, out: { error: expect.stringContaining('from stdin') } });
    const badName = await dagen(['secrets', 'set', '--workspace', workspace, 'bad-name'], 'v');
    expect(badName).toMatchObject({ code: 1, out: { error: expect.stringMatching(/not a secret name/) } });
    const cipher = new SecretCipher(randomBytes(32));
    const set = (value: string) => setSecret(h.services.orm.em.fork(), cipher, workspaceId, 'VALUE', value);
    await expect(set('')).rejects.toThrow('a secret value must not be empty');
    await expect(set('x'.repeat(MAX_SECRET_BYTES + 1))).rejects.toThrow(`at most ${MAX_SECRET_BYTES} bytes`);
    await expect(set('é'.repeat(MAX_SECRET_BYTES / 2 + 1))).rejects.toThrow('bytes');
    expect(await rows()).toEqual([expect.objectContaining({ name: 'OTHER' })]);
  });

  it('without DAGEN_SECRETS_KEY (nor a generated one) refuses to store, saying what is missing', async () => {
    const emptyDataDir = mkdtempSync(path.join(os.tmpdir(), 'dagen-nokey-'));
    const res = await dagen(['secrets', 'set', '--workspace', workspace, 'NOKEY'], 'v', {
      DAGEN_SECRETS_KEY: '',
      DAGEN_DATA_DIR: emptyDataDir,
    });
    expect(res).toMatchObject({
      code: 1,
      out: { error: expect.stringContaining('DAGEN_SECRETS_KEY is not set') },
    });
  });
});

describe('the secrets key', () => {
  it('is generated once in the data dir for dagen start, beside the key pepper, and then kept', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dagen-keys-'));
    const config = loadConfig({ DAGEN_DATA_DIR: dataDir });
    expect(resolveSecretsKey(config, { create: false })).toBeUndefined();
    const pepper = resolvePepper(config, { create: true });
    const key = resolveSecretsKey(config, { create: true })!;
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(resolveSecretsKey(config, { create: true })).toBe(key);
    expect(resolvePepper(config, { create: false })).toBe(pepper);
    expect(Object.keys(JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')))).toEqual([
      'keyPepper',
      'secretsKey',
    ]);
    new SecretCipher(Buffer.from(key, 'base64'));
  });

  it('from the environment: 64 hex digits or base64 of 32 bytes; anything else names the variable, not the value', () => {
    const bytes = randomBytes(32);
    const hex = loadConfig({ DAGEN_SECRETS_KEY: bytes.toString('hex') }).secretsKey;
    expect(hex).toBe(bytes.toString('base64'));
    expect(loadConfig({ DAGEN_SECRETS_KEY: bytes.toString('base64url') }).secretsKey).toBe(hex);
    expect(() => loadConfig({ DAGEN_SECRETS_KEY: 'too-short-a-key' })).toThrow(
      /^Invalid DAGEN_SECRETS_KEY: must be 32 bytes, as 64 hex digits or base64$/,
    );
  });
});
