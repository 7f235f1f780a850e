import { ConcurrencyGate } from '../core/concurrency-gate.ts';
import { AgentRegistry } from '../domain/agents/agent-registry.ts';
import { DefinitionHeads } from '../domain/definitions/definition-heads.ts';
import { LastRunRecorder } from '../domain/definitions/last-run-recorder.ts';
import { RunnableVersions } from '../domain/definitions/runnable-versions.ts';
import { RunEndWatcher } from '../domain/runs/run-end-watcher.ts';
import type { Services } from '../infra/services.ts';

/**
 * What the HTTP doors (the External API, A2A) share, built once per app: its services and the caches
 * and listeners that live as long, so a process holds one of each whichever door a call came through.
 */
export interface DoorDeps {
  readonly services: Services;
  readonly versions: RunnableVersions;
  /** Recently started workflows' heads: a start skips reading its definition. */
  readonly heads: DefinitionHeads;
  /** Writes workflows' `last_run_at` after the start answered. */
  readonly lastRuns: LastRunRecorder;
  /** Builtin and custom agents: the cached listing, and what an agent id resolves to. */
  readonly agents: AgentRegistry;
  /** Bounds the run starts in progress (API_MAX_CONCURRENT_STARTS). */
  readonly starts: ConcurrencyGate;
  /** Tells held waits when their run ends, for the whole process. */
  readonly runEnds: RunEndWatcher;
  /** Aborts when the server begins to stop: held waits and open streams then answer as things are. */
  readonly draining: AbortSignal;
}

export interface SharedDoorDeps {
  readonly deps: DoorDeps;
  /** The server is stopping: held waits and streams end now. */
  drain(): void;
  /** Flushes `last_run_at` stamps and stops the run-end listener. */
  close(): Promise<void>;
}

export function createDoorDeps(services: Services): SharedDoorDeps {
  const draining = new AbortController();
  const deps: DoorDeps = {
    services,
    versions: new RunnableVersions(),
    heads: new DefinitionHeads(),
    lastRuns: new LastRunRecorder(services.orm, services.log),
    agents: new AgentRegistry(services.orm, services.config.models, services.config.agentListCacheMs),
    starts: new ConcurrencyGate(services.config.maxConcurrentStarts),
    runEnds: new RunEndWatcher(services.config.databaseUrl!, services.log),
    draining: draining.signal,
  };
  return {
    deps,
    drain: () => draining.abort(),
    close: async () => {
      await deps.runEnds.close();
      await deps.lastRuns.flush();
    },
  };
}
