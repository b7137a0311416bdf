/** Checkpoints against Tessera's real signed checkpoints; cosignatures; malformed bodies. */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import {
  addCheckpointRequest,
  addCosignatures,
  cosign,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  verifyCosignature,
} from './checkpoint.ts'
import {
  formatNote,
  generateSignerKey,
  NoteError,
  parseSignerKey,
  parseVerifierKey,
  SIG_TYPE,
  signNote,
  verifyNote,
} from './note.ts'

const TESSERA_KEY = 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx'
const TESSERA = new URL('./fixtures/tessera/', import.meta.url)
const checkpointFiles = readdirSync(TESSERA).filter((f) => f.startsWith('checkpoint'))
const read = (f: string) => new Uint8Array(readFileSync(new URL(f, TESSERA)))
const EMPTY_ROOT = createHash('sha256').digest()

const isNoteError = (re: RegExp) => (err: unknown) => {
  assert.ok(err instanceof NoteError, `expected NoteError, got ${String(err)}`)
  assert.match(err.message, re)
  return true
}

describe("Tessera's published checkpoints", () => {
  test('all 17 verify with the published key and re-format byte for byte', () => {
    assert.equal(checkpointFiles.length, 17)
    const key = parseVerifierKey(TESSERA_KEY)
    for (const f of checkpointFiles) {
      const bytes = read(f)
      const cp = openCheckpoint(bytes, [key])
      assert.equal(cp.origin, 'example.com/log/testdata', f)
      if (f !== 'checkpoint') assert.equal(cp.size, Number(f.split('.')[1]), f)
      assert.equal(formatCheckpoint(cp), cp.note.text, f)
      assert.equal(formatNote(cp.note), Buffer.from(bytes).toString('utf8'), f)
    }
  })

  test('the empty tree checkpoint has the SHA-256 of nothing as its root', () => {
    const cp = openCheckpoint(read('checkpoint.0'), [parseVerifierKey(TESSERA_KEY)])
    assert.equal(cp.size, 0)
    assert.deepEqual(Buffer.from(cp.root), EMPTY_ROOT)
  })

  test('a changed byte anywhere in any checkpoint fails', () => {
    const key = parseVerifierKey(TESSERA_KEY)
    let checked = 0
    for (const f of ['checkpoint', 'checkpoint.0', 'checkpoint.7']) {
      const bytes = read(f)
      for (let i = 0; i < bytes.length - 1; i++) {
        for (const bit of [0x01, 0x20]) {
          const t = bytes.slice()
          t[i] = t[i]! ^ bit
          assert.throws(() => openCheckpoint(t, [key]), NoteError, `${f} byte ${i} ^ ${bit}`)
          checked++
        }
      }
    }
    assert.ok(checked > 500)
  })

  test('random insertions, deletions and changes never verify and never crash', () => {
    const key = parseVerifierKey(TESSERA_KEY)
    const original = read('checkpoint')
    // A fixed-seed generator, so a failure reproduces.
    let seed = 0x2545f491
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return seed % n
    }
    for (let i = 0; i < 3000; i++) {
      const b = [...original]
      for (let k = 0; k <= rand(3); k++) {
        const at = rand(b.length)
        const op = rand(3)
        if (op === 0) b.splice(at, 1)
        else if (op === 1) b.splice(at, 0, rand(256))
        else b[at] = rand(256)
      }
      const mutated = Uint8Array.from(b)
      if (Buffer.from(mutated).equals(Buffer.from(original))) continue
      assert.throws(() => openCheckpoint(mutated, [key]), NoteError, `mutation ${i}`)
    }
  })

  test('a key for another log is not trusted for these checkpoints', () => {
    const other = parseVerifierKey(generateSignerKey('example.com/log/testdata').verifierKey)
    assert.throws(
      () => openCheckpoint(read('checkpoint'), [other]),
      isNoteError(/not signed by any trusted key/),
    )
  })
})

