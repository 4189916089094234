/**
 * The rule table, docs/diagnoses.md and the catalogue (../shared/RULES.md) name the same ids: a rule missing from
 * the docs, a documented rule that doesn't exist, or a catalogue id without a rule fails here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES } from '../../../src/diagnosis/rules';

const root = path.join(__dirname, '../../..');
const documented = [...fs.readFileSync(path.join(root, 'docs/diagnoses.md'), 'utf8').matchAll(/^### `([a-z0-9-]+)`$/gm)].map((m) => m[1]);
const tableIds = RULES.map((rule) => rule.id);

test('rule ids are unique and each lives in a file named after it', () => {
  expect(new Set(tableIds).size).toBe(tableIds.length);
  for (const id of tableIds) expect(fs.existsSync(path.join(root, 'src/diagnosis/rules', `${id}.ts`))).toBe(true);
});

test('every rule is documented in docs/diagnoses.md, and the docs name no rule that does not exist', () => {
  expect([...documented].sort()).toEqual([...tableIds].sort());
});

test('every documented rule has its detects / example / what-to-do parts', () => {
  const text = fs.readFileSync(path.join(root, 'docs/diagnoses.md'), 'utf8');
  for (const id of tableIds) {
    const section = text.split(`### \`${id}\``)[1].split('\n### ')[0];
    expect(section).toMatch(/\*\*Detects:\*\*/);
    expect(section).toMatch(/\*\*Example:\*\*/);
    expect(section).toMatch(/\*\*What to do:\*\*/);
  }
});

// The catalogue lives beside the repository (../shared) in this project's workspace and CI.
const catalogue = path.join(root, '../shared/RULES.md');
const describeCatalogue = fs.existsSync(catalogue) ? describe : describe.skip;
describeCatalogue('the catalogue in ../shared/RULES.md', () => {
  test('has exactly the rules of the table', () => {
    const ids = [...fs.readFileSync(catalogue, 'utf8').matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    expect([...ids].sort()).toEqual([...tableIds].sort());
  });
});
