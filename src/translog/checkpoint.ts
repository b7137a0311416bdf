/** C2SP tlog-checkpoint bodies, opening signed checkpoints, and witnesses' v1 Ed25519 cosignatures (c2sp.org/tlog-cosignature). */
import {
  cosignatureMessage,
  decodeBase64Strict,
  formatSignatureLine,
  NoteError,
  type NoteSignature,
  type NoteVerifier,
  parseNote,
  parseSignatureLine,
  SIG_TYPE,
  type SignerKey,
  type VerifiedNote,
  verifyNote,
} from './note.ts'

export interface Checkpoint {
  /** The log's identity, e.g. `example.com/log/testdata`. */
  readonly origin: string
  /** Number of leaves. */
  readonly size: number
  /** RFC 6962 root hash of the first `size` leaves (32 bytes). */
  readonly root: Uint8Array
  /** Opaque extension lines (not recommended by the spec; kept so re-formatting is byte-exact). */
  readonly extensions?: readonly string[]
}

/**
 * Formats a checkpoint body (the note text to sign).
 *
 * @example
 * formatCheckpoint({ origin: 'example.com/log', size: 0, root: sha256('') })
 * // 'example.com/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n'
 */
export function formatCheckpoint(cp: Checkpoint): string {
  if (cp.origin === '' || cp.origin.includes('\n')) {
    throw new NoteError('checkpoint origin must be one non-empty line')
  }
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) {
    throw new NoteError(`checkpoint size must be a whole number from 0 to 2^53-1, not ${cp.size}`)
  }
  if (cp.root.length !== 32) {
    throw new NoteError(
      `checkpoint root must be a 32-byte SHA-256 hash, not ${cp.root.length} bytes`,
    )
  }
  for (const ext of cp.extensions ?? []) {
    if (ext === '' || ext.includes('\n')) {
      throw new NoteError('checkpoint extension lines must be single non-empty lines')
    }
  }
  const lines = [
    cp.origin,
    String(cp.size),
    Buffer.from(cp.root).toString('base64'),
    ...(cp.extensions ?? []),
  ]
  return `${lines.join('\n')}\n`
}

/**
 * Parses a checkpoint body (the text of its signed note, not the signatures). Strict: a
 * body that would not re-format to the same bytes is refused.
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new NoteError('checkpoint text must end with a newline')
  const lines = text.slice(0, -1).split('\n')
  if (lines.length < 3) {
    throw new NoteError(
      `checkpoint has ${lines.length} line(s); it needs an origin, a tree size and a root hash`,
    )
  }
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]]
  if (origin === '') throw new NoteError('checkpoint origin (line 1) is empty')
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) {
    throw new NoteError(
      `checkpoint tree size (line 2) "${sizeText}" is not a decimal number without leading zeros`,
    )
  }
  const size = Number(sizeText)
  if (!Number.isSafeInteger(size)) {
    throw new NoteError(
      `checkpoint tree size ${sizeText} is larger than this verifier supports (2^53-1)`,
    )
  }
  const root = decodeBase64Strict(rootText, 'checkpoint root hash (line 3)')
  if (root.length !== 32) {
    throw new NoteError(
      `checkpoint root hash (line 3) is ${root.length} bytes; a SHA-256 hash is 32`,
    )
  }
  if (extensions.some((e) => e === '')) {
    throw new NoteError('checkpoint has an empty extension line; extension lines must be non-empty')
  }
  return extensions.length ? { origin, size, root, extensions } : { origin, size, root }
}

export interface OpenedCheckpoint extends Checkpoint {
  /** The verified note, with every signature line (including witnesses' cosignatures). */
  readonly note: VerifiedNote
}

/**
 * Parses a signed checkpoint, verifies it with the log's key(s), and checks the origin.
 * The origin must equal `expectedOrigin` when given, else the verifying key's name (the
 * spec's recommendation), so a key for one log cannot vouch for another log's checkpoints.
 *
 * @example
 * const cp = openCheckpoint(bytes, [parseVerifierKey(vkey)])
 * cp.size // 15
 */
export function openCheckpoint(
  signed: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
  expectedOrigin?: string,
): OpenedCheckpoint {
  const note = verifyNote(parseNote(signed), verifiers)
  const cp = parseCheckpoint(note.text)
  const want = expectedOrigin ?? note.verifiedBy[0]!.name
  if (cp.origin !== want) {
    throw new NoteError(
      `checkpoint origin "${cp.origin}" is not the expected log "${want}": the key or URL points at another log`,
    )
  }
  return { ...cp, note }
}

export interface Cosignature {
  readonly name: string
  readonly keyId: number
  /** POSIX seconds at which the witness cosigned. */
  readonly timestamp: number
}

/**
 * A witness's v1 cosignature line over a checkpoint body: "— name base64(keyid ‖ u64 time ‖ sig)\n".
 * `timestamp` is POSIX seconds, passed in so callers control the clock.
 *
 * @example
 * const line = cosign(checkpointText, parseSignerKey(witnessKey), Math.floor(clock.now() / 1000))
 */
