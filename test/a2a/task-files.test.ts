// File parts: inline bytes and URLs (served by a local server the config allows) are stored with the
// task, reach an agent as context (text inlined) and a workflow as input (base64), within size caps.
import { randomUUID } from 'node:crypto';
import { withOverrides } from '../../infra/config.ts';
import { agentContextWithFiles, workflowInputWithFiles } from '../../domain/tasks/task-file-inputs.ts';
import { storeTaskFiles, taskFiles } from '../../domain/tasks/task-files.ts';
import { createWorkspace, useEngineHarness } from '../engine/dag-fixtures.ts';
import { TestReceiver } from './test-receiver.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('task files', () => {
  const env = useEngineHarness({
    worker: false,
    env: { A2A_FILE_ALLOWED_HOSTS: '127.0.0.1', A2A_MAX_FILE_BYTES: '1000', A2A_MAX_FILES_BYTES: '1500' },
  });
  let files: TestReceiver;
  const services = () => ({ orm: env.h.services.orm, config: env.h.config });
  const stored = (taskId: string, workspaceId = env.workspaceId) =>
    taskFiles(env.h.services.orm.em.fork(), workspaceId, taskId);

  beforeAll(async () => {
    files = await new TestReceiver().start();
    files.setDefault((req) => {
      if (req.path === '/data.json') {
        return {
          status: 200,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: '{"n":1}',
        };
      }
      if (req.path === '/big.bin') return { status: 200, body: Buffer.alloc(1200, 7) };
      if (req.path === '/half.bin') return { status: 200, body: Buffer.alloc(800, 1) };
      return { status: 404 };
    });
  });
  afterAll(() => files.close());

  it('gives an agent the files in its context, text inlined, and keeps them with the task', async () => {
    const jobId = randomUUID();
    const context = await agentContextWithFiles(services(), env.workspaceId, jobId, { topic: 'x' }, [
      { name: 'notes.txt', mediaType: 'text/plain', bytes: bytes('read me') },
      { url: `${files.url}/data.json` },
      { name: 'blob', mediaType: 'image/png', bytes: new Uint8Array([1, 2, 3]) },
    ]);
    expect(context).toEqual({
      topic: 'x',
      files: [
        { id: expect.any(String), name: 'notes.txt', media_type: 'text/plain', size: 7, text: 'read me' },
        {
          id: expect.any(String),
          name: 'data.json',
          media_type: 'application/json',
          size: 7,
          text: '{"n":1}',
        },
        { id: expect.any(String), name: 'blob', media_type: 'image/png', size: 3 },
      ],
    });
    const kept = await stored(jobId);
    expect(kept.map((f) => [f.name, f.source_url, f.content.toString('utf8')])).toEqual([
      ['notes.txt', null, 'read me'],
      ['data.json', `${files.url}/data.json`, '{"n":1}'],
      ['blob', null, '\u0001\u0002\u0003'],
    ]);
    expect(await stored(jobId, await createWorkspace(env.h))).toEqual([]);
  });

  it('gives a workflow the files in its input as base64', async () => {
    const runId = randomUUID();
    const input = await workflowInputWithFiles(services(), env.workspaceId, runId, null, [
      { name: 'a.bin', mediaType: 'application/octet-stream', bytes: new Uint8Array([255, 0, 1]) },
    ]);
    expect(input).toEqual({
      files: [{ name: 'a.bin', media_type: 'application/octet-stream', size: 3, base64: '/wAB' }],
    });
    expect(await workflowInputWithFiles(services(), env.workspaceId, runId, [1], [])).toEqual([1]);
  });

  it('refuses oversized, unreachable, refused and empty files by name, storing none', async () => {
    const taskId = randomUUID();
    const store = (...f: Parameters<typeof storeTaskFiles>[3]) =>
      storeTaskFiles(services(), env.workspaceId, taskId, f);
    await expect(store({ name: 'big', bytes: new Uint8Array(1001) })).rejects.toThrow(
      'file "big" is larger than 1000 bytes',
    );
    await expect(store({ url: `${files.url}/big.bin` })).rejects.toThrow('file 1 is larger than 1000 bytes');
    await expect(store({ url: `${files.url}/half.bin` }, { url: `${files.url}/half.bin` })).rejects.toThrow(
      'the files are larger than 1500 bytes together',
    );
    await expect(store({ name: 'gone', url: `${files.url}/gone` })).rejects.toThrow(
      `file "gone" could not be fetched: ${files.url} answered 404`,
    );
    await expect(store({ name: 'neither' })).rejects.toThrow(
      'file "neither" needs either its bytes or a URL',
    );
    const guarded = {
      ...services(),
      config: withOverrides(env.h.config, { a2aFiles: { ...env.h.config.a2aFiles, allowedHosts: [] } }),
    };
    await expect(
      storeTaskFiles(guarded, env.workspaceId, taskId, [{ name: 'local', url: `${files.url}/data.json` }]),
    ).rejects.toThrow(/file "local" could not be fetched from .*loopback/);
    expect(await stored(taskId)).toEqual([]);
  });
});
