import { createApiKey } from '../domain/keys/api-keys.service.ts';
import type { WorkflowGraph } from '../core/dag/definition.ts';
import { User, WorkflowDefinition, WorkflowVersion, Workspace } from '../db/entities/index.ts';
import type { MikroORM } from '../db/orm.ts';

export const DEMO_WORKSPACE = 'demo';
export const DEMO_OWNER_EMAIL = 'demo@dagen.local';
export const DEMO_WORKFLOW = 'hello';

/** What the first `dagen start` created; the key's plaintext exists only in this object. */
export interface DemoBootstrap {
  readonly workspaceId: string;
  readonly ownerId: string;
  readonly workflowId: string;
  readonly apiKeyId: string;
  readonly apiKey: string;
}

const HELLO_GRAPH: WorkflowGraph = {
  nodes: [
    {
      id: 'greet',
      type: 'transform',
      name: 'Greet',
      with: { expression: '"Hello, " & (input.name ? input.name : "world") & "!"' },
    },
  ],
};
const HELLO_INPUT_SCHEMA = { type: 'object', properties: { name: { type: 'string' } } };

/**
 * On a database without any workspace (the first start), creates the demo workspace, its owner, an
 * active one-node workflow and a key with both scopes, in one transaction. Returns undefined when
 * the database already had workspaces, so a restart never mints another key.
 */
export async function bootstrapDemo(orm: MikroORM, pepper: string): Promise<DemoBootstrap | undefined> {
  return orm.em.fork().transactional(async (em) => {
    // Two processes starting on one fresh database must not both create the demo.
    await em.execute('select pg_advisory_xact_lock(hashtext(?))', ['dagen-demo']);
    if ((await em.count(Workspace, {})) > 0) return undefined;
    const workspace = em.create(Workspace, { name: DEMO_WORKSPACE });
    const owner = em.create(User, { workspaceId: workspace.id, email: DEMO_OWNER_EMAIL });
    const workflow = em.create(WorkflowDefinition, {
      workspaceId: workspace.id,
      name: DEMO_WORKFLOW,
      description: 'Greets input_data.name: a one-node transform to try the run API with.',
      status: 'active',
      version: 1,
      graph: { ...HELLO_GRAPH },
      inputSchema: HELLO_INPUT_SCHEMA,
    });
    em.create(WorkflowVersion, {
      workflowId: workflow.id,
      version: 1,
      graph: { ...HELLO_GRAPH },
      inputSchema: HELLO_INPUT_SCHEMA,
    });
    await em.flush();
    const key = await createApiKey(em, pepper, {
      workspaceId: workspace.id,
      ownerId: owner.id,
      name: 'demo key',
      scopes: ['agents', 'workflows'],
    });
    return {
      workspaceId: workspace.id,
      ownerId: owner.id,
      workflowId: workflow.id,
      apiKeyId: key.id,
      apiKey: key.plaintext,
    };
  });
}
