import type {
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  Message,
  Part,
  SendMessageRequest,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import { TaskState } from '@a2a-js/sdk';
import {
  A2AError,
  RequestMalformedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from '@a2a-js/sdk/errors';
import { A2A_LEGACY_PROTOCOL_VERSION } from '@a2a-js/sdk/compat/v0_3';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import { AppError, ForbiddenError } from '../core/errors.ts';
import { listAgents } from '../domain/agents/agents.service.ts';
import { listDefinitions } from '../domain/definitions/definitions.service.ts';
import { startChat } from '../domain/jobs/chat.service.ts';
import { cancelJob } from '../domain/jobs/job-cancel.service.ts';
import { awaitJobSettled } from '../domain/jobs/job-wait.ts';
import { continueJob, JobNotWaitingError } from '../domain/jobs/job-input.service.ts';
import { type PushConfig, TaskPushConfigs } from '../domain/tasks/push-configs.ts';
import { agentContextWithFiles, workflowInputWithFiles } from '../domain/tasks/task-file-inputs.ts';
import { receiveTaskFiles, storeTaskFiles, type TaskFileRecord } from '../domain/tasks/task-files.ts';
import type { JobInput } from '../core/agents/turn-contract.ts';
import { cancelRun } from '../domain/runs/run-cancel.service.ts';
import { startRun } from '../domain/runs/run-start.service.ts';
import { protocolMessage } from '../domain/tasks/task-parts.ts';
import { listTasks } from '../domain/tasks/task-list.ts';
import {
  isJobTask,
  loadTask,
  TASK_KIND_SCOPES,
  taskKindOf,
  type TaskKind,
} from '../domain/tasks/task-view.ts';
import type { Caller } from '../domain/tenants/caller.ts';
import type { DoorDeps } from '../http/door-deps.ts';
import { extendedAgentCard } from './agent-card.ts';
import { callerOf, refusal, stopOf } from './call-context.ts';
import { messageInput, messageTarget, type MessageInput, type MessageTarget } from './message-target.ts';
import { endsStream, isFinished, LONGEST_WAIT_MS, taskEvents } from './task-events.ts';

/** The doors' shared deps (its registries start runs and resolve agents), and the card it serves. */
export interface TaskHandlerDeps extends DoorDeps {
  readonly card: AgentCard;
}

const DEFAULT_PAGE_SIZE = 50;

/**
 * A2A methods over the domain: a task is a job or run of the caller's workspace, started, read,
 * waited for and cancelled as the External API does it; nothing is kept in the API process, so any
 * API process serves any task and a restart loses none. Validation follows the SDK's
 * DefaultRequestHandler so clients see the same errors.
 */
export class TaskRequestHandler implements A2ARequestHandler {
  readonly #deps: TaskHandlerDeps;

  constructor(deps: TaskHandlerDeps) {
    this.#deps = deps;
  }

  getAgentCard(): Promise<AgentCard> {
    return Promise.resolve(this.#deps.card);
  }

  async getAuthenticatedExtendedAgentCard(
    _p: GetExtendedAgentCardRequest,
    context: ServerCallContext,
  ): Promise<AgentCard> {
    const { workspaceId } = callerOf(context);
    const em = this.#deps.services.orm.em.fork();
    const [agents, workflows] = await Promise.all([
      listAgents(em.fork(), this.#deps.services.config.models, workspaceId),
      listDefinitions(em.fork(), workspaceId, { status: 'active', order: 'name' }),
    ]);
    return extendedAgentCard(
      this.#deps.card,
      agents.filter((a) => a.type === 'custom'),
      workflows,
    );
  }

  async sendMessage(params: SendMessageRequest, context: ServerCallContext): Promise<Message | Task> {
    const task = await this.#start(params, context);
    const stop = stopOf(context);
    if (params.configuration?.returnImmediately !== true && !endsStream(task)) {
      if (isJobTask(task)) await awaitJobSettled(this.#deps.services, task.id, stop);
      else await this.#deps.runEnds.waitForEnd(task.id, LONGEST_WAIT_MS, stop);
    }
    const now = await this.#task(context, task.id);
    if (now.status?.state === TaskState.TASK_STATE_COMPLETED && now.metadata?.replyAsMessage) {
      return protocolMessage(
        'agent',
        { messageId: `${now.id}-reply`, taskId: '', contextId: now.contextId },
        answerParts(now),
      );
    }
    return withHistoryLength(now, params.configuration?.historyLength);
  }

  async *sendMessageStream(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse> {
    const task = await this.#start(params, context);
    yield* taskEvents(this.#deps, callerOf(context).workspaceId, task.id, stopOf(context));
  }

  async getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    return withHistoryLength(await this.#task(context, params.id), params.historyLength);
  }

  async listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    const pageSize = params.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      throw new RequestMalformedError('pageSize must be between 1 and 100');
    }
    if (params.status !== undefined && !(params.status in TaskState)) {
      throw new RequestMalformedError(`Invalid status filter: ${String(params.status)}`);
    }
    const statusAfter = params.statusTimestampAfter ? new Date(params.statusTimestampAfter) : undefined;
    if (statusAfter && isNaN(statusAfter.getTime())) {
      throw new RequestMalformedError('statusTimestampAfter must be a valid ISO 8601 date string');
    }
    const caller = callerOf(context);
    const kinds = (Object.keys(TASK_KIND_SCOPES) as TaskKind[]).filter((k) =>
      caller.scopes.includes(TASK_KIND_SCOPES[k]),
    );
    const page = await this.#protocolErrors(() =>
      listTasks(this.#deps.services.orm.em.fork(), caller.workspaceId, {
        kinds,
        contextId: params.contextId || undefined,
        state: params.status === TaskState.TASK_STATE_UNSPECIFIED ? undefined : params.status,
        statusAfter,
        pageSize,
        pageToken: params.pageToken || undefined,
        includeArtifacts: params.includeArtifacts ?? false,
      }),
    );
    return {
      tasks: page.tasks.map((t) => withHistoryLength(t, params.historyLength)),
      nextPageToken: page.nextPageToken,
      pageSize,
      totalSize: page.totalSize,
    };
  }

  async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    const caller = callerOf(context);
    const task = await this.#task(context, params.id);
    if (task.status?.state === TaskState.TASK_STATE_CANCELED) return task;
    if (isFinished(task)) {
      throw new TaskNotCancelableError(`Task not cancelable: ${params.id}`);
    }
    const { services } = this.#deps;
    await this.#protocolErrors(async () => {
      if (isJobTask(task)) await cancelJob(services, caller.workspaceId, task.id);
      else await cancelRun(services, caller.workspaceId, task.id);
    });
    const after = await this.#task(context, params.id);
    if (after.status?.state !== TaskState.TASK_STATE_CANCELED) {
      throw new TaskNotCancelableError(`Task not cancelable: ${params.id}`);
    }
    return after;
  }

  async *resubscribe(
    params: SubscribeToTaskRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse> {
    const task = await this.#task(context, params.id);
    if (isFinished(task)) {
      throw new UnsupportedOperationError(
        `Task ${task.id} is in a terminal state and cannot be subscribed to.`,
      );
    }
    yield* taskEvents(this.#deps, callerOf(context).workspaceId, task.id, stopOf(context));
  }

  async createTaskPushNotificationConfig(
    params: TaskPushNotificationConfig,
    context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    await this.#ownTask(context, params.taskId);
    return this.#savePushConfig(context, params.taskId, params);
  }

  async getTaskPushNotificationConfig(
    params: GetTaskPushNotificationConfigRequest,
    context: ServerCallContext,
  ): Promise<TaskPushNotificationConfig> {
    const { workspaceId } = await this.#ownTask(context, params.taskId);
    const cfg = await this.#pushConfigs().get(workspaceId, params.taskId, params.id);
    if (!cfg) {
      throw new TaskNotFoundError(
        `Push notification config with id '${params.id}' not found for task ${params.taskId}.`,
      );
    }
    return protocolPushConfig(cfg);
  }

  async listTaskPushNotificationConfigs(
    params: ListTaskPushNotificationConfigsRequest,
    context: ServerCallContext,
  ): Promise<ListTaskPushNotificationConfigsResponse> {
    const { workspaceId } = await this.#ownTask(context, params.taskId);
    const configs = await this.#pushConfigs().list(workspaceId, params.taskId);
    return { configs: configs.map(protocolPushConfig), nextPageToken: '' };
  }

  async deleteTaskPushNotificationConfig(
    params: DeleteTaskPushNotificationConfigRequest,
    context: ServerCallContext,
  ): Promise<void> {
    const { workspaceId } = await this.#ownTask(context, params.taskId);
    await this.#pushConfigs().delete(workspaceId, params.taskId, params.id);
  }

  /** The caller, once the task is one of theirs (-32001 otherwise): push configs need a real task. */
  async #ownTask(context: ServerCallContext, taskId: string): Promise<Caller> {
    await this.#task(context, taskId);
    return callerOf(context);
  }

  #pushConfigs(): TaskPushConfigs {
    return new TaskPushConfigs(this.#deps.services.orm.em.fork());
  }

  /**
   * A domain refusal as the protocol's error: a client mistake (4xx) as invalid params with its
   * message, a refusal the API answers 402/429/5xx with as an internal error with its (safe)
   * message; anything else is logged and never shown (driver messages carry SQL and addresses).
   */
  async #protocolErrors<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof A2AError) throw err;
      if (!(err instanceof AppError)) {
        this.#deps.services.log.error({ err }, 'A2A call failed');
        throw new A2AError('Internal error');
      }
      if (err.status < 500 && err.status !== 402 && err.status !== 429)
        throw new RequestMalformedError(err.message);
      throw new A2AError(err.message);
    }
  }

  /**
   * The task in the caller's workspace; -32001 for any other id. A task of a kind the key lacks the
   * scope for (an agent's job needs `agents`, a workflow's run `workflows`) is refused with 403, as
   * a message to its target is.
   */
  async #task(context: ServerCallContext, taskId: string): Promise<Task> {
    if (!taskId || taskId.trim() === '') throw new RequestMalformedError('Task ID is required');
    const caller = callerOf(context);
    const task = await loadTask(this.#deps.services.orm.em.fork(), caller.workspaceId, taskId);
    if (!task) throw new TaskNotFoundError(`Task not found: ${taskId}`);
    const scope = TASK_KIND_SCOPES[taskKindOf(task)];
    if (!caller.scopes.includes(scope)) {
      throw refusal(context, new ForbiddenError(`API key lacks the '${scope}' scope this task needs`));
    }
    return task;
  }

  /**
   * Starts the job or run the message asks for, or hands it to the job that waits for it, and
   * returns the task's snapshot. Its files are read first (a bad one refuses the message before
   * anything starts) and kept with the task; a push config sent along is registered on the task.
   */
  async #start(params: SendMessageRequest, context: ServerCallContext): Promise<Task> {
    const message = params.message;
    if (!message?.messageId) throw new RequestMalformedError('message.messageId is required.');
    const caller = callerOf(context);
    const { services } = this.#deps;
    const target = messageTarget(params, services.config.a2aDefaultAgent);
    const input = messageInput(message.parts);
    const taskId = await this.#protocolErrors(async () => {
      const files = await receiveTaskFiles(services.config, input.files);
      const started = await this.#startTarget(context, target, message, input, files);
      await storeTaskFiles(services.orm.em.fork(), caller.workspaceId, started, files);
      return started;
    });
    const push = params.configuration?.taskPushNotificationConfig;
    if (push) await this.#savePushConfig(context, taskId, push);
    return this.#task(context, taskId);
  }

  async #startTarget(
    context: ServerCallContext,
    target: MessageTarget,
    message: Message,
    input: MessageInput,
    files: TaskFileRecord[],
  ): Promise<string> {
    const { services } = this.#deps;
    const caller = callerOf(context);
    if (target.kind === 'continue') {
      await this.#continue(context, target.taskId, message, {
        message: input.text,
        messageId: message.messageId,
        ...(input.data !== undefined || files.length > 0
          ? { context: agentContextWithFiles(input.data ?? null, files) ?? undefined }
          : {}),
      });
      return target.taskId;
    }
    const a2a = {
      message_id: message.messageId,
      ...(message.contextId ? { context_id: message.contextId } : {}),
    };
    if (target.kind === 'workflow') {
      const run = await startRun(this.#deps, caller, target.workflowId, {
        inputData: workflowInputWithFiles(input.data ?? {}, files),
        source: 'a2a',
        a2a,
      });
      return run.id;
    }
    const job = await startChat({ services, agents: this.#deps.agents }, caller, {
      agentId: target.agentId,
      message: input.text,
      context: agentContextWithFiles(input.data ?? null, files) ?? undefined,
      source: 'a2a',
      a2a,
    });
    return job.jobId;
  }

  /** Hands the message to the job waiting for it, with DefaultRequestHandler's checks first. */
  async #continue(
    context: ServerCallContext,
    taskId: string,
    message: Message,
    reply: JobInput,
  ): Promise<void> {
    const task = await this.#task(context, taskId);
    if (isFinished(task)) {
      throw new UnsupportedOperationError(`Task ${task.id} is in a terminal state and cannot be modified.`);
    }
    if (message.contextId && message.contextId !== task.contextId) {
      throw new RequestMalformedError(
        `contextId mismatch: message contextId '${message.contextId}' does not match task '${task.id}' contextId '${task.contextId}'`,
      );
    }
    if (!isJobTask(task))
      throw new UnsupportedOperationError(`Task ${task.id} is a workflow run: it takes no replies`);
    try {
      await continueJob(this.#deps.services, callerOf(context), taskId, reply);
    } catch (err) {
      if (err instanceof JobNotWaitingError) throw new UnsupportedOperationError(err.message);
      throw err;
    }
  }

  /** Saves a push config for the task; its notifications take the format of the caller's A2A version. */
  async #savePushConfig(context: ServerCallContext, taskId: string, cfg: TaskPushNotificationConfig) {
    const legacy = context.requestedVersion === A2A_LEGACY_PROTOCOL_VERSION;
    const saved = await this.#protocolErrors(() =>
      this.#pushConfigs().create(callerOf(context).workspaceId, taskId, {
        protocolVersion: legacy ? '0.3' : '1.0',
        id: cfg.id,
        url: cfg.url,
        token: cfg.token || null,
        authentication: cfg.authentication?.scheme
          ? { scheme: cfg.authentication.scheme, credentials: cfg.authentication.credentials }
          : null,
      }),
    );
    return protocolPushConfig(saved);
  }
}

/** A stored push config as the protocol shows it (the token and credentials go back to their owner). */
function protocolPushConfig(cfg: PushConfig): TaskPushNotificationConfig {
  return {
    tenant: '',
    id: cfg.id,
    taskId: cfg.taskId,
    url: cfg.url,
    token: cfg.token ?? '',
    authentication: cfg.authentication
      ? { scheme: cfg.authentication.scheme, credentials: cfg.authentication.credentials ?? '' }
      : undefined,
  };
}

/** A finished task's answer as a message's parts: the parts of its artifacts. */
function answerParts(task: Task): Part[] {
  return task.artifacts.flatMap((a) => a.parts);
}

/** `historyLength` as DefaultRequestHandler applies it: absent all, 0 or less none, else the latest N. */
function withHistoryLength(task: Task, historyLength: number | undefined): Task {
  if (historyLength === undefined) return task;
  return { ...task, history: historyLength <= 0 ? [] : task.history.slice(-historyLength) };
}