describe('formatting and parsing', () => {
  test('round trip with extension lines', () => {
    const cp = {
      origin: 'example.com/log',
      size: 42,
      root: new Uint8Array(32).fill(9),
      extensions: ['ext one'],
    }
    const text = formatCheckpoint(cp)
    assert.equal(text, `example.com/log\n42\n${Buffer.from(cp.root).toString('base64')}\next one\n`)
    assert.deepEqual(parseCheckpoint(text), cp)
  })

  test('origin must match the signing key unless another origin is expected', () => {
    const k = generateSignerKey('example.com/key-name')
    const text = formatCheckpoint({ origin: 'example.com/origin', size: 0, root: EMPTY_ROOT })
    const note = signNote(text, parseSignerKey(k.signerKey))
    const v = [parseVerifierKey(k.verifierKey)]
    assert.throws(
      () => openCheckpoint(note, v),
      isNoteError(/origin "example.com\/origin" is not the expected log "example.com\/key-name"/),
    )
    assert.equal(openCheckpoint(note, v, 'example.com/origin').size, 0)
  })

  const root = EMPTY_ROOT.toString('base64')
  const malformed: Array<[string, string, RegExp]> = [
    ['two lines', `o\n0\n`, /needs an origin, a tree size and a root hash/],
    ['no final newline', `o\n0\n${root}`, /end with a newline/],
    ['empty origin', `\n0\n${root}\n`, /origin \(line 1\) is empty/],
    ['leading zero', `o\n042\n${root}\n`, /without leading zeros/],
    ['negative size', `o\n-1\n${root}\n`, /not a decimal number/],
    ['size with plus', `o\n+1\n${root}\n`, /not a decimal number/],
    ['huge size', `o\n18446744073709551615\n${root}\n`, /larger than this verifier supports/],
    ['short root', `o\n1\nAAAA\n`, /is 3 bytes/],
    ['bad base64 root', `o\n1\n${root.replace('4', '*')}\n`, /not valid base64/],
    ['unpadded root', `o\n1\n${root.replace('=', '')}\n`, /not valid base64/],
    ['empty extension', `o\n1\n${root}\n\next\n`, /empty extension line/],
  ]
  for (const [name, text, re] of malformed) {
    test(`refuses ${name}`, () => assert.throws(() => parseCheckpoint(text), isNoteError(re)))
  }

  test('formatting refuses impossible values', () => {
    assert.throws(
      () => formatCheckpoint({ origin: '', size: 0, root: EMPTY_ROOT }),
      isNoteError(/origin/),
    )
    assert.throws(
      () => formatCheckpoint({ origin: 'o', size: 1.5, root: EMPTY_ROOT }),
      isNoteError(/whole number/),
    )
    assert.throws(
      () => formatCheckpoint({ origin: 'o', size: 1, root: new Uint8Array(31) }),
      isNoteError(/32-byte/),
    )
    assert.throws(
      () => formatCheckpoint({ origin: 'o', size: 1, root: EMPTY_ROOT, extensions: ['a\nb'] }),
      isNoteError(/extension/),
    )
  })
})

