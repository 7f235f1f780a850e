import { Client, Connection } from '@temporalio/client';

export interface TemporalClients {
  readonly connection: Connection;
  readonly client: Client;
}

/** Connects the API side (starts, queries, cancels workflows) to a Temporal frontend. */
export async function connectTemporal(address: string, namespace: string): Promise<TemporalClients> {
  const connection = await Connection.connect({ address });
  return { connection, client: new Client({ connection, namespace }) };
}

/** True when the Temporal frontend answers a health check within the timeout. */
export async function temporalHealthy(connection: Connection, timeoutMs = 2000): Promise<boolean> {
  try {
    await connection.withDeadline(Date.now() + timeoutMs, () =>
      connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' }),
    );
    return true;
  } catch {
    return false;
  }
}
