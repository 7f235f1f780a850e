// Runs in a child process with a small heap: a hostile expression may exhaust it or spin forever,
// and the pool kills this process while the Temporal worker stays healthy. (A worker_thread's
// resourceLimits are not enough: a fast-allocating isolate can still abort the whole process.)
import jsonata from 'jsonata';
import { LruMap } from '../../core/lru-map.ts';
import { SECRET_MASK, secretReference } from '../../core/dag/secret-refs.ts';
import { isWholeExpression, parseTemplate } from '../../core/dag/template.ts';
import type {
  ExpressionJob,
  ExpressionResult,
  EvalRequest,
  EvalResponse,
  ReadyMessage,
  SecretSlot,
} from './expression-job.ts';

/**
 * Parsed expressions kept for reuse: a run's nodes evaluate the same few texts over and over, and
 * parsing costs ten times the evaluation of a short one. Evaluation keeps no state in a parsed
 * expression (each call binds its input in a fresh frame), so one run's values never reach another.
 * Only short texts, and few of them, so the cache stays far below the process's small heap.
 */
const PARSED = new LruMap<string, jsonata.Expression>(200);
const MAX_PARSED_LENGTH = 1_000;

const send = process.send?.bind(process);
if (!send) throw new Error('expression-process must be forked with an IPC channel');

// The worker died (even by SIGKILL): nothing will ever ask again.
process.on('disconnect', () => process.exit(0));

process.on('message', (request: EvalRequest) => {
  void run(request).then((response) => send(response));
});
// Booting takes long on a busy machine: the pool starts a job's deadline only after this.
send({ ready: true } satisfies ReadyMessage);

async function run(request: EvalRequest): Promise<EvalResponse> {
  try {
    const result = await evaluateJob(request.job);
    const json = JSON.stringify(result);
    if (json.length > request.maxResultBytes) {
      return { id: request.id, ok: false, message: `result is larger than ${request.maxResultBytes} bytes` };
    }
    return { id: request.id, ok: true, json };
  } catch (err) {
    return { id: request.id, ok: false, message: describe(err) };
  }
}

async function evaluateJob(job: ExpressionJob): Promise<ExpressionResult> {
  if (job.when !== undefined && !truthy(await evaluate(job.when, job.context, '"when"'))) {
    return { proceed: false };
  }
  const result: ExpressionResult = { proceed: true };
  if (job.with) {
    const resolved: Record<string, unknown> = {};
    const slots: SecretSlot[] = [];
    for (const [key, value] of Object.entries(job.with)) {
      // A field evaluated whole (a transform's `expression`) is kept as written, not a template.
      const whole = job.expressions !== undefined && key in job.expressions;
      resolved[key] = whole ? value : await resolve(value, { context: job.context, slots }, [key]);
    }
    result.with = resolved;
    if (slots.length) result.secrets = slots;
  }
  if (job.expressions) {
    result.values = {};
    for (const [name, expression] of Object.entries(job.expressions)) {
      result.values[name] = toJson(await evaluate(expression, job.context, name));
    }
  }
  return result;
}

interface Resolution {
  context: unknown;
  /** Strings that use secrets, found so far. */
  slots: SecretSlot[];
}

/** Resolves `{{ }}` templates in every string of a JSON value; `at` is where it sits in `with`. */
async function resolve(value: unknown, r: Resolution, at: (string | number)[]): Promise<unknown> {
  if (typeof value === 'string') return resolveString(value, r, at);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(await resolve(value[i], r, [...at, i]));
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = await resolve(child, r, [...at, key]);
    return out;
  }
  return value;
}

/** A `{{ secrets.NAME }}` part becomes `***` here and a slot piece for the activity to fill in. */
async function resolveString(source: string, r: Resolution, at: (string | number)[]): Promise<unknown> {
  const parts = parseTemplate(source);
  const label = `template in "with${at.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')}"`;
  const first = parts[0];
  // A string that is one template keeps the value's JSON type (a number, an object...).
  if (isWholeExpression(parts) && first?.kind === 'expr' && secretReference(first.expression) === undefined)
    return toJson(await evaluate(first.expression, r.context, label));
  let text = '';
  const pieces: SecretSlot['pieces'] = [];
  for (const part of parts) {
    const secret = part.kind === 'expr' ? secretReference(part.expression) : undefined;
    if (secret !== undefined) {
      pieces.push(text, { secret });
      text = '';
    } else if (part.kind === 'text') text += part.text;
    else {
      const value = toJson(await evaluate(part.expression, r.context, label));
      text += value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  if (pieces.length === 0) return text;
  pieces.push(text);
  r.slots.push({ path: at, pieces: pieces.filter((p) => p !== '') });
  return pieces.map((p) => (typeof p === 'string' ? p : SECRET_MASK)).join('');
}

async function evaluate(expression: string, context: unknown, label: string): Promise<unknown> {
  try {
    return await parsed(expression).evaluate(context);
  } catch (err) {
    throw new Error(`${label}: ${describe(err)}`, { cause: err });
  }
}

function parsed(expression: string): jsonata.Expression {
  const hit = PARSED.get(expression);
  if (hit) return hit;
  const fresh = jsonata(expression);
  if (expression.length <= MAX_PARSED_LENGTH) PARSED.set(expression, fresh);
  return fresh;
}

/** JSONata's sequences and undefined become plain JSON (undefined → null). */
function toJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value) ?? 'null');
}

/** JSONata's boolean rules: empty strings, arrays, objects, 0, null and undefined are false. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(truthy);
  if (value && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? String(err);
  return e?.code && !message.startsWith(e.code) ? `${e.code}: ${message}` : message;
}
