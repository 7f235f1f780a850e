import { SECRET_MASK } from '../../core/dag/secret-refs.ts';

/**
 * Replaces the values of the secrets a node used with `***` in whatever leaves its activity: the
 * output (an upstream may echo a header back), error messages and their causes. Each value is also
 * matched as it appears inside JSON text and in a URL, the forms an echo most often takes.
 */
export class SecretRedactor {
  /** Longest first, so a value that contains another is masked whole. */
  readonly #forms: string[];

  constructor(values: Iterable<string>) {
    const forms = new Set<string>();
    for (const value of values) {
      forms.add(value);
      forms.add(JSON.stringify(value).slice(1, -1));
      forms.add(encodeURIComponent(value));
    }
    forms.delete('');
    this.#forms = [...forms].sort((a, b) => b.length - a.length);
  }

  text(text: string): string {
    let out = text;
    for (const form of this.#forms) out = out.replaceAll(form, SECRET_MASK);
    return out;
  }

  /** A copy of a JSON value with every string (keys included) masked. */
  value<T>(value: T): T {
    if (this.#forms.length === 0) return value;
    return this.#walk(value) as T;
  }

  /**
   * Masks an error in place (message, stack, details, and down its cause chain), so it keeps its
   * class: what a retry policy or a failure converter reads stays as it was, only the text changes.
   */
  error<E>(err: E): E {
    if (this.#forms.length === 0) return err;
    const seen = new Set<unknown>();
    for (let e: unknown = err; e instanceof Error && !seen.has(e); e = e.cause) {
      seen.add(e);
      e.message = this.text(e.message);
      if (e.stack) e.stack = this.text(e.stack);
      const withDetails = e as { details?: unknown };
      if (Array.isArray(withDetails.details)) withDetails.details = this.#walk(withDetails.details);
    }
    return err;
  }

  #walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.#walk(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.text(k), this.#walk(v)]));
    }
    return value;
  }
}
