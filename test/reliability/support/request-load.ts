/** One answered request of a load: which sender sent it and the status it got (0: no answer at all). */
export interface LoadAnswer {
  readonly sender: number;
  readonly status: number;
}

/**
 * A steady request load: `concurrency` loops, each sending its next request as soon as the last one
 * was answered, taking the senders in turn. Phases of a test are counted in answers, not in time.
 */
export interface RequestLoad {
  /** Resolves once `count` more requests have been answered, counted from this call. */
  served(count: number): Promise<void>;
  /** Lets the requests in flight finish, sends no more, and returns every answer in order. */
  stop(): Promise<LoadAnswer[]>;
}

export function startLoad(
  senders: readonly (() => PromiseLike<{ status: number }>)[],
  concurrency: number,
): RequestLoad {
  const answers: LoadAnswer[] = [];
  const waiters: { until: number; resolve(): void }[] = [];
  let next = 0;
  let stopping = false;
  const loop = async () => {
    while (!stopping) {
      const sender = next++ % senders.length;
      const status = await Promise.resolve(senders[sender]!()).then(
        (res) => res.status,
        () => 0,
      );
      answers.push({ sender, status });
      for (const w of waiters.filter((w) => answers.length >= w.until)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    served: (count) =>
      new Promise((resolve) => {
        waiters.push({ until: answers.length + count, resolve });
      }),
    async stop() {
      stopping = true;
      await Promise.all(loops);
      return answers;
    },
  };
}
