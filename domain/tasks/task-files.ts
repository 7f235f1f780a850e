import { randomUUID } from 'node:crypto';
import type { InferEntity } from '@mikro-orm/core';
import { BadRequestError } from '../../core/errors.ts';
import { isUuid } from '../../core/ids.ts';
import { TaskFile } from '../../db/entities/index.ts';
import type { EntityManager } from '../../db/orm.ts';
import type { Config } from '../../infra/config.ts';
import { AddressPolicy } from '../../infra/outbound/address-policy.ts';
import { ResponseTooLargeError, safeRequest } from '../../infra/outbound/safe-request.ts';

/** A file part of a caller's message: inline bytes, or a URL to fetch (exactly one of them). */
export interface IncomingFile {
  readonly name?: string;
  readonly mediaType?: string;
  readonly bytes?: Uint8Array;
  readonly url?: string;
}

/** A stored file as tasks and callers name it. */
export interface TaskFileRef {
  readonly id: string;
  readonly name: string | null;
  readonly media_type: string;
  readonly size: number;
}

/** A file with its content (and the URL it came from, when it was fetched). */
export interface TaskFileRecord extends TaskFileRef {
  readonly source_url: string | null;
  readonly content: Buffer;
}

/** How long fetching one file may take, redirects included. */
const FETCH_TIMEOUT_MS = 10_000;
const DEFAULT_MEDIA_TYPE = 'application/octet-stream';

/**
 * The files of a caller's message, read and checked before anything is started: inline bytes as
 * they are, URLs fetched through the address guard (A2A_FILE_ALLOWED_HOSTS admits private hosts).
 * Each file is capped at A2A_MAX_FILE_BYTES and all of them at A2A_MAX_FILES_BYTES; a bad, oversized
 * or unreachable file is a 400 naming it. Each gets its id now, the one it is stored under.
 */
export async function receiveTaskFiles(
  config: Pick<Config, 'a2aFiles'>,
  files: readonly IncomingFile[],
): Promise<TaskFileRecord[]> {
  const limits = config.a2aFiles;
  const inlineBytes = files.reduce((sum, f) => sum + (f.bytes?.byteLength ?? 0), 0);
  if (inlineBytes > limits.maxTotalBytes) {
    throw new BadRequestError(`the files are larger than ${limits.maxTotalBytes} bytes together`);
  }
  const policy = new AddressPolicy(limits.allowedHosts);
  let total = 0;
  const received: TaskFileRecord[] = [];
  for (const [index, file] of files.entries()) {
    const label = file.name ? `file "${file.name}"` : `file ${index + 1}`;
    const left = limits.maxTotalBytes - total;
    const tooLarge = () =>
      left < limits.maxFileBytes
        ? new BadRequestError(`the files are larger than ${limits.maxTotalBytes} bytes together`)
        : new BadRequestError(`${label} is larger than ${limits.maxFileBytes} bytes`);
    const fetched = await fileContent(file, label, policy, {
      maxBytes: Math.min(limits.maxFileBytes, left),
      tooLarge,
    });
    total += fetched.content.length;
    received.push({
      id: randomUUID(),
      name: file.name || (file.url ? urlFileName(file.url) : null),
      media_type: file.mediaType || fetched.mediaType || DEFAULT_MEDIA_TYPE,
      size: fetched.content.length,
      source_url: file.url ?? null,
      content: fetched.content,
    });
  }
  return received;
}

/**
 * Keeps received files with task `taskId` (the job or run they were sent to), for its history.
 * Returns their descriptions.
 */
export async function storeTaskFiles(
  em: EntityManager,
  workspaceId: string,
  taskId: string,
  files: readonly TaskFileRecord[],
): Promise<TaskFileRef[]> {
  if (files.length === 0) return [];
  // A millisecond apart, so that reading them back by creation time keeps the message's order.
  const now = Date.now();
  for (const [i, f] of files.entries()) {
    em.create(TaskFile, {
      id: f.id,
      workspaceId,
      taskId,
      name: f.name,
      mediaType: f.media_type,
      size: f.size,
      sourceUrl: f.source_url,
      content: f.content,
      createdAt: new Date(now + i),
    });
  }
  await em.flush();
  return files.map(({ id, name, media_type, size }) => ({ id, name, media_type, size }));
}

/** The files sent to a task, oldest first; another workspace's task has none. */
export async function taskFiles(
  em: EntityManager,
  workspaceId: string,
  taskId: string,
): Promise<TaskFileRecord[]> {
  if (!isUuid(taskId)) return [];
  const rows = await em.find(TaskFile, { workspaceId, taskId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  return rows.map(record);
}

/** A file's content, at most `maxBytes` of it (else `tooLarge()` is thrown). */
async function fileContent(
  file: IncomingFile,
  label: string,
  policy: AddressPolicy,
  { maxBytes, tooLarge }: { maxBytes: number; tooLarge: () => BadRequestError },
): Promise<{ content: Buffer; mediaType?: string }> {
  if ((file.bytes === undefined) === (file.url === undefined)) {
    throw new BadRequestError(`${label} needs either its bytes or a URL`);
  }
  if (file.bytes) {
    if (file.bytes.byteLength > maxBytes) throw tooLarge();
    return { content: Buffer.from(file.bytes) };
  }
  const url = file.url!;
  let where: string;
  try {
    where = new URL(url).origin;
  } catch {
    throw new BadRequestError(`${label}: "${url}" is not an absolute URL`);
  }
  let response;
  try {
    response = await safeRequest(
      { method: 'GET', url, headers: {}, body: undefined, timeoutMs: FETCH_TIMEOUT_MS },
      policy,
      new AbortController().signal,
      { maxBytes, raw: true },
    );
  } catch (err) {
    if (err instanceof ResponseTooLargeError) throw tooLarge();
    throw new BadRequestError(`${label} could not be fetched from ${where}: ${(err as Error).message}`);
  }
  if (response.status < 200 || response.status >= 300) {
    throw new BadRequestError(`${label} could not be fetched: ${where} answered ${response.status}`);
  }
  const type = response.headers['content-type'];
  const mediaType = (Array.isArray(type) ? type[0] : type)?.split(';')[0]?.trim();
  return { content: response.body as Buffer, ...(mediaType ? { mediaType } : {}) };
}

/** The last segment of the URL's path, when it has one. */
function urlFileName(url: string): string | null {
  const last = new URL(url).pathname.split('/').pop();
  return last ? decodeURIComponent(last) : null;
}

function record(row: InferEntity<typeof TaskFile>): TaskFileRecord {
  return {
    id: row.id,
    name: row.name ?? null,
    media_type: row.mediaType,
    size: row.size,
    source_url: row.sourceUrl ?? null,
    content: Buffer.from(row.content),
  };
}