export function cosign(checkpointText: string, signer: SignerKey, timestamp: number): string {
  if (signer.type !== SIG_TYPE.cosignatureV1) {
    throw new NoteError(
      `key "${signer.name}" is not a cosignature key (type 0x04); generate one with generateSignerKey(name, { type: 0x04 })`,
    )
  }
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new NoteError(`cosignature timestamp must be whole POSIX seconds, not ${timestamp}`)
  }
  parseCheckpoint(checkpointText)
  const sig = signer.sign(cosignatureMessage(checkpointText, timestamp))
  const body = new Uint8Array(72)
  new DataView(body.buffer).setBigUint64(0, BigInt(timestamp), false)
  body.set(sig, 8)
  return formatSignatureLine({ name: signer.name, keyId: signer.keyId, signature: body })
}

/**
 * Verifies one witness cosignature line over a checkpoint body and returns its timestamp.
 * Throws if the line is not from this witness key or does not verify.
 */
export function verifyCosignature(
  checkpointText: string,
  line: string,
  witness: NoteVerifier,
): Cosignature {
  if (witness.type !== SIG_TYPE.cosignatureV1) {
    throw new NoteError(`key "${witness.name}" is not a cosignature key (type 0x04)`)
  }
  const sig: NoteSignature = parseSignatureLine(line.replace(/\n$/, ''))
  if (sig.name !== witness.name || sig.keyId !== witness.keyId) {
    throw new NoteError(
      `cosignature is from "${sig.name}", not from witness key ${witness.verifierKey}`,
    )
  }
  if (sig.signature.length !== 72) {
    throw new NoteError(
      `cosignature is ${sig.signature.length} bytes after its key id; a v1 Ed25519 cosignature is 72 (8-byte time, 64-byte signature)`,
    )
  }
  if (!witness.verify(checkpointText, sig.signature)) {
    throw new NoteError(`cosignature does not verify with witness key ${witness.verifierKey}`)
  }
  const ts = new DataView(sig.signature.buffer, sig.signature.byteOffset).getBigUint64(0, false)
  return { name: sig.name, keyId: sig.keyId, timestamp: Number(ts) }
}

/** The tlog-witness protocol allows at most this many consistency proof lines. */
const MAX_WITNESS_PROOF_LINES = 63

/**
 * The body of a tlog-witness `add-checkpoint` request: "old <size>", the consistency proof
 * from that size (one base64 hash a line), a blank line, then the signed checkpoint.
 *
 * @example
 * await fetch(`${witness}/add-checkpoint`, { method: 'POST', body: addCheckpointRequest(10, proof, signed) })
 */
export function addCheckpointRequest(
  oldSize: number,
  proof: readonly Uint8Array[],
  signedCheckpoint: string,
): string {
  const cp = parseCheckpoint(parseNote(signedCheckpoint).text)
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > cp.size) {
    throw new NoteError(
      `old size ${oldSize} must be a whole number no larger than the checkpoint size ${cp.size}`,
    )
  }
  if (oldSize === 0 && proof.length > 0) {
    throw new NoteError(
      'a consistency proof from size 0 must be empty: the empty tree is a prefix of every tree',
    )
  }
  if (proof.length > MAX_WITNESS_PROOF_LINES) {
    throw new NoteError(
      `a witness accepts at most ${MAX_WITNESS_PROOF_LINES} proof hashes, not ${proof.length}`,
    )
  }
  for (const h of proof) {
    if (h.length !== 32) throw new NoteError(`proof hashes are 32 bytes, not ${h.length}`)
  }
  const lines = proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('')
  return `old ${oldSize}\n${lines}\n${signedCheckpoint}`
}

/**
 * Reads a witness's `add-checkpoint` response (signature lines) and keeps the cosignatures
 * from trusted witness keys: returns the checkpoint note with them appended, ready to store
 * next to the checkpoint. Lines from unknown keys are ignored; a trusted key's line that
 * does not verify, or a response with no trusted cosignature, is an error.
 */
export function addCosignatures(
  signedCheckpoint: string,
  response: string,
  witnesses: readonly NoteVerifier[],
): { note: string; cosignatures: Cosignature[] } {
  const note = parseNote(signedCheckpoint)
  if (!response.endsWith('\n') || response.trim() === '') {
    throw new NoteError(
      'witness response must be one or more signature lines, each ending in a newline',
    )
  }
  const present = new Set(note.signatures.map((s) => formatSignatureLine(s)))
  const cosignatures: Cosignature[] = []
  let appended = ''
  for (const raw of response.slice(0, -1).split('\n')) {
    const sig = parseSignatureLine(raw)
    const witness = witnesses.find((w) => w.name === sig.name && w.keyId === sig.keyId)
    if (!witness) continue
    cosignatures.push(verifyCosignature(note.text, raw, witness))
    const line = `${raw}\n`
    if (!present.has(line)) {
      present.add(line)
      appended += line
    }
  }
  if (cosignatures.length === 0) {
    throw new NoteError('witness response holds no cosignature from a trusted witness key')
  }
  return { note: signedCheckpoint + appended, cosignatures }
}
