/** C2SP signed notes (c2sp.org/signed-note): parsing, formatting, Ed25519 keys, signing and verification. */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
  randomBytes,
} from 'node:crypto'

/**
 * Ed25519 verification rule (pinned by note.test.ts with all 914 C2SP CCTV edge-case vectors):
 * node:crypto (OpenSSL 3.5) verifies *strictly and cofactorless*, the same rule as libsodium:
 *  - S must be canonical (S < L);
 *  - A (public key) and R must be canonical point encodings and must not be of small order;
 *  - the equation [S]B = R + [k]A must hold exactly (cofactorless), so a signature whose
 *    low-order components leave a non-zero residue is rejected.
 * In CCTV flag terms: reject any vector flagged low_order_A, low_order_R, low_order_residue,
 * non_canonical_A, non_canonical_R or reencoded_k; accept the others (unflagged, and those
 * flagged only low_order_component_A / low_order_component_R, whose components cancel).
 * Strict rules matter here because a checkpoint's signature is evidence: a rule that accepts
 * more than one signature bytes for a message/key pair would let one note have two forms.
 */
export const ED25519_RULE = 'strict cofactorless (libsodium rule, OpenSSL 3.x)' as const

/** Signature type bytes assigned by the signed-note spec. */
export const SIG_TYPE = { ed25519: 0x01, cosignatureV1: 0x04 } as const

/** Verifiers must accept at least 16 signatures; past this many the note is refused as abuse. */
export const MAX_SIGNATURES = 100

/** A malformed note, key or signature, or a note that no trusted key verifies. */
export class NoteError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NoteError'
  }
}

export interface NoteSignature {
  /** Key name as written on the signature line. */
  readonly name: string
  /** First four bytes of the decoded signature, big-endian. */
  readonly keyId: number
  /** The signature bytes after the key id (algorithm-specific). */
  readonly signature: Uint8Array
}

export interface Note {
  /** The signed text, ending in a newline (without the blank separator line). */
  readonly text: string
  readonly signatures: readonly NoteSignature[]
}

/** Something that can check one signature line: an Ed25519 log key or a witness cosigner key. */
export interface NoteVerifier {
  readonly name: string
  readonly keyId: number
  readonly type: number
  /** The verifier key string (`name+hexid+base64(type ‖ key)`). */
  readonly verifierKey: string
  verify(text: string, signature: Uint8Array): boolean
}

export interface NoteSigner {
  readonly name: string
  readonly keyId: number
  sign(text: string): Uint8Array
}

const EM_DASH_PREFIX = '\u2014 '
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

/** Decodes standard base64 (RFC 4648 §4) and refuses any other spelling of the same bytes. */
export function decodeBase64Strict(s: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
    throw new NoteError(`${what} is not valid base64 (RFC 4648 standard alphabet, padded): "${s}"`)
  }
  const bytes = Buffer.from(s, 'base64')
  if (bytes.toString('base64') !== s) {
    throw new NoteError(`${what} is not canonical base64: "${s}" has non-zero padding bits`)
  }
  return new Uint8Array(bytes)
}

function toBase64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64')
}

/** Key names are non-empty and have no Unicode spaces or '+' (the vkey separator). */
export function checkKeyName(name: string, what = 'key name'): void {
  if (name === '')
    throw new NoteError(`${what} is empty; use a schema-less URL such as example.com/log`)
  if (/[\s+\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u.test(name)) {
    throw new NoteError(`${what} "${name}" contains a space or '+', which signed notes forbid`)
  }
  checkNoteChars(name, what)
}

function checkNoteChars(s: string, what: string): void {
  if (!s.isWellFormed())
    throw new NoteError(`${what} is not valid UTF-8 (it holds a lone surrogate)`)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 && c !== 0x0a) {
      const line = s.slice(0, i).split('\n').length
      throw new NoteError(
        `${what} contains control character 0x${c.toString(16).padStart(2, '0')} on line ${line}; notes may hold only newlines as control characters`,
      )
    }
  }
}

/** Checks that `text` can be the text of a signed note (used before signing). */
export function checkNoteText(text: string): void {
  if (!text.endsWith('\n')) throw new NoteError('note text must end with a newline (U+000A)')
  checkNoteChars(text, 'note text')
}

/**
 * Parses a signed note strictly. Signatures are not verified here (see {@link verifyNote}).
 *
 * @example
 * const note = parseNote(await (await fetch(`${base}/checkpoint`)).bytes())
 * note.text // 'example.com/log\n15\nrKbD…=\n'
 */
