/** Datasets and bundles: field mapping from JSON, JSONL and CSV; seeded selection; errors naming file, row and field. */
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { loadBundle } from './bundle.ts'
import { DatasetError, loadDataset, parseDataset, selectSamples } from './dataset.ts'
import { createRegistry } from './registry.ts'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

test('JSONL, CSV and JSON rows map onto samples', () => {
  const jsonl = parseDataset(
    '{"q":"2+2?","a":4,"meta":{"topic":"math"}}\n\n{"q":"3+3?","a":["6","six"],"meta":{"topic":"math"}}\n',
    {
      file: 'd.jsonl',
      fields: { input: 'q', target: 'a', category: 'meta.topic' },
    },
  )
  assert.deepEqual(jsonl[0], {
    id: '1',
    input: '2+2?',
    target: ['4'],
    metadata: { category: 'math' },
  })
  assert.deepEqual(jsonl[1]!.target, ['6', 'six'])
  const csv = parseDataset(
    'id,question,A,B,C,answer,level\nx1,"Pick, one",red,green,blue,B,easy\n',
    {
      file: 'd.csv',
      fields: {
        id: 'id',
        input: 'question',
        choices: ['A', 'B', 'C'],
        target: 'answer',
        difficulty: 'level',
      },
    },
  )
  assert.deepEqual(csv[0], {
    id: 'x1',
    input: 'Pick, one',
    choices: ['red', 'green', 'blue'],
    target: ['B'],
    metadata: { difficulty: 'easy' },
  })
  const json = parseDataset(
    JSON.stringify({
      samples: [{ id: 'c', messages: [{ role: 'user', content: 'hi' }], flag: 'flag{a}' }],
    }),
    {
      file: 'd.json',
      fields: { id: 'id', input: 'messages', target: 'flag' },
    },
  )
  assert.deepEqual(json[0]!.input, [{ role: 'user', content: 'hi' }])
})

test('bad rows are refused with the file, line and field named', () => {
  const f = { input: 'q', target: 'a', id: 'id' }
  assert.throws(
    () =>
      parseDataset('{"id":"1","q":"x","a":"y"}\n{"id":"2","q":"x"', { file: 'd.jsonl', fields: f }),
    /d\.jsonl:2: not valid JSON/,
  )
  assert.throws(
    () => parseDataset('{"id":"1","a":"y"}', { file: 'd.jsonl', fields: f }),
    /d\.jsonl:1: field "q" is missing or empty/,
  )
  assert.throws(
    () => parseDataset('{"id":"1","q":{"x":1},"a":"y"}', { file: 'd.jsonl', fields: f }),
    /d\.jsonl:1: field "q" must be text, not object/,
  )
  assert.throws(
    () =>
      parseDataset('{"id":"1","q":"x","a":"y"}\n{"id":"1","q":"x","a":"y"}', {
        file: 'd.jsonl',
        fields: f,
      }),
    /d\.jsonl:2: id "1" repeats the id of the row at line 1/,
  )
  assert.throws(
    () => parseDataset('id,q,a\n1,x,y\n2,"unclosed,y\n', { file: 'd.csv', fields: f }),
    /d\.csv: not valid CSV/,
  )
  assert.throws(
    () =>
      parseDataset('{"id":"1","q":"x","a":"y","o":["only"]}', {
        file: 'd.jsonl',
        fields: { ...f, choices: 'o' },
      }),
    /at least two options/,
  )
  assert.throws(
    () => parseDataset('[1]', { file: 'd.json', fields: f }),
    /d\.json:1: a row must be an object/,
  )
})

test('selection: seeded shuffle is repeatable, limit and ids pick samples', () => {
  const samples = Array.from({ length: 20 }, (_, i) => ({
    id: `s${i}`,
    input: 'x',
    target: [],
    metadata: {},
  }))
  const a = selectSamples(samples, { shuffleSeed: 'seed-1', limit: 5 }).map((s) => s.id)
  const b = selectSamples(samples, { shuffleSeed: 'seed-1', limit: 5 }).map((s) => s.id)
  const c = selectSamples(samples, { shuffleSeed: 'seed-2', limit: 5 }).map((s) => s.id)
  assert.deepEqual(a, b)
  assert.notDeepEqual(a, c)
  assert.equal(a.length, 5)
  assert.deepEqual(
    selectSamples(samples, { ids: ['s3', 's1'] }).map((s) => s.id),
    ['s3', 's1'],
  )
  assert.throws(() => selectSamples(samples, { ids: ['s99'] }), DatasetError)
})

test('bundles load with their files; a malformed bundle names the file and field', async () => {
  const mcq = await loadBundle(path.join(fixtures, 'mini-mcq'))
  assert.equal(mcq.name, 'mini-mcq')
  assert.deepEqual(
    mcq.solver.map((s) => s.name),
    ['system_message', 'multiple_choice'],
  )
  const samples = await mcq.dataset()
  assert.equal(samples.length, 8)
  assert.deepEqual(samples[0]!.metadata, {
    category: 'network',
    difficulty: 'easy',
    group: 'ports',
  })
  const ctf = await loadBundle(path.join(fixtures, 'mini-ctf', 'task.yaml'))
  const [first] = await ctf.dataset()
  assert.match(
    first!.files!['notes.txt']!,
    /flag\{hidden-in-plain-sight\}/,
    '@files/… is read from the bundle folder',
  )
  assert.deepEqual(ctf.limits, { messages: 30, toolCalls: 12, timeSeconds: 120 })

  const dir = mkdtempSync(path.join(tmpdir(), 'ew-bundle-'))
  writeFileSync(
    path.join(dir, 'task.yaml'),
    'name: t\ndataset: { file: d.jsonl, fields: { input: q } }\nsolver: [generate]\nscorers: [{ pattern: 1 }]\n',
  )
  await assert.rejects(loadBundle(dir), /task\.yaml: scorers\.0/)
  writeFileSync(
    path.join(dir, 'task.yaml'),
    'name: t\ndataset: { file: ../../etc/passwd, fields: { input: q } }\nsolver: [generate]\nscorers: [match]\n',
  )
  await assert.rejects(loadBundle(dir), /points outside the bundle folder/)
  writeFileSync(
    path.join(dir, 'task.yaml'),
    'name: t\ndataset: { file: d.jsonl, fields: { input: q } }\nsolver: [generate]\nscorers: [match]\n',
  )
  writeFileSync(path.join(dir, 'd.jsonl'), '{"q":"a"}\n{"x":"b"}\n')
  await assert.rejects((await loadBundle(dir)).dataset(), /d\.jsonl:2: field "q" is missing/)
  await assert.rejects(
    loadDataset({ file: path.join(dir, 'nope.jsonl'), fields: { input: 'q' } }),
    /cannot read the dataset/,
  )
})

test('the registry resolves names and bundle paths', async () => {
  const reg = createRegistry([
    {
      name: 'x',
      description: 'a task',
      create: () => ({ name: 'x', dataset: async () => [], solver: [], scorers: [] }),
    },
  ])
  assert.equal((await reg.resolve('x')).name, 'x')
  assert.equal((await reg.resolve(path.join(fixtures, 'mini-mcq'))).name, 'mini-mcq')
  await assert.rejects(reg.resolve('y'), /no task named "y"/)
  assert.equal(reg.canonical('x'), 'x')
  assert.ok(path.isAbsolute(reg.canonical('./some/bundle')))
})
