/**
 * lib/ imports flow one way: no file reaches itself through its imports, type-only imports
 * included (a type cycle is the first step of a runtime one, and a maintainer cannot tell which
 * file owns a concern when two files lean on each other). Also guards the tree-shaking that a
 * user without cache, auth or offline relies on: a cycle makes bundlers keep both sides.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const LIB = resolve(__dirname, '../../lib');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports and re-exports of one file, resolved to files of lib/. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .filter(({ fileName }) => fileName.startsWith('.'))
    .map(({ fileName }) => resolve(dirname(file), fileName))
    .map((base) => [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate)))
    .filter((path): path is string => path !== undefined);
}

/** Every cycle met by a depth-first walk, each written `a.ts -> b.ts -> a.ts`. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    path.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node);
  return cycles;
}

describe('the import graph of lib/', () => {
  const graph = new Map(sourceFiles(LIB).map((file) => [file, importsOf(file)] as const));

  it('sees the files and their imports', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get(join(LIB, 'client.ts'))).toContain(join(LIB, 'client-config.ts'));
  });

  it('has no cycle, type-only imports included', () => {
    const cycles = findCycles(graph).map((cycle) => cycle.map((file) => relative(LIB, file)).join(' -> '));
    expect(cycles).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const looped = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', []],
    ]);
    expect(findCycles(looped)).toEqual([['a', 'b', 'c', 'a']]);
  });
});
