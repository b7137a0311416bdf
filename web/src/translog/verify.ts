/**
 * Checks, in the browser and without trusting the server, that a log entry is in a signed
 * checkpoint: RFC 6962 hashing and RFC 9162 §2.1.3.2 inclusion verification, and the C2SP
 * signed note's Ed25519 signature, all on WebCrypto. Pure apart from `crypto.subtle`; sizes and
 * indexes stay below 2^53 (bit operators would truncate them to 32 bits, so plain arithmetic is
 * used).
 */

/** A proof, checkpoint or entry that does not check out; `message` says what, in plain words. */
export class VerifyError extends Error {
  override name = 'VerifyError'
}

const HASH_SIZE = 32

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    all.set(p, at)
    at += p.length
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all))
}

/** SHA-256(0x00 ‖ entry): the leaf hash of the entry's bytes exactly as served. */
export const leafHash = (entry: Uint8Array) => sha256(Uint8Array.of(0), entry)

/** SHA-256(0x01 ‖ left ‖ right): an interior node. */
export const nodeHash = (left: Uint8Array, right: Uint8Array) =>
  sha256(Uint8Array.of(1), left, right)

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

export function fromHex(s: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(s)) throw new VerifyError(`"${s}" is not hexadecimal.`)
  return Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16))
}

export function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0)
    throw new VerifyError('A value is not valid base64.')
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
}

function checkInteger(name: string, n: number) {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new VerifyError(`The ${name} must be a whole number from 0 to 2^53 − 1, not ${n}.`)
}

function checkHash(name: string, h: Uint8Array) {
  if (h.length !== HASH_SIZE)
    throw new VerifyError(`The ${name} must be a 32-byte SHA-256 hash; it has ${h.length} bytes.`)
}

/**
 * Throws VerifyError unless `proof` (the audit path, bottom-up) leads from `leaf` at `index`
 * to `root` in the tree of `size` leaves.
 *
 * @example await verifyInclusion(await leafHash(bytes), 3, checkpoint.size, proof, checkpoint.root)
 */
export async function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): Promise<void> {
  checkInteger('entry index', index)
  checkInteger('tree size', size)
  if (index >= size) throw new VerifyError(`Entry ${index} cannot be in a tree of ${size} entries.`)
  checkHash('leaf hash', leaf)
  checkHash('root', root)
  for (const [i, p] of proof.entries()) checkHash(`proof hash ${i + 1}`, p)

  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (sn === 0)
      throw new VerifyError(`The proof has more hashes than a tree of ${size} entries needs.`)
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r)
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2
        sn = Math.floor(sn / 2)
      }
    } else {
      r = await nodeHash(r, p)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  if (sn !== 0)
    throw new VerifyError(`The proof has fewer hashes than a tree of ${size} entries needs.`)
  if (!equalBytes(r, root))
    throw new VerifyError(
      "The proof does not lead to the checkpoint's root hash: the entry is not proven to be in the log.",
    )
}

export interface CheckpointBody {
  origin: string
  size: number
  root: Uint8Array
}

/**
 * Reads the C2SP tlog-checkpoint body at the top of a signed note: origin, size, base64 root.
 * Reading only: the note's signature is not checked here.
 */
export function parseCheckpoint(note: string): CheckpointBody {
  const [origin, sizeLine, rootLine] = note.split('\n')
  if (!origin || sizeLine === undefined || rootLine === undefined)
    throw new VerifyError('The checkpoint does not have an origin, a size and a root hash line.')
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeLine))
    throw new VerifyError(`The checkpoint size "${sizeLine}" is not a whole number.`)
  const size = Number(sizeLine)
  checkInteger('checkpoint size', size)
  const root = fromBase64(rootLine)
  checkHash('checkpoint root', root)
  return { origin, size, root }
}