describe('witness cosignatures (v1, timestamped Ed25519)', () => {
  const witness = generateSignerKey('witness.example/w1', { type: SIG_TYPE.cosignatureV1 })
  const body = formatCheckpoint({ origin: 'example.com/log/testdata', size: 0, root: EMPTY_ROOT })

  test('cosign and verify; the key id uses type 0x04', () => {
    const signer = parseSignerKey(witness.signerKey)
    const v = parseVerifierKey(witness.verifierKey)
    assert.equal(v.type, SIG_TYPE.cosignatureV1)
    const line = cosign(body, signer, 1679315147)
    assert.match(line, /^— witness\.example\/w1 [A-Za-z0-9+/]+=*\n$/)
    assert.equal(Buffer.from(line.trim().split(' ')[2]!, 'base64').length, 4 + 8 + 64)
    assert.deepEqual(verifyCosignature(body, line, v), {
      name: 'witness.example/w1',
      keyId: v.keyId,
      timestamp: 1679315147,
    })
  })

  test('a cosignature appended to a signed checkpoint verifies as a note with the witness key, and is ignored by the log key', () => {
    const log = generateSignerKey('example.com/log/testdata')
    const signed = signNote(body, parseSignerKey(log.signerKey))
    const both = signed + cosign(body, parseSignerKey(witness.signerKey), 1700000000)
    assert.equal(verifyNote(both, [parseVerifierKey(witness.verifierKey)]).verifiedBy.length, 1)
    assert.equal(
      openCheckpoint(both, [parseVerifierKey(log.verifierKey)]).note.signatures.length,
      2,
    )
  })

  test('a changed time, checkpoint or key is refused', () => {
    const v = parseVerifierKey(witness.verifierKey)
    const line = cosign(body, parseSignerKey(witness.signerKey), 1000)
    const raw = Buffer.from(line.trim().split(' ')[2]!, 'base64')
    raw[11] = raw[11]! ^ 1
    const changedTime = `— witness.example/w1 ${raw.toString('base64')}\n`
    assert.throws(() => verifyCosignature(body, changedTime, v), isNoteError(/does not verify/))
    const other = formatCheckpoint({
      origin: 'example.com/log/testdata',
      size: 1,
      root: EMPTY_ROOT,
    })
    assert.throws(() => verifyCosignature(other, line, v), isNoteError(/does not verify/))
    const w2 = parseVerifierKey(generateSignerKey('witness.example/w2', { type: 4 }).verifierKey)
    assert.throws(() => verifyCosignature(body, line, w2), isNoteError(/not from witness key/))
    const plain = parseVerifierKey(generateSignerKey('example.com/plain').verifierKey)
    assert.throws(() => verifyCosignature(body, line, plain), isNoteError(/not a cosignature key/))
    assert.throws(
      () => cosign(body, parseSignerKey(generateSignerKey('example.com/plain').signerKey), 1),
      isNoteError(/not a cosignature key/),
    )
  })
})

describe('tlog-witness add-checkpoint request and response', () => {
  const log = generateSignerKey('example.com/log/w')
  const w1 = generateSignerKey('witness.example/w1', { type: SIG_TYPE.cosignatureV1 })
  const body = formatCheckpoint({ origin: 'example.com/log/w', size: 3, root: EMPTY_ROOT })
  const signed = signNote(body, parseSignerKey(log.signerKey))

  test('the request is "old N", proof lines, a blank line and the checkpoint', () => {
    const proof = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)]
    const req = addCheckpointRequest(2, proof, signed)
    const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64')
    assert.equal(req, `old 2\n${b64(proof[0]!)}\n${b64(proof[1]!)}\n\n${signed}`)
    assert.equal(addCheckpointRequest(0, [], signed), `old 0\n\n${signed}`)
    assert.throws(
      () => addCheckpointRequest(4, [], signed),
      isNoteError(/no larger than the checkpoint size 3/),
    )
    assert.throws(() => addCheckpointRequest(0, proof, signed), isNoteError(/must be empty/))
  })

  test('trusted cosignatures are kept next to the checkpoint; unknown ones are ignored', () => {
    const unknown = generateSignerKey('witness.example/other', { type: SIG_TYPE.cosignatureV1 })
    const response =
      cosign(body, parseSignerKey(w1.signerKey), 1700000000) +
      cosign(body, parseSignerKey(unknown.signerKey), 1700000001)
    const { note, cosignatures } = addCosignatures(signed, response, [
      parseVerifierKey(w1.verifierKey),
    ])
    assert.deepEqual(
      cosignatures.map((c) => [c.name, c.timestamp]),
      [['witness.example/w1', 1700000000]],
    )
    assert.equal(note, `${signed}${response.split('\n')[0]}\n`)
    assert.equal(openCheckpoint(note, [parseVerifierKey(log.verifierKey)]).size, 3)
    assert.throws(
      () => addCosignatures(signed, response, []),
      isNoteError(/no cosignature from a trusted witness key/),
    )
    assert.throws(() => addCosignatures(signed, 'garbage', []), isNoteError(/signature lines/))
  })
})
