// Pure: what the progress query and the run's current details say as a run moves on.
import { RunProgress } from '../../core/engine/run-progress.ts';
import type { NodeSpec } from '../../core/dag/definition.ts';

const node = (id: string, type: NodeSpec['type']): NodeSpec => ({ id, type, with: {} });

describe('RunProgress', () => {
  it('counts finished and skipped nodes, lists what is in flight and what failed', () => {
    const details: string[] = [];
    const progress = new RunProgress((p) => details.push(p.details()));
    const nodes = [node('a', 'http'), node('b', 'delay'), node('c', 'transform'), node('d', 'transform')];
    progress.begin(nodes);
    progress.started(nodes[0]!);
    progress.started(nodes[1]!);
    progress.finished(['c', 'd'], 'skipped');
    expect(details.at(-1)).toBe(
      '**running** · 2 of 4 nodes done (2 skipped)\n**in flight** a (http), b (delay)',
    );
    progress.failed({ nodeId: 'a', error: 'HTTP 500' });
    progress.cancelled('b');
    expect(progress.snapshot()).toEqual({
      status: 'running',
      total: 4,
      done: 2,
      skipped: 2,
      running: [],
      failed: [{ nodeId: 'a', error: 'HTTP 500' }],
    });
    progress.end('failed');
    expect(details.at(-1)).toBe('**failed** · 2 of 4 nodes done (2 skipped)\n**failed** a: HTTP 500');
  });

  it('hands out copies: a snapshot never changes afterwards', () => {
    const progress = new RunProgress(() => undefined);
    progress.begin([node('a', 'http')]);
    progress.started(node('a', 'http'));
    const before = progress.snapshot();
    progress.end('cancelled');
    expect(before).toMatchObject({ status: 'running', running: [{ id: 'a', type: 'http' }] });
  });
});
