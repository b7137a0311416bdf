/** Signed notes against the C2SP spec example, the CCTV Ed25519 edge cases, and malformed input. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import {
  ed25519PublicKey,
  ed25519Verify,
  formatNote,
  generateSignerKey,
  keyIdFor,
  MAX_SIGNATURES,
  NoteError,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  SIG_TYPE,
  signNote,
  verifyNote,
} from './note.ts'

const fixture = (p: string) => readFileSync(new URL(`./fixtures/${p}`, import.meta.url))
const EXAMPLE_NOTE = fixture('c2sp/signed-note-example.note').toString('utf8')
const EXAMPLE_VKEY = fixture('c2sp/signed-note-example.vkey').toString('utf8').trim()

const isNoteError = (re: RegExp) => (err: unknown) => {
  assert.ok(err instanceof NoteError, `expected NoteError, got ${String(err)}`)
  assert.match(err.message, re)
  return true
}

describe('the signed-note spec worked example', () => {
  test('parses, verifies with the published verifier key and re-formats byte for byte', () => {
    const key = parseVerifierKey(EXAMPLE_VKEY)
    assert.equal(key.name, 'example.com/foo')
    assert.equal(key.keyId, 0x530d903a)
    assert.equal(key.verifierKey, EXAMPLE_VKEY)
    const note = verifyNote(EXAMPLE_NOTE, [key])
    assert.equal(note.text, 'This is an example message.\n')
    assert.deepEqual(note.verifiedBy, [key])
    assert.equal(formatNote(note), EXAMPLE_NOTE)
  })

  test('the key id is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pubkey)[:4]', () => {
    const pub = Buffer.from(EXAMPLE_VKEY.split('+')[2]!, 'base64').subarray(1)
    assert.equal(keyIdFor('example.com/foo', SIG_TYPE.ed25519, pub), 0x530d903a)
  })

  test('one changed byte anywhere in the text or signature fails', () => {
    const key = parseVerifierKey(EXAMPLE_VKEY)
    const bytes = Buffer.from(EXAMPLE_NOTE, 'utf8')
    const sigStart = bytes.lastIndexOf(' ') + 1
    for (let i = 0; i < bytes.length - 1; i++) {
      const t = Buffer.from(bytes)
      t[i] = t[i]! ^ (i < sigStart ? 0x01 : 0x02)
      // A flip may make the note malformed, move the signature to an unknown key, or break it: never "ok".
      assert.throws(() => verifyNote(new Uint8Array(t), [key]), NoteError, `byte ${i}`)
    }
  })

  test('signatures from unknown keys are ignored, but some trusted key must sign', () => {
    const other = generateSignerKey('example.com/other')
    const both = `${EXAMPLE_NOTE}${signNote('This is an example message.\n', parseSignerKey(other.signerKey)).split('\n\n')[1]}`
    const note = verifyNote(both, [parseVerifierKey(EXAMPLE_VKEY)])
    assert.equal(note.signatures.length, 2)
    assert.equal(note.verifiedBy.length, 1)
    assert.throws(
      () => verifyNote(EXAMPLE_NOTE, [parseVerifierKey(other.verifierKey)]),
      isNoteError(/not signed by any trusted key/),
    )
  })
})

describe('Ed25519 verification rule pinned by the CCTV edge-case vectors', () => {
  interface Vector {
    number: number
    key: string
    sig: string
    msg: string
    flags: string[] | null
  }
  const vectors = JSON.parse(fixture('ed25519/ed25519vectors.json').toString('utf8')) as Vector[]
  // The rule in note.ts: strict and cofactorless, canonical encodings, no small-order A or R.
  const REJECTED_FLAGS = new Set([
    'low_order_A',
    'low_order_R',
    'low_order_residue',
    'non_canonical_A',
    'non_canonical_R',
    'reencoded_k',
  ])

  test('all 914 vectors: accepted exactly when no rejected flag is set', () => {
    assert.equal(vectors.length, 914)
    let accepted = 0
    for (const v of vectors) {
      const flags = v.flags ?? []
      const want = !flags.some((f) => REJECTED_FLAGS.has(f))
      const got = ed25519Verify(
        ed25519PublicKey(Buffer.from(v.key, 'hex')),
        Buffer.from(v.msg, 'utf8'),
        Buffer.from(v.sig, 'hex'),
      )
      assert.equal(got, want, `vector ${v.number} flags [${flags.join(', ')}]`)
      if (got) accepted++
    }
    // 1 clean signature, 7 with only a low-order component in A, 35 with cancelling components in A and R.
    assert.equal(accepted, 43)
  })

  test('a non-canonical S (S + L) is rejected', () => {
    const clean = vectors.find((v) => (v.flags ?? []).length === 0)!
    const sig = Buffer.from(clean.sig, 'hex')
    const L = (1n << 252n) + 27742317777372353535851937790883648493n
    let s = 0n
    for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!)
    let sPlusL = s + L
    const out = Buffer.from(sig)
    for (let i = 0; i < 32; i++) {
      out[32 + i] = Number(sPlusL & 0xffn)
      sPlusL >>= 8n
    }
    const pub = ed25519PublicKey(Buffer.from(clean.key, 'hex'))
    assert.equal(ed25519Verify(pub, Buffer.from(clean.msg), sig), true)
    assert.equal(ed25519Verify(pub, Buffer.from(clean.msg), out), false)
  })
})

describe('keys', () => {
  test('generated keys sign and verify, round trip through their strings', () => {
    const { signerKey, verifierKey } = generateSignerKey('log.example.org/earlywatch')
    assert.match(signerKey, /^PRIVATE\+KEY\+log\.example\.org\/earlywatch\+[0-9a-f]{8}\+A/)
    const signer = parseSignerKey(signerKey)
    assert.equal(signer.verifierKey, verifierKey)
    const note = signNote('hello\n\nworld\n', signer)
    const v = verifyNote(note, [parseVerifierKey(verifierKey)])
    assert.equal(v.text, 'hello\n\nworld\n')
    assert.equal(formatNote(parseNote(note)), note)
  })

  test('a fixed seed gives a fixed key and deterministic signatures', () => {
    const seed = new Uint8Array(32).fill(7)
    const a = generateSignerKey('example.com/seeded', { seed })
    const b = generateSignerKey('example.com/seeded', { seed })
    assert.deepEqual(a, b)
    const s = parseSignerKey(a.signerKey)
    assert.equal(signNote('x\n', s), signNote('x\n', s))
  })

  test('two signers produce two lines, both verified', () => {
    const k1 = generateSignerKey('a.example/1')
    const k2 = generateSignerKey('b.example/2')
    const note = signNote('body\n', [parseSignerKey(k1.signerKey), parseSignerKey(k2.signerKey)])
    const v = verifyNote(note, [parseVerifierKey(k1.verifierKey), parseVerifierKey(k2.verifierKey)])
    assert.equal(v.verifiedBy.length, 2)
  })

  test('a known key whose signature fails rejects the whole note', () => {
    const k1 = generateSignerKey('a.example/1')
    const k2 = generateSignerKey('a.example/1', { seed: new Uint8Array(32).fill(1) })
    const good = signNote('body\n', parseSignerKey(k1.signerKey))
    // A second line under k1's name and id, carrying a signature made by another key.
    const forged = signNote('body\n', parseSignerKey(k2.signerKey)).split('\n\n')[1]!
    const [, , b64] = forged.trim().split(' ')
    const bytes = Buffer.from(b64!, 'base64')
    bytes.writeUInt32BE(parseVerifierKey(k1.verifierKey).keyId, 0)
    const note = `${good}— a.example/1 ${bytes.toString('base64')}\n`
    assert.throws(
      () => verifyNote(note, [parseVerifierKey(k1.verifierKey)]),
      isNoteError(/signature does not verify with key a\.example\/1\+/),
    )
  })

  test('malformed keys give clear errors', () => {
    const pub = EXAMPLE_VKEY.split('+')[2]!
    assert.throws(
      () => parseVerifierKey('example.com/foo+530d903a'),
      isNoteError(/must have the form/),
    )
    assert.throws(
      () => parseVerifierKey(`example.com/foo+530D903A+${pub}`),
      isNoteError(/8 lowercase hexadecimal/),
    )
    assert.throws(
      () => parseVerifierKey(`example.com/bar+530d903a+${pub}`),
      isNoteError(/key id 530d903a but its name and public key give/),
    )
    assert.throws(
      () => parseVerifierKey('example.com/foo+530d903a+AekyeRrm!'),
      isNoteError(/base64/),
    )
    assert.throws(() => parseVerifierKey('example.com/foo+530d903a+AQID'), isNoteError(/32/))
    assert.throws(() => parseVerifierKey('example.com/foo+530d903a+AgID'), isNoteError(/type 0x02/))
    assert.throws(() => parseVerifierKey(`+530d903a+${pub}`), isNoteError(/empty/))
    assert.throws(() => parseSignerKey(EXAMPLE_VKEY), isNoteError(/PRIVATE\+KEY/))
    const { signerKey } = generateSignerKey('example.com/k')
    assert.throws(
      () => parseSignerKey(signerKey.replace('example.com/k', 'example.com/j')),
      isNoteError(/altered or mis-copied/),
    )
    assert.throws(() => generateSignerKey('has space'), isNoteError(/space/))
  })
})

describe('malformed notes', () => {
  const key = () => parseVerifierKey(EXAMPLE_VKEY)
  const cases: Array<[string, string | Uint8Array, RegExp]> = [
    ['missing final newline', EXAMPLE_NOTE.slice(0, -1), /does not end with a newline/],
    ['no blank line', 'text\n— example.com/foo AAAAAAA=\n', /no blank line/],
    ['no signature lines', 'text\n\n', /no signature lines|no blank line/],
    ['not UTF-8', Uint8Array.of(0x74, 0xff, 0x0a, 0x0a, 0x0a), /not valid UTF-8/],
    [
      'control character',
      'te\tx\n\n— example.com/foo AAAAAAA=\n',
      /control character 0x09 on line 1/,
    ],
    ['carriage return', EXAMPLE_NOTE.replace('\n\n', '\r\n\n'), /control character 0x0d/],
    ['bad base64', EXAMPLE_NOTE.replace('Uw2Q', 'Uw2!'), /not valid base64/],
    ['non-canonical base64', 'text\n\n— example.com/foo AAAAAAB=\n', /not canonical base64/],
    ['short signature', 'text\n\n— example.com/foo AAAAAA==\n', /needs a 4-byte key id/],
    ['hyphen instead of em dash', EXAMPLE_NOTE.replace('—', '-'), /em dash/],
    ['no key name', 'text\n\n— AAAAAAA=\n', /no key name/],
    // The last blank line separates, so the first signature becomes text and the second is unknown.
    [
      'blank line among signatures',
      `${EXAMPLE_NOTE}\n— example.com/foo AAAAAAA=\n`,
      /not signed by any trusted key/,
    ],
  ]
  for (const [name, input, re] of cases) {
    test(name, () => {
      assert.throws(() => verifyNote(input, [key()]), isNoteError(re))
    })
  }

  test('too many signatures is refused; 16 are accepted', () => {
    const line = EXAMPLE_NOTE.slice(EXAMPLE_NOTE.indexOf('—'))
    const many = (n: number) => `This is an example message.\n\n${line.repeat(n)}`
    assert.equal(verifyNote(many(16), [key()]).signatures.length, 16)
    assert.throws(
      () => parseNote(many(MAX_SIGNATURES + 1)),
      isNoteError(new RegExp(`at most ${MAX_SIGNATURES}`)),
    )
  })

  test('formatting refuses a signature whose key name a parser would split', () => {
    const sig = { name: 'two words', keyId: 1, signature: new Uint8Array(64) }
    assert.throws(
      () => formatNote({ text: 'x\n', signatures: [sig] }),
      isNoteError(/space or '\+'/),
    )
  })

  test('signing refuses text that could not be a note', () => {
    const signer = parseSignerKey(generateSignerKey('example.com/s').signerKey)
    assert.throws(() => signNote('no newline', signer), isNoteError(/end with a newline/))
    assert.throws(() => signNote('nul\0\n', signer), isNoteError(/control character 0x00/))
    const cosigner = parseSignerKey(
      generateSignerKey('example.com/w', { type: SIG_TYPE.cosignatureV1 }).signerKey,
    )
    assert.throws(() => signNote('x\n', cosigner), isNoteError(/cosign\(\)/))
  })
})
