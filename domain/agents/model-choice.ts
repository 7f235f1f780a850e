import { BadRequestError } from '../../core/errors.ts';
import type { ModelConfig } from '../../infra/config.ts';
import { isConfiguredModel, providerChoices } from './model-wording.ts';

/**
 * The model a turn calls: the request's override, else the agent's, else the deployment default.
 * One whose provider is not configured is a 400 listing the choices.
 */
export function chooseModel(models: ModelConfig, agentModel: string | null, override?: string): string {
  const model = override ?? agentModel ?? models.defaultModel;
  if (!isConfiguredModel(models, model)) {
    const choices = providerChoices(models);
    throw new BadRequestError(
      `Unknown model "${model}": use <provider>/<model> with a configured provider (${choices.join(', ')})`,
      { providers: choices },
    );
  }
  return model;
}