/**
 * Checks a C2SP signed note's Ed25519 signature by the key a note verifier key names
 * (`name+keyid+base64(0x01 ‖ public key)`). Returns false when this browser's WebCrypto has no
 * Ed25519, so the caller can say the signature was not checked rather than that it failed.
 * Edge cases of the Ed25519 rule are the browser's; `earlywatch log verify` pins the log's rule.
 */
export async function verifyNoteSignature(note: string, verifierKey: string): Promise<boolean> {
  // The key's base64 may itself hold '+', so the name and id are matched, not split off.
  const parts = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(verifierKey.trim())
  if (!parts) throw new VerifyError('The verifier key is not of the form name+keyid+key.')
  const [, name, id, encoded] = parts as unknown as [string, string, string, string]
  const key = fromBase64(encoded)
  if (key.length !== 33 || key[0] !== 1)
    throw new VerifyError('The verifier key is not an Ed25519 note key.')
  const keyHash = await sha256(new TextEncoder().encode(`${name}\n`), key)
  if (toHex(keyHash.subarray(0, 4)) !== id)
    throw new VerifyError("The verifier key's id does not match its name and key.")

  const split = note.lastIndexOf('\n\n')
  if (split < 0 || !note.endsWith('\n'))
    throw new VerifyError('The checkpoint is not a signed note: it has no signature block.')
  const text = new TextEncoder().encode(note.slice(0, split + 1))
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line))
    .filter((m) => m !== null && m[1] === name)
    .map((m) => fromBase64(m![2]!))
    .filter((sig) => sig.length === 68 && toHex(sig.subarray(0, 4)) === id)
  if (signatures.length === 0)
    throw new VerifyError(`The checkpoint carries no signature by the log's key ${name}.`)

  let publicKey: CryptoKey
  try {
    publicKey = await crypto.subtle.importKey('raw', key.slice(1), 'Ed25519', false, ['verify'])
  } catch {
    return false
  }
  for (const sig of signatures) {
    if (await crypto.subtle.verify('Ed25519', publicKey, sig.slice(4), text)) return true
  }
  throw new VerifyError(
    `The checkpoint's signature by ${name} does not verify: it was not signed by the log's key.`,
  )
}

export type InclusionOutcome =
  | {
      ok: true
      index: number
      size: number
      root: string
      leafHash: string
      /** Whether the checkpoint's signature was checked here; false when WebCrypto lacks Ed25519. */
      signatureChecked: boolean
    }
  | { ok: false; reason: string }

/**
 * The whole check the log explorer runs: hash the entry's bytes as served, compare with the leaf
 * hash the server states, and verify the audit path against the checkpoint's own root (not the
 * root a proof response states, which proves nothing by itself).
 */
export async function checkInclusion(input: {
  index: number
  /** The entry's canonical JSON, base64, exactly as served. */
  body: string
  /** The leaf hash the server states for the entry, hex. */
  statedLeafHash: string
  /** The audit path, hex, bottom-up, for the checkpoint's size. */
  proof: readonly string[]
  /** The signed checkpoint note. */
  checkpoint: string
  /** The log's note verifier key; the checkpoint must carry a valid signature by it. */
  verifierKey: string
}): Promise<InclusionOutcome> {
  try {
    const cp = parseCheckpoint(input.checkpoint)
    const signatureChecked = await verifyNoteSignature(input.checkpoint, input.verifierKey)
    const leaf = await leafHash(fromBase64(input.body))
    if (toHex(leaf) !== input.statedLeafHash.toLowerCase())
      throw new VerifyError(
        "The entry's bytes do not hash to the leaf hash the server states for it.",
      )
    await verifyInclusion(leaf, input.index, cp.size, input.proof.map(fromHex), cp.root)
    return {
      ok: true,
      index: input.index,
      size: cp.size,
      root: toHex(cp.root),
      leafHash: toHex(leaf),
      signatureChecked,
    }
  } catch (err) {
    if (err instanceof VerifyError) return { ok: false, reason: err.message }
    throw err
  }
}
