import { z } from 'zod';
import { BUILTIN_TOOL_NAMES, DEFAULT_MAX_STEPS, MAX_MAX_STEPS } from '../../core/agents/agent-spec.ts';
import { secretReference } from '../../core/dag/secret-refs.ts';
import { BadRequestError } from '../../core/errors.ts';
import { MODEL_REF, type ModelConfig } from '../../infra/config.ts';
import { isConfiguredModel, providerChoices, providerOf } from './model-wording.ts';

/** The saved fields of a custom agent, as its file says them (before they become an AgentSpec). */
export interface AgentDefinition {
  readonly name: string;
  readonly description: string;
  readonly model: string | null;
  readonly systemPrompt: string;
  readonly tools: readonly string[];
  readonly mcpServers: readonly {
    readonly name: string;
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
  }[];
  readonly maxSteps: number;
  readonly temperature: number | null;
}

const MAX_NAME = 100;
const MAX_DESCRIPTION = 2_000;
const MAX_SYSTEM_PROMPT = 100_000;
const MAX_MCP_SERVERS = 10;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const TEMPLATE = /^\{\{(.*)\}\}$/s;

/** A header value is sent as written, or is exactly one whole `{{ secrets.NAME }}` (resolved per turn). */
const headerValue = z
  .string()
  .refine((v) => !/[\r\n\0]/.test(v), 'must not contain line breaks or NUL')
  .refine((v) => {
    if (!v.includes('{{') && !v.includes('}}')) return true;
    const inner = TEMPLATE.exec(v)?.[1];
    return inner !== undefined && secretReference(inner.trim()) !== undefined;
  }, 'a secret must be the whole value, written exactly {{ secrets.NAME }}');

const mcpServer = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9_-]+$/, 'must be lower-case letters, digits, _ and -')
    .max(40),
  url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }),
  headers: z
    .record(z.string().regex(HEADER_NAME, 'header names are HTTP tokens'), headerValue)
    .optional()
    .default({}),
});

function fileSchema(models: ModelConfig) {
  const choices = providerChoices(models);
  return z.strictObject({
    name: z.string().trim().min(1, 'must not be empty').max(MAX_NAME),
    description: z.string().max(MAX_DESCRIPTION).optional().default(''),
    model: z
      .string()
      .regex(MODEL_REF, 'must be <provider>/<model>')
      .refine((m) => isConfiguredModel(models, m), {
        error: (issue) =>
          `provider "${providerOf(String(issue.input))}" is not configured; choose one of: ${choices.join(', ')}`,
      })
      .optional(),
    system_prompt: z.string().max(MAX_SYSTEM_PROMPT).optional().default(''),
    tools: z
      .array(z.enum(BUILTIN_TOOL_NAMES, { error: `must be one of ${BUILTIN_TOOL_NAMES.join(', ')}` }))
      .refine((t) => new Set(t).size === t.length, 'must not repeat a tool')
      .optional()
      .default([]),
    mcp_servers: z
      .array(mcpServer)
      .max(MAX_MCP_SERVERS)
      .refine((s) => new Set(s.map((x) => x.name)).size === s.length, 'server names must be unique')
      .optional()
      .default([]),
    max_steps: z.int().min(1).max(MAX_MAX_STEPS).optional().default(DEFAULT_MAX_STEPS),
    temperature: z.number().min(0).max(2).optional(),
  });
}

/**
 * Reads an agent file (parsed JSON). Throws a BadRequestError whose message is one line naming each
 * problem by its path, e.g. `tools.0: must be one of http_fetch, run_workflow, current_time`.
 */
export function parseAgentFile(doc: unknown, models: ModelConfig): AgentDefinition {
  const parsed = fileSchema(models).safeParse(doc);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const at = i.path.map(String).join('.');
      return at ? `${at}: ${i.message}` : i.message;
    });
    throw new BadRequestError(`Agent file is invalid: ${problems.join('; ')}`, { problems });
  }
  const f = parsed.data;
  return {
    name: f.name,
    description: f.description,
    model: f.model ?? null,
    systemPrompt: f.system_prompt,
    tools: f.tools,
    mcpServers: f.mcp_servers.map((s) => ({ name: s.name, url: s.url, headers: s.headers })),
    maxSteps: f.max_steps,
    temperature: f.temperature ?? null,
  };
}
