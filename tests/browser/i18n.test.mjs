// The portal's words: both languages have the same phrases, and every
// phrase and list the pages ask for exists (a missing one would show its
// key to a citizen).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';

const dir = new URL('../../components/portal/assets/', import.meta.url);
const { dictionaries } = await import(new URL('i18n.js', dir));
const zh = dictionaries.zh;
// The values of a list (`enum.<list>.<value>`) and field labels (`field.<name>`).
const values = (list) => Object.keys(zh).filter((k) => k.startsWith(`enum.${list}.`));
const labelled = (list, value) => `enum.${list}.${value}` in zh;
const sources = readdirSync(dir)
  .filter((f) => f.endsWith('.js') && f !== 'i18n.js')
  .map((f) => readFileSync(new URL(f, dir), 'utf8'))
  .join('\n');

test('Chinese and English have the same phrases', () => {
  assert.deepEqual(Object.keys(dictionaries.en).sort(), Object.keys(dictionaries.zh).sort());
});

test('every phrase a page asks for is in the dictionary', () => {
  const asked = new Set(
    [
      ...sources.matchAll(/\bt\('([a-z_.0-9]+)'/g),
      ...sources.matchAll(/'((?:nav|error)\.[a-z_]+)'\]/g),
    ].map((m) => m[1]),
  );
  const missing = [...asked].filter((k) => !(k in dictionaries.zh));
  assert.deepEqual(missing, []);
});

test('every list of values a page labels exists, each value in both languages', () => {
  const lists = new Set([...sources.matchAll(/enumLabel\('([a-z_]+)'/g)].map((m) => m[1]));
  assert.deepEqual(
    [...lists].filter((l) => values(l).length === 0),
    [],
  );
  for (const key of Object.keys(zh).filter(
    (k) => k.startsWith('enum.') || k.startsWith('field.'),
  )) {
    assert.ok(zh[key] && dictionaries.en[key], key);
  }
});

test('every action of the API has a name and every field of an action a label, in both languages', () => {
  const doc = JSON.parse(
    readFileSync(new URL('../../components/openapi/openapi.json', import.meta.url), 'utf8'),
  );
  const variants = doc.components.schemas.Action.oneOf;
  assert.deepEqual(
    variants.map((v) => v.title).filter((a) => !labelled('action', a)),
    [],
  );
  const props = new Set(
    variants.flatMap((v) => Object.keys(v.properties)).filter((p) => p !== 'action'),
  );
  assert.deepEqual(
    [...props].filter((p) => !(`field.${p}` in zh)),
    [],
  );
  const statuses = doc.components.schemas.Status.enum;
  assert.deepEqual(
    statuses.filter((s) => !labelled('status', s)),
    [],
  );
});
