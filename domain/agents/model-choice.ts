import { BadRequestError } from '../../core/errors.ts';
import type { ModelConfig } from '../../infra/config.ts';
import { providerChoices } from './model-wording.ts';

/**
 * The model a turn calls: the request's override, else the agent's, else the deployment default.
 * One whose provider is not configured is a 400 listing the choices.
 */
export function chooseModel(models: ModelConfig, agentModel: string | null, override?: string): string {
  const model = override ?? agentModel ?? models.defaultModel;
  const slash = model.indexOf('/');
  const provider = slash > 0 ? model.slice(0, slash) : '';
  const choices = providerChoices(models);
  if (slash <= 0 || slash === model.length - 1 || !choices.includes(provider)) {
    throw new BadRequestError(
      `Unknown model "${model}": use <provider>/<model> with a configured provider (${choices.join(', ')})`,
      { providers: choices },
    );
  }
  return model;
}
