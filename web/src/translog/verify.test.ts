/** The browser's inclusion verifier against transparency-dev's RFC 6962 / 9162 vectors. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import {
  checkInclusion,
  fromBase64,
  leafHash,
  nodeHash,
  parseCheckpoint,
  toHex,
  VerifyError,
  verifyInclusion,
  verifyNoteSignature,
} from './verify.ts'

interface Case {
  leafIdx: number
  treeSize: number
  root: string
  leafHash: string
  proof: string[] | null
  desc: string
  wantErr: boolean
}

const vectors = readFileSync(
  new URL('../../../src/translog/fixtures/merkle/inclusion.jsonl', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { path: string; case: Case })

describe('transparency-dev inclusion vectors', () => {
  test('all 98 cases are read: 6 valid, 92 corrupted', () => {
    assert.equal(vectors.length, 98)
    assert.equal(vectors.filter((v) => !v.case.wantErr).length, 6)
  })

  for (const { path, case: c } of vectors) {
    test(`${path}: ${c.wantErr ? 'rejected' : 'verifies'}`, async () => {
      const run = () =>
        verifyInclusion(
          fromBase64(c.leafHash),
          c.leafIdx,
          c.treeSize,
          (c.proof ?? []).map(fromBase64),
          fromBase64(c.root),
        )
      if (c.wantErr) await assert.rejects(run, VerifyError)
      else await run()
    })
  }
})

const bytes = (s: string) => new TextEncoder().encode(s)
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b))

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** A fresh Ed25519 note key: signs a note text, and its verifier key. */
async function noteKey(name: string) {
  const pair = (await crypto.subtle.generateKey('Ed25519', true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const key = concat(
    Uint8Array.of(1),
    new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)),
  )
  const id = new Uint8Array(
    await crypto.subtle.digest('SHA-256', concat(bytes(`${name}\n`), key)),
  ).subarray(0, 4)
  return {
    verifierKey: `${name}+${toHex(id)}+${b64(key)}`,
    sign: async (text: string) => {
      const sig = new Uint8Array(await crypto.subtle.sign('Ed25519', pair.privateKey, bytes(text)))
      return `${text}\n— ${name} ${b64(concat(id, sig))}\n`
    },
  }
}

/** A three-entry log built here: leaves a, b, c; root = H(H(a, b), c); a signed checkpoint. */
async function smallLog() {
  const bodies = ['{"n":0}', '{"n":1}', '{"n":2}'].map(bytes)
  const [a, b, c] = await Promise.all(bodies.map(leafHash))
  const ab = await nodeHash(a!, b!)
  const root = await nodeHash(ab, c!)
  const key = await noteKey('example.org/log')
  const note = await key.sign(`example.org/log\n3\n${b64(root)}\n`)
  return { bodies, leaves: [a!, b!, c!], ab, note, verifierKey: key.verifierKey }
}

describe('checkInclusion', () => {
  test('an entry whose bytes and path lead to the checkpoint root verifies', async () => {
    const log = await smallLog()
    const out = await checkInclusion({
      index: 0,
      body: b64(log.bodies[0]!),
      statedLeafHash: toHex(log.leaves[0]!),
      proof: [toHex(log.leaves[1]!), toHex(log.leaves[2]!)],
      checkpoint: log.note,
      verifierKey: log.verifierKey,
    })
    assert.deepEqual(out.ok ? { index: out.index, size: out.size } : out, { index: 0, size: 3 })
    const last = await checkInclusion({
      index: 2,
      body: b64(log.bodies[2]!),
      statedLeafHash: toHex(log.leaves[2]!),
      proof: [toHex(log.ab)],
      checkpoint: log.note,
      verifierKey: log.verifierKey,
    })
    assert.equal(last.ok, true)
  })

  test('bytes that do not match the stated leaf hash fail, naming why', async () => {
    const log = await smallLog()
    const out = await checkInclusion({
      index: 0,
      body: b64(bytes('{"n":0,"edited":true}')),
      statedLeafHash: toHex(log.leaves[0]!),
      proof: [toHex(log.leaves[1]!), toHex(log.leaves[2]!)],
      checkpoint: log.note,
      verifierKey: log.verifierKey,
    })
    assert.deepEqual(out, {
      ok: false,
      reason: "The entry's bytes do not hash to the leaf hash the server states for it.",
    })
  })

  test('an edited entry, consistently re-hashed, does not reach the signed root', async () => {
    const log = await smallLog()
    const edited = bytes('{"n":9}')
    const out = await checkInclusion({
      index: 0,
      body: b64(edited),
      statedLeafHash: toHex(await leafHash(edited)),
      proof: [toHex(log.leaves[1]!), toHex(log.leaves[2]!)],
      checkpoint: log.note,
      verifierKey: log.verifierKey,
    })
    assert.equal(out.ok, false)
    assert.match(!out.ok ? out.reason : '', /does not lead to the checkpoint's root/)
  })

  test('a malformed checkpoint or proof is a failure with a reason, never a throw', async () => {
    const log = await smallLog()
    const base = {
      index: 0,
      body: b64(log.bodies[0]!),
      statedLeafHash: toHex(log.leaves[0]!),
      proof: [toHex(log.leaves[1]!), toHex(log.leaves[2]!)],
      checkpoint: log.note,
      verifierKey: log.verifierKey,
    }
    for (const bad of [
      { checkpoint: 'example.org/log\nthree\nAAAA\n' },
      { checkpoint: 'example.org/log\n3\n' },
      { checkpoint: 'example.org/log\n3\nAAAA\n' },
      { proof: ['zz'] },
      { proof: [toHex(log.leaves[1]!)] },
      { index: 5 },
      // Signed by another key, or tampered with after signing.
      { verifierKey: (await noteKey('example.org/log')).verifierKey },
      { verifierKey: (await noteKey('other.example/log')).verifierKey },
      { checkpoint: log.note.replace('\n3\n', '\n4\n') },
      { checkpoint: log.note.split('\n\n')[0]! },
    ]) {
      const out = await checkInclusion({ ...base, ...bad })
      assert.equal(out.ok, false, JSON.stringify(bad))
    }
  })
})

describe('verifyNoteSignature', () => {
  const fixture = (name: string) =>
    readFileSync(new URL(`../../../src/translog/fixtures/c2sp/${name}`, import.meta.url), 'utf8')
  const note = fixture('signed-note-example.note')
  const vkey = fixture('signed-note-example.vkey')

  test("C2SP's signed-note example verifies with its published key", async () => {
    assert.equal(await verifyNoteSignature(note, vkey), true)
  })

  test('an edited text, a foreign key or a malformed key is refused', async () => {
    await assert.rejects(
      verifyNoteSignature(note.replace('example message', 'exemplary message'), vkey),
      /does not verify/,
    )
    await assert.rejects(
      verifyNoteSignature(note, (await noteKey('example.com/foo')).verifierKey),
      /no signature by the log's key/,
    )
    await assert.rejects(
      verifyNoteSignature(note, vkey.replace('+530d903a+', '+530d903b+')),
      VerifyError,
    )
    await assert.rejects(verifyNoteSignature(note, 'example.com/foo'), VerifyError)
  })
})

test('parseCheckpoint reads origin, size and root', async () => {
  const { note } = await smallLog()
  const cp = parseCheckpoint(note)
  assert.equal(cp.origin, 'example.org/log')
  assert.equal(cp.size, 3)
  assert.equal(cp.root.length, 32)
})
