// The portal's modules: no import cycle between them, and every name a
// module exports is used by another (or by these tests).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

const dir = new URL('../../components/portal/assets/', import.meta.url);
const read = (f) => readFileSync(new URL(f, dir), 'utf8');
const modules = Object.fromEntries(
  readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => [f, read(f)]),
);
const testSources = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.test.mjs'))
  .map((f) => readFileSync(new URL(f, import.meta.url), 'utf8'))
  .join('\n');

// What a module imports: each named import, and each namespace import as
// `ns` with the names it reads off it.
function imports(source) {
  const out = [];
  for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'\.\/([\w.]+)'/g)) {
    const names = m[1]
      .split(',')
      .map((n) => n.trim().split(/\s+as\s+/)[0])
      .filter(Boolean);
    out.push({ from: m[2], names });
  }
  for (const m of source.matchAll(/import\s*\*\s*as\s+(\w+)\s+from\s*'\.\/([\w.]+)'/g)) {
    const names = [...source.matchAll(new RegExp(`\\b${m[1]}\\.(\\w+)`, 'g'))].map((u) => u[1]);
    out.push({ from: m[2], names });
  }
  return out;
}

function exported(source) {
  return [
    ...[...source.matchAll(/^export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+(\w+)/gm)].map(
      (m) => m[1],
    ),
    ...[...source.matchAll(/^export\s*\{([^}]*)\}/gm)].flatMap((m) =>
      m[1]
        .split(',')
        .map((n) =>
          n
            .trim()
            .split(/\s+as\s+/)
            .pop(),
        )
        .filter(Boolean),
    ),
  ];
}

// A cycle through `graph`, as the modules in order, or null.
export function cycle(graph) {
  const state = {};
  const path = [];
  const visit = (node) => {
    if (state[node] === 'done') return null;
    if (state[node] === 'open') return [...path.slice(path.indexOf(node)), node];
    state[node] = 'open';
    path.push(node);
    for (const next of graph[node] || []) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state[node] = 'done';
    return null;
  };
  for (const node of Object.keys(graph)) {
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

test('the cycle check finds a cycle and passes a tree', () => {
  assert.deepEqual(cycle({ 'a.js': ['b.js'], 'b.js': ['a.js'] }), ['a.js', 'b.js', 'a.js']);
  assert.equal(cycle({ 'a.js': ['b.js'], 'b.js': [] }), null);
});

test('no module imports itself back through another', () => {
  const graph = Object.fromEntries(
    Object.entries(modules).map(([f, s]) => [f, imports(s).map((i) => i.from)]),
  );
  assert.equal(cycle(graph), null);
});

test('every name a module exports is imported somewhere', () => {
  const used = new Set();
  for (const source of Object.values(modules)) {
    for (const i of imports(source)) for (const n of i.names) used.add(`${i.from}:${n}`);
  }
  const unused = Object.entries(modules).flatMap(([f, s]) =>
    exported(s).filter((n) => !used.has(`${f}:${n}`) && !testSources.includes(n)),
  );
  assert.deepEqual(unused, []);
});