export function parseNote(input: string | Uint8Array, maxSignatures = MAX_SIGNATURES): Note {
  let msg: string
  if (typeof input === 'string') {
    msg = input
  } else {
    try {
      msg = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input)
    } catch {
      throw new NoteError('note is not valid UTF-8')
    }
  }
  checkNoteChars(msg, 'note')
  if (!msg.endsWith('\n')) {
    throw new NoteError('note does not end with a newline: it is truncated or not a signed note')
  }
  // The text is separated from the signatures by the *last* blank line, so the text itself may hold blank lines.
  const split = msg.lastIndexOf('\n\n')
  if (split < 0) {
    throw new NoteError(
      'note has no blank line before its signature lines: it is unsigned or not a signed note',
    )
  }
  const text = msg.slice(0, split + 1)
  const lines = msg.slice(split + 2, -1).split('\n')
  if (lines.length === 1 && lines[0] === '') {
    throw new NoteError('note has no signature lines after its blank line')
  }
  if (lines.length > maxSignatures) {
    throw new NoteError(
      `note has ${lines.length} signatures; at most ${maxSignatures} are accepted`,
    )
  }
  const signatures = lines.map((line, i) => parseSignatureLine(line, i + 1))
  return { text, signatures }
}

/** Parses one "— <name> <base64(keyid ‖ sig)>" line (without its newline). */
export function parseSignatureLine(line: string, n = 1): NoteSignature {
  if (!line.startsWith(EM_DASH_PREFIX)) {
    throw new NoteError(
      `signature line ${n} does not start with an em dash (U+2014) and a space: "${line.slice(0, 40)}"`,
    )
  }
  const rest = line.slice(EM_DASH_PREFIX.length)
  const space = rest.lastIndexOf(' ')
  if (space <= 0) throw new NoteError(`signature line ${n} has no key name or no signature`)
  const name = rest.slice(0, space)
  checkKeyName(name, `key name on signature line ${n}`)
  const bytes = decodeBase64Strict(rest.slice(space + 1), `signature on line ${n}`)
  if (bytes.length < 5) {
    throw new NoteError(
      `signature on line ${n} is ${bytes.length} bytes; it needs a 4-byte key id and a signature`,
    )
  }
  const keyId = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, false)
  return { name, keyId, signature: bytes.slice(4) }
}

/** Formats one signature line, with its final newline. */
export function formatSignatureLine(sig: NoteSignature): string {
  const bytes = new Uint8Array(4 + sig.signature.length)
  new DataView(bytes.buffer).setUint32(0, sig.keyId >>> 0, false)
  bytes.set(sig.signature, 4)
  return `${EM_DASH_PREFIX}${sig.name} ${toBase64(bytes)}\n`
}

