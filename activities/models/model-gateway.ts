import type { ModelMessage } from 'ai';

/** A tool as the model is told about it. */
export interface ModelToolSpec {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
}

export interface ModelCall {
  /** `<provider>/<model>`. */
  readonly model: string;
  readonly system: string;
  readonly messages: readonly ModelMessage[];
  readonly tools: readonly ModelToolSpec[];
  readonly temperature?: number | undefined;
  /** The activity's cancellation: aborts the request in flight. */
  readonly signal: AbortSignal;
  /** Each piece of answer text as the provider streams it. */
  readonly onTextDelta?: (text: string) => void;
}

export interface ModelToolCall {
  readonly callId: string;
  readonly name: string;
  readonly args: unknown;
}

export interface ModelAnswer {
  readonly text: string;
  readonly toolCalls: readonly ModelToolCall[];
  /** As the provider reported them; null when it reported none (unknown, never 0). */
  readonly usage: { readonly inputTokens: number | null; readonly outputTokens: number | null };
  readonly finishReason: string;
}

/** Calls any configured provider's model through the AI SDK (`maxRetries: 0`: Temporal retries). */
export interface ModelGateway {
  /** Throws the errors of activities/models/model-errors.ts; nothing else escapes it. */
  call(call: ModelCall): Promise<ModelAnswer>;
  /** Names a `<provider>/` prefix may take: `local` and every configured provider. */
  providerNames(): readonly string[];
  close(): Promise<void>;
}
