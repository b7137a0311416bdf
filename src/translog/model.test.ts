/** Entry encoding: RFC 8785 canonical bytes, and salted commitments that open only with their salt and value. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { canonicalBytes, commit, type NewEntry, opens, SALT_BYTES, sealEntry } from './model.ts'

test('canonical JSON sorts keys by UTF-16 code units and writes numbers as ECMAScript does (RFC 8785 §3.2)', () => {
  // The key-sorting example of RFC 8785 §3.2.3: the emoji (a surrogate pair, 0xD83D…) sorts
  // before U+FB33, which a sort by code points would get the other way round.
  const keys = {
    '\u20ac': 'Euro Sign',
    '\r': 'Carriage Return',
    '\ufb33': 'Hebrew Letter Dalet With Dagesh',
    '1': 'One',
    '\ud83d\ude00': 'Emoji: Grinning Face',
    '\u0080': 'Control',
    '\u00f6': 'Latin Small Letter O With Diaeresis',
  }
  // Read the order off the text: JSON.parse would list the integer-like key "1" first anyway.
  const text = canonicalBytes(keys).toString('utf8')
  const order = [...text.matchAll(/:"([^"]+)"/g)].map((m) => m[1])
  assert.deepEqual(order, [
    'Carriage Return',
    'One',
    'Control',
    'Latin Small Letter O With Diaeresis',
    'Euro Sign',
    'Emoji: Grinning Face',
    'Hebrew Letter Dalet With Dagesh',
  ])

  assert.equal(
    // biome-ignore lint/correctness/noPrecisionLoss: RFC 8785's own sample number; how it serialises is the point
    canonicalBytes({ b: [1e21, 1e-7, 0.000001, -0, 333333333.33333329], a: 'é\n' }).toString(
      'utf8',
    ),
    '{"a":"é\\n","b":[1e+21,1e-7,0.000001,0,333333333.3333333]}',
  )
  assert.equal(
    canonicalBytes({ z: 1, y: { d: null, c: true } }).toString('utf8'),
    '{"y":{"c":true,"d":null},"z":1}',
  )
})

test('canonical JSON refuses what JSON cannot carry', () => {
  assert.throws(() => canonicalBytes(Number.NaN), /NaN/)
  assert.throws(() => canonicalBytes({ x: Number.POSITIVE_INFINITY }), /Infinity/)
  assert.throws(() => canonicalBytes(undefined), /JSON value/)
  assert.throws(() => canonicalBytes('\ud800'), /surrogate/i)
})

test('a commitment opens with its salt and value, and with nothing else', () => {
  const salt = Buffer.alloc(SALT_BYTES, 7)
  const c = commit(salt, 'atlas-3')
  assert.match(c, /^[0-9a-f]{64}$/)
  assert.ok(opens(c, salt, 'atlas-3'))
  assert.ok(!opens(c, salt, 'atlas-4'))
  assert.ok(!opens(c, Buffer.alloc(SALT_BYTES, 8), 'atlas-3'))
  assert.throws(() => commit(Buffer.alloc(4), 'x'), /32 bytes/)
})

test('sealing replaces confidential fields by commitments and hands the salts back', () => {
  let n = 0
  const salt = () => Buffer.alloc(SALT_BYTES, ++n)
  const input: NewEntry = {
    type: 'submission.registered',
    subjects: [{ kind: 'submission', id: 'sub_1' }],
    actor: { orgId: 'org_1', role: 'lab_member' },
    at: '2026-11-02T00:00:00.000Z',
    data: { modelName: 'Atlas' },
    confidential: { modelId: 'atlas-3', endpointBaseUrl: 'https://api.lab.example/v1' },
  }
  const { entry, salts } = sealEntry(input, salt)
  assert.equal('confidential' in entry, false)
  assert.deepEqual(Object.keys(entry.commitments!), ['endpointBaseUrl', 'modelId'])
  assert.ok(!canonicalBytes(entry).toString('utf8').includes('atlas-3'))
  assert.ok(
    opens(entry.commitments!.modelId!, Buffer.from(salts.modelId!, 'hex'), 'atlas-3'),
    'the returned salt opens the published commitment',
  )
  assert.throws(
    () => sealEntry({ ...input, data: { modelId: 'x' } }, salt),
    /both public data and confidential/,
  )
  assert.deepEqual(sealEntry({ ...input, confidential: {} }, salt).salts, {})
})