/** Formats a note: text, blank line, signature lines. `formatNote(parseNote(s)) === s` for any valid `s`. */
export function formatNote(note: Note): string {
  checkNoteText(note.text)
  if (note.signatures.length === 0)
    throw new NoteError('a signed note needs at least one signature')
  for (const sig of note.signatures) checkKeyName(sig.name, 'signature key name')
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`
}

/** key ID = SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], big-endian. */
export function keyIdFor(name: string, type: number, publicKey: Uint8Array): number {
  const h = createHash('sha256')
    .update(name, 'utf8')
    .update(Uint8Array.of(0x0a, type))
    .update(publicKey)
    .digest()
  return h.readUInt32BE(0)
}

const hex8 = (id: number) => (id >>> 0).toString(16).padStart(8, '0')

export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new NoteError(`an Ed25519 public key is 32 bytes, not ${raw.length}`)
  try {
    return createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
      format: 'der',
      type: 'spki',
    })
  } catch (err) {
    throw new NoteError(`the Ed25519 public key cannot be loaded: ${(err as Error).message}`)
  }
}

function ed25519PrivateKey(seed: Uint8Array): KeyObject {
  if (seed.length !== 32)
    throw new NoteError(`an Ed25519 private key seed is 32 bytes, not ${seed.length}`)
  return createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  })
}

function rawPublicKey(priv: KeyObject): Uint8Array {
  const der = createPublicKey(priv).export({ format: 'der', type: 'spki' })
  return new Uint8Array(der.subarray(der.length - 32))
}

/** Verifies an Ed25519 signature under {@link ED25519_RULE}; never throws on malformed input. */
export function ed25519Verify(
  publicKey: KeyObject,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== 64) return false
  try {
    return cryptoVerify(null, message, publicKey, signature)
  } catch {
    return false
  }
}

interface ParsedKey {
  name: string
  keyId: number
  type: number
  material: Uint8Array
}

/** Splits `name+hexid+base64`; base64 may itself hold '+', so only the first two separate. */
function splitKey(key: string, what: string, example: string): ParsedKey {
  const a = key.indexOf('+')
  const b = a < 0 ? -1 : key.indexOf('+', a + 1)
  if (b < 0) throw new NoteError(`${what} must have the form ${example}`)
  const name = key.slice(0, a)
  const idHex = key.slice(a + 1, b)
  const b64 = key.slice(b + 1)
  checkKeyName(name, `${what} name`)
  if (!/^[0-9a-f]{8}$/.test(idHex)) {
    throw new NoteError(`${what} key id "${idHex}" must be 8 lowercase hexadecimal digits`)
  }
  const bytes = decodeBase64Strict(b64, `${what} key material`)
  if (bytes.length < 1) throw new NoteError(`${what} has no key material`)
  return { name, keyId: Number.parseInt(idHex, 16), type: bytes[0]!, material: bytes.slice(1) }
}

/**
 * Parses a verifier key: `name+hexkeyid+base64(type ‖ pubkey)`. Type 0x01 is a note (log) key;
 * type 0x04 is a witness's timestamped Ed25519 cosignature key (see checkpoint.ts).
 *
 * @example
 * parseVerifierKey('example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx')
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const k = splitKey(vkey.trim(), 'verifier key', 'name+hexkeyid+base64(type ‖ public key)')
  if (k.type !== SIG_TYPE.ed25519 && k.type !== SIG_TYPE.cosignatureV1) {
    throw new NoteError(
      `verifier key "${k.name}" has signature type 0x${k.type.toString(16).padStart(2, '0')}; only Ed25519 (0x01) and Ed25519 cosignature (0x04) keys are supported`,
    )
  }
  if (k.material.length !== 32) {
    throw new NoteError(
      `verifier key "${k.name}" holds ${k.material.length} key bytes; Ed25519 keys are 32`,
    )
  }
  const expected = keyIdFor(k.name, k.type, k.material)
  if (expected !== k.keyId) {
    throw new NoteError(
      `verifier key "${k.name}" has key id ${hex8(k.keyId)} but its name and public key give ${hex8(expected)}: the key was altered or mis-copied`,
    )
  }
  const pub = ed25519PublicKey(k.material)
  const type = k.type
  const verifierKey = `${k.name}+${hex8(k.keyId)}+${toBase64(Uint8Array.of(type, ...k.material))}`
  if (type === SIG_TYPE.cosignatureV1) {
    return {
      name: k.name,
      keyId: k.keyId,
      type,
      verifierKey,
      verify: (text, sig) => {
        if (sig.length !== 72) return false
        const ts = new DataView(sig.buffer, sig.byteOffset).getBigUint64(0, false)
        if (ts > 2n ** 63n - 1n) return false
        const msg = cosignatureMessage(text, ts)
        return ed25519Verify(pub, Buffer.from(msg, 'utf8'), sig.slice(8))
      },
    }
  }
  return {
    name: k.name,
    keyId: k.keyId,
    type,
    verifierKey,
    verify: (text, sig) => ed25519Verify(pub, Buffer.from(text, 'utf8'), sig),
  }
}

/** The message a v1 cosignature signs (c2sp.org/tlog-cosignature): header, time line, checkpoint text. */
export function cosignatureMessage(checkpointText: string, timestamp: bigint | number): string {
  return `cosignature/v1\ntime ${BigInt(timestamp).toString()}\n${checkpointText}`
}

export interface SignerKey extends NoteSigner {
  readonly type: number
  /** The matching verifier key string, safe to publish. */
  readonly verifierKey: string
}

/**
 * Parses a signer key: `PRIVATE+KEY+name+hexkeyid+base64(type ‖ seed)`, type 0x01 (note) or 0x04
 * (cosignature; its `sign` then signs the bare message, and checkpoint.ts builds the timestamped form).
 */
export function parseSignerKey(skey: string): SignerKey {
  const trimmed = skey.trim()
  if (!trimmed.startsWith('PRIVATE+KEY+')) {
    throw new NoteError('signer key must start with PRIVATE+KEY+ (a verifier key cannot sign)')
  }
  const k = splitKey(
    trimmed.slice('PRIVATE+KEY+'.length),
    'signer key',
    'PRIVATE+KEY+name+hexkeyid+base64(type ‖ seed)',
  )
  if (k.type !== SIG_TYPE.ed25519 && k.type !== SIG_TYPE.cosignatureV1) {
    throw new NoteError(
      `signer key "${k.name}" has signature type 0x${k.type.toString(16).padStart(2, '0')}; only 0x01 and 0x04 are supported`,
    )
  }
  const priv = ed25519PrivateKey(k.material)
  const pub = rawPublicKey(priv)
  const expected = keyIdFor(k.name, k.type, pub)
  if (expected !== k.keyId) {
    throw new NoteError(
      `signer key "${k.name}" has key id ${hex8(k.keyId)} but its name and key give ${hex8(expected)}: the key was altered or mis-copied`,
    )
  }
  return {
    name: k.name,
    keyId: k.keyId,
    type: k.type,
    verifierKey: `${k.name}+${hex8(k.keyId)}+${toBase64(Uint8Array.of(k.type, ...pub))}`,
    sign: (text) => new Uint8Array(cryptoSign(null, Buffer.from(text, 'utf8'), priv)),
  }
}

/**
 * Makes a new Ed25519 key pair as signed-note key strings. The seed is injectable for tests.
 *
 * @example
 * const { signerKey, verifierKey } = generateSignerKey('log.example.org/earlywatch')
 */
export function generateSignerKey(
  name: string,
  opts: { type?: number; seed?: Uint8Array } = {},
): { signerKey: string; verifierKey: string } {
  checkKeyName(name)
  const type = opts.type ?? SIG_TYPE.ed25519
  const seed = opts.seed ?? new Uint8Array(randomBytes(32))
  const pub = rawPublicKey(ed25519PrivateKey(seed))
  const id = hex8(keyIdFor(name, type, pub))
  return {
    signerKey: `PRIVATE+KEY+${name}+${id}+${toBase64(Uint8Array.of(type, ...seed))}`,
    verifierKey: `${name}+${id}+${toBase64(Uint8Array.of(type, ...pub))}`,
  }
}

/**
 * Signs `text` with each signer and returns the whole signed note.
 *
 * @example
 * signNote('example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n', parseSignerKey(skey))
 */
export function signNote(text: string, signers: NoteSigner | readonly NoteSigner[]): string {
  checkNoteText(text)
  const list = Array.isArray(signers) ? signers : [signers as NoteSigner]
  if (list.length === 0) throw new NoteError('signNote needs at least one signer')
  for (const s of list) {
    checkKeyName(s.name, 'signer key name')
    if ((s as Partial<SignerKey>).type === SIG_TYPE.cosignatureV1) {
      throw new NoteError(
        `key "${s.name}" is a cosignature (0x04) key; cosign checkpoints with cosign() from checkpoint.ts`,
      )
    }
  }
  return formatNote({
    text,
    signatures: list.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(text) })),
  })
}

export interface VerifiedNote extends Note {
  /** The trusted keys whose signatures verified, in the order given. */
  readonly verifiedBy: readonly NoteVerifier[]
}

/**
 * Verifies a note against trusted keys. Signatures from unknown keys (name and id not both
 * matching a trusted key) are ignored, as the spec requires. Throws if a known key's signature
 * fails (the note is then malformed or forged) or if no trusted key signed it.
 *
 * @example
 * const { text } = verifyNote(body, [parseVerifierKey(vkey)])
 */
export function verifyNote(
  note: string | Uint8Array | Note,
  verifiers: readonly NoteVerifier[],
): VerifiedNote {
  const parsed = typeof note === 'string' || note instanceof Uint8Array ? parseNote(note) : note
  if (verifiers.length === 0)
    throw new NoteError('verifyNote needs at least one trusted verifier key')
  const verifiedBy: NoteVerifier[] = []
  for (const sig of parsed.signatures) {
    const v = verifiers.find((k) => k.name === sig.name && k.keyId === sig.keyId)
    if (!v) continue
    if (!v.verify(parsed.text, sig.signature)) {
      throw new NoteError(
        `signature does not verify with key ${v.verifierKey}: the note was changed after signing, or was not signed by this key`,
      )
    }
    if (!verifiedBy.includes(v)) verifiedBy.push(v)
  }
  if (verifiedBy.length === 0) {
    const seen = parsed.signatures.map((s) => `${s.name}+${hex8(s.keyId)}`).join(', ')
    throw new NoteError(
      `note is not signed by any trusted key (expected ${verifiers.map((v) => `${v.name}+${hex8(v.keyId)}`).join(' or ')}; found ${seen})`,
    )
  }
  return { ...parsed, verifiedBy }
}
