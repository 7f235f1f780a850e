// File parts: inline bytes and URLs (served by a local server the config allows) are read within
// size caps, reach an agent as context (text inlined) and a workflow as input (base64), and are kept
// with their task.
import { randomUUID } from 'node:crypto';
import { withOverrides } from '../../infra/config.ts';
import { agentContextWithFiles, workflowInputWithFiles } from '../../domain/tasks/task-file-inputs.ts';
import {
  receiveTaskFiles,
  storeTaskFiles,
  taskFiles,
  type IncomingFile,
} from '../../domain/tasks/task-files.ts';
import { createWorkspace, useEngineHarness } from '../engine/dag-fixtures.ts';
import { TestReceiver } from './test-receiver.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('task files', () => {
  const env = useEngineHarness({
    worker: false,
    env: { A2A_FILE_ALLOWED_HOSTS: '127.0.0.1', A2A_MAX_FILE_BYTES: '1000', A2A_MAX_FILES_BYTES: '1500' },
  });
  let server: TestReceiver;
  const receive = (...files: IncomingFile[]) => receiveTaskFiles(env.h.config, files);
  const stored = (taskId: string, workspaceId = env.workspaceId) =>
    taskFiles(env.h.services.orm.em.fork(), workspaceId, taskId);

  beforeAll(async () => {
    server = await new TestReceiver().start();
    server.setDefault((req) => {
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
  afterAll(() => server.close());

  it('gives an agent the files in its context, text inlined, and keeps them with the task', async () => {
    const files = await receive(
      { name: 'notes.txt', mediaType: 'text/plain', bytes: bytes('read me') },
      { url: `${server.url}/data.json` },
      { name: 'blob', mediaType: 'image/png', bytes: new Uint8Array([1, 2, 3]) },
    );
    expect(agentContextWithFiles({ topic: 'x' }, files)).toEqual({
      topic: 'x',
      files: [
        { id: files[0]!.id, name: 'notes.txt', media_type: 'text/plain', size: 7, text: 'read me' },
        { id: files[1]!.id, name: 'data.json', media_type: 'application/json', size: 7, text: '{"n":1}' },
        { id: files[2]!.id, name: 'blob', media_type: 'image/png', size: 3 },
      ],
    });
    expect(agentContextWithFiles('plain', files.slice(2))).toEqual({
      data: 'plain',
      files: [{ id: files[2]!.id, name: 'blob', media_type: 'image/png', size: 3 }],
    });

    const jobId = randomUUID();
    const refs = await storeTaskFiles(env.h.services.orm.em.fork(), env.workspaceId, jobId, files);
    expect(refs.map((r) => r.id)).toEqual(files.map((f) => f.id));
    const kept = await stored(jobId);
    expect(kept.map((f) => [f.id, f.name, f.source_url, f.content.toString('utf8')])).toEqual([
      [files[0]!.id, 'notes.txt', null, 'read me'],
      [files[1]!.id, 'data.json', `${server.url}/data.json`, '{"n":1}'],
      [files[2]!.id, 'blob', null, '\u0001\u0002\u0003'],
    ]);
    expect(await stored(jobId, await createWorkspace(env.h))).toEqual([]);
  });

  it('cuts a long text file for the model and says so', async () => {
    const long = 'x'.repeat(900);
    const files = await receive({ name: 'long.md', mediaType: 'text/markdown', bytes: bytes(long) });
    const context = agentContextWithFiles(null, files) as { files: Array<{ text: string }> };
    expect(context.files[0]).toMatchObject({ text: long });
    expect(
      agentContextWithFiles(null, [{ ...files[0]!, content: Buffer.from('y'.repeat(9000)) }]),
    ).toMatchObject({ files: [{ text: 'y'.repeat(8000), truncated: true }] });
  });

  it('gives a workflow the files in its input as base64', async () => {
    const files = await receive({
      name: 'a.bin',
      mediaType: 'application/octet-stream',
      bytes: new Uint8Array([255, 0, 1]),
    });
    expect(workflowInputWithFiles(null, files)).toEqual({
      files: [{ name: 'a.bin', media_type: 'application/octet-stream', size: 3, base64: '/wAB' }],
    });
    expect(workflowInputWithFiles([1], [])).toEqual([1]);
  });

  it('refuses oversized, unreachable, refused and empty files by name', async () => {
    await expect(receive({ name: 'big', bytes: new Uint8Array(1001) })).rejects.toThrow(
      'file "big" is larger than 1000 bytes',
    );
    await expect(receive({ url: `${server.url}/big.bin` })).rejects.toThrow(
      'file 1 is larger than 1000 bytes',
    );
    await expect(
      receive({ url: `${server.url}/half.bin` }, { url: `${server.url}/half.bin` }),
    ).rejects.toThrow('the files are larger than 1500 bytes together');
    await expect(receive({ name: 'gone', url: `${server.url}/gone` })).rejects.toThrow(
      `file "gone" could not be fetched: ${server.url} answered 404`,
    );
    await expect(receive({ name: 'neither' })).rejects.toThrow(
      'file "neither" needs either its bytes or a URL',
    );
    const guarded = withOverrides(env.h.config, { a2aFiles: { ...env.h.config.a2aFiles, allowedHosts: [] } });
    await expect(
      receiveTaskFiles(guarded, [{ name: 'local', url: `${server.url}/data.json` }]),
    ).rejects.toThrow(/file "local" could not be fetched from .*loopback/);
  });
});
