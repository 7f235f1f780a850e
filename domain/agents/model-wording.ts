import { LOCAL_MODEL_REF, MODEL_REF, type ModelConfig } from '../../infra/config.ts';

/** The provider every install has (the offline model). */
export const LOCAL_PROVIDER = LOCAL_MODEL_REF.split('/')[0]!;

/** The model an agent calls: its own, else the deployment's default. */
export function effectiveModel(models: ModelConfig, model: string | null): string {
  return model ?? models.defaultModel;
}

/** Every provider an agent may name: `local` always, then the configured ones. */
export function providerChoices(models: ModelConfig): string[] {
  return [LOCAL_PROVIDER, ...Object.keys(models.providers).sort()];
}

/** The provider part of `<provider>/<model>`. */
export const providerOf = (model: string): string => model.split('/')[0]!;

/** Whether `model` is `<provider>/<model>` with a provider this deployment has. */
export function isConfiguredModel(models: ModelConfig, model: string): boolean {
  return MODEL_REF.test(model) && providerChoices(models).includes(providerOf(model));
}

/**
 * A sentence saying which model an agent uses, appended to its description in listings: a caller
 * picking an agent should know whether it gets a hosted model or the small offline one.
 */
export function modelSentence(model: string): string {
  if (providerOf(model) === LOCAL_PROVIDER) {
    return `Uses ${model}, the small offline model (weak answers; configure a provider, see README).`;
  }
  return `Uses ${model}.`;
}

/** `description` followed by the model sentence. */
export function describeWithModel(description: string, model: string): string {
  const text = description.trim();
  if (text === '') return modelSentence(model);
  return `${/[.!?]$/.test(text) ? text : `${text}.`} ${modelSentence(model)}`;
}
