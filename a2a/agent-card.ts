import type { AgentCard, AgentSkill } from '@a2a-js/sdk';
import { A2A_LEGACY_PROTOCOL_VERSION, duplicateInterfacesForLegacy } from '@a2a-js/sdk/compat/v0_3';
import { LegacyRestTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import { type A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import { BUILTIN_AGENTS } from '../core/builtin-agents.ts';
import type { Config } from '../infra/config.ts';

/** The path of the JSON-RPC endpoint under the public base URL. */
export const A2A_PATH = '/a2a';
/** The security scheme every call needs: the workspace's API key. */
const API_KEY_SCHEME = 'apiKey';
/** The skill that runs any active workflow named by `metadata.workflow_id`. */
export const RUN_WORKFLOW_SKILL = 'run-workflow';
/** A workflow's own skill id on the extended card: `workflow:<id>`. */
export const WORKFLOW_SKILL_PREFIX = 'workflow:';

const TEXT_MODES = ['text/plain', 'application/json'];
const FILE_MODES = ['application/octet-stream'];

export function skill(
  id: string,
  name: string,
  description: string,
  tags: string[],
  inputModes = TEXT_MODES,
): AgentSkill {
  return {
    id,
    name,
    description,
    tags,
    examples: [],
    inputModes: [...inputModes, ...FILE_MODES],
    outputModes: [...TEXT_MODES, ...FILE_MODES],
    securityRequirements: [],
  };
}

const BUILTIN_SKILLS: AgentSkill[] = [
  ...BUILTIN_AGENTS.map((a) => skill(a.id, a.name, a.description, ['agent', 'builtin'])),
  skill(
    RUN_WORKFLOW_SKILL,
    'Run a workflow',
    'Runs one of the workspace’s active workflows, named by `metadata.workflow_id`; a data part is its ' +
      'input, the run’s output comes back as a data artifact.',
    ['workflow'],
  ),
];

/**
 * The public Agent Card: one JSON-RPC interface at PUBLIC_BASE_URL/a2a for A2A 1.0 and the same URL
 * for 0.3 clients, the capabilities that really work, and the X-API-Key scheme every call needs.
 */
export function publicAgentCard(config: Config, version: string): AgentCard {
  const url = `${config.publicBaseUrl}${A2A_PATH}`;
  return {
    name: 'dagen',
    description:
      'Durable agents and workflows: talk to a builtin or custom agent, or run a workflow. Every task ' +
      'is a job or workflow run of the workspace your API key belongs to.',
    supportedInterfaces: duplicateInterfacesForLegacy(
      [{ url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }],
      ['JSONRPC'],
    ),
    provider: undefined,
    version,
    documentationUrl: `${config.publicBaseUrl}/api/v1/openapi.json`,
    capabilities: { streaming: true, pushNotifications: true, extendedAgentCard: true, extensions: [] },
    securitySchemes: {
      [API_KEY_SCHEME]: {
        scheme: {
          $case: 'apiKeySecurityScheme',
          value: { description: 'A dagen API key (dg_…)', location: 'header', name: 'X-API-Key' },
        },
      },
    },
    securityRequirements: [{ schemes: { [API_KEY_SCHEME]: { list: [] } } }],
    defaultInputModes: [...TEXT_MODES, ...FILE_MODES],
    defaultOutputModes: [...TEXT_MODES, ...FILE_MODES],
    skills: BUILTIN_SKILLS,
    signatures: [],
  };
}

/** The card a key sees: the public one plus its workspace's custom agents and active workflows. */
export function extendedAgentCard(
  card: AgentCard,
  agents: readonly { id: string; name: string; description: string }[],
  workflows: readonly { id: string; name: string; description: string }[],
): AgentCard {
  return {
    ...card,
    skills: [
      ...card.skills,
      ...agents.map((a) => skill(a.id, a.name, a.description, ['agent', 'custom'])),
      ...workflows.map((w) =>
        skill(`${WORKFLOW_SKILL_PREFIX}${w.id}`, w.name, w.description || `Runs the workflow ${w.name}`, [
          'workflow',
        ]),
      ),
    ],
  };
}

/** An A2A 0.3 card, as the SDK's 0.3 doors write it. */
export type LegacyAgentCard = Awaited<
  ReturnType<LegacyRestTransportHandler['getAuthenticatedExtendedAgentCard']>
>;

/**
 * The card as an A2A 0.3 document (`url`, `preferredTransport`, 0.3 `securitySchemes`…), written by
 * the SDK's own translator: it is not exported, but the 0.3 REST door's extended-card method answers
 * whatever card its request handler gives it through that translator. As the SDK's 0.3 card router
 * serves it, the 1.0 interfaces ride along (a 1.0 client that reads it still finds them), and the
 * version is spelt as 0.3 spells it (`0.3.0`).
 */
export async function legacyAgentCard(card: AgentCard): Promise<LegacyAgentCard> {
  const cardOnly: Pick<A2ARequestHandler, 'getAuthenticatedExtendedAgentCard'> = {
    getAuthenticatedExtendedAgentCard: () => Promise.resolve(card),
  };
  const door = new LegacyRestTransportHandler(cardOnly as A2ARequestHandler);
  const legacy = await door.getAuthenticatedExtendedAgentCard(new ServerCallContext());
  return {
    ...legacy,
    protocolVersion: `${A2A_LEGACY_PROTOCOL_VERSION}.0`,
    supportedInterfaces: structuredClone(card.supportedInterfaces),
  } as LegacyAgentCard;
}
