import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Folders import one way: a concept uses the ones below it (runs below invocations, common and
 * database below everything), never back up. A cycle between two folders means neither can be
 * read, tested or changed without the other, so this walks every import and looks for one.
 */
const ROOT = __dirname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function folderOf(path: string): string | undefined {
  const parts = relative(ROOT, path).split(sep);
  return parts.length > 1 ? parts[0] : undefined;
}

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(ROOT)) {
    const from = folderOf(file);
    if (!from) continue;
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const to = folderOf(join(file, '..', specifier));
      if (to && to !== from) graph.set(from, (graph.get(from) ?? new Set()).add(to));
    }
  }
  return graph;
}

/** Every cycle's folders, in import order; none when the graph is layered. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (folder: string): void => {
    state.set(folder, 'open');
    path.push(folder);
    for (const next of graph.get(folder) ?? []) {
      if (state.get(next) === 'open') found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(folder, 'done');
  };
  for (const folder of [...graph.keys()].sort()) if (!state.has(folder)) visit(folder);
  return found;
}

describe('folder imports', () => {
  it('finds the imports between folders', () => {
    // Guards the walk itself: these edges exist, so an empty graph would be a broken test.
    const graph = folderGraph();
    expect(graph.get('invocations')?.has('runs')).toBe(true);
    expect(graph.get('rpc')?.has('actions')).toBe(true);
  });

  it('has no cycle between folders', () => {
    expect(cycles(folderGraph()).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('reports a cycle when there is one', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
    ]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
  });
});
