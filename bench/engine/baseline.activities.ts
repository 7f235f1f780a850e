/** The baseline's one light activity: comparable to a transform node's expression. */
export function createBaselineActivities() {
  return {
    async double(n: number): Promise<number> {
      return n * 2;
    },
  };
}

export type BaselineActivities = ReturnType<typeof createBaselineActivities>;
