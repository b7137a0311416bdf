/**
 * RFC 6962 / RFC 9162 Merkle tree hashing, proof generation over stored subtree hashes, and
 * proof verification. Pure: no I/O, no clock; the only dependency is SHA-256.
 *
 * The tree is stored as the hashes of its complete subtrees: node `(level, index)` is the
 * Merkle Tree Hash of leaves `[index·2^level, (index+1)·2^level)`, and it exists as soon as
 * its last leaf has been appended. Every root and proof element of any tree size is either
 * one such node or the right-to-left fold of a few of them, so proofs need O(log n) reads.
 *
 * Sizes and indices are plain numbers, safe integers up to 2^53 − 1; bit operators are
 * avoided on purpose because they truncate to 32 bits.
 *
 * @module
 */

import { createHash } from 'node:crypto'

/** SHA-256 output length in bytes; every node, leaf hash and root has it. */
export const HASH_SIZE = 32

const LEAF_PREFIX = Buffer.from([0x00])
const NODE_PREFIX = Buffer.from([0x01])

/** The leaf hash of an entry: SHA-256(0x00 ‖ data), RFC 6962 §2.1. */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest()
}

/** The hash of an interior node: SHA-256(0x01 ‖ left ‖ right), RFC 6962 §2.1. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest()
}

/** The root of the empty tree: SHA-256 of the empty string, RFC 6962 §2.1. */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest()

/** A stored complete subtree: it covers leaves `[index·2^level, (index+1)·2^level)`. */
export interface NodeId {
  level: number
  index: number
}

/**
 * Reads stored complete-subtree hashes in one batch. Implementations return one 32-byte hash
 * per id, in the order asked; a missing node is a storage fault and should throw.
 */
export interface NodeReader {
  get(ids: ReadonlyArray<NodeId>): Promise<Buffer[]>
}

/**
 * What a proof or root needs from storage, and how to build the result from what was read.
 * `assemble` takes the hashes in the order of `ids`.
 *
 * @example
 * const plan = nodesForInclusion(5, 8)
 * const proof = plan.assemble(await reader.get(plan.ids))
 */
export interface ReadPlan<T> {
  ids: NodeId[]
  assemble(hashes: readonly Uint8Array[]): T
}

/** A proof that does not check out, or a proof request that makes no sense; `message` says which. */
export class ProofError extends Error {
  override name = 'ProofError'
}

/** A proof or root asked for an index or size outside the tree (a caller error, not a bad proof). */
export class TreeRangeError extends RangeError {
  override name = 'TreeRangeError'
}

/**
 * The root of the tree whose leaf hashes are given, computed directly (RFC 6962 MTH).
 * Meant for small trees and tests; stored trees use {@link rootAt}.
 */
export function rootOf(leafHashes: readonly Uint8Array[]): Buffer {
  if (leafHashes.length === 0) return Buffer.from(EMPTY_ROOT)
  // Folding the maximal complete subtrees right to left gives exactly RFC 6962's split at
  // the largest power of two below n, without recursion.
  let level: Uint8Array[] = [...leafHashes]
  const peaks: Uint8Array[] = []
  while (level.length > 0) {
    if (level.length % 2 === 1) peaks.push(level.pop()!)
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!))
    level = next
  }
  // `peaks` runs from the smallest (rightmost) subtree to the largest (leftmost).
  let acc = peaks[0]!
  for (let i = 1; i < peaks.length; i++) acc = nodeHash(peaks[i]!, acc)
  return Buffer.from(acc)
}

/** The stored nodes whose fold is the root of a tree of `size`, left to right (largest first). */
export function nodesForRoot(size: number): NodeId[] {
  checkSize('size', size)
  return rangeNodes(0, size)
}

/** Reads and folds the nodes of {@link nodesForRoot}: the root of the tree of `size`, in one read. */
export async function rootAt(reader: NodeReader, size: number): Promise<Buffer> {
  const ids = nodesForRoot(size)
  if (ids.length === 0) return Buffer.from(EMPTY_ROOT)
  return foldRight(checkRead(ids, await reader.get(ids)))
}

/**
 * The stored nodes an inclusion proof for leaf `index` in a tree of `size` needs. Every proof
 * element is one stored node except, at most, the highest right-hand sibling, which covers a
 * partial subtree and is folded from the few nodes of that range.
 */
export function nodesForInclusion(index: number, size: number): ReadPlan<Buffer[]> {
  checkSize('size', size)
  checkSize('index', index)
  if (index >= size) {
    throw new TreeRangeError(
      `Leaf index ${index} is not in a tree of size ${size}; ask for an index below ${size} or a larger tree size.`,
    )
  }
  return planOf(pathGroups(0, index, size))
}

/**
 * The stored nodes a consistency proof from `size1` to `size2` needs (RFC 9162 §2.1.4):
 * the last complete subtree of the old tree (unless the old tree is itself one), then the
 * siblings on its path up to the new root.
 */
export function nodesForConsistency(size1: number, size2: number): ReadPlan<Buffer[]> {
  checkSize('size1', size1)
  checkSize('size2', size2)
  if (size1 > size2) {
    throw new TreeRangeError(
      `A tree of size ${size1} cannot be a prefix of one of size ${size2}; size1 must not exceed size2.`,
    )
  }
  if (size1 === 0 || size1 === size2) return planOf([])
  const level = trailingZeros(size1)
  const index = size1 / 2 ** level - 1
  const groups = pathGroups(level, index, size2)
  if (size1 !== 2 ** level) groups.unshift([{ level, index }])
  return planOf(groups)
}

/** The inclusion proof (audit path, bottom-up) for leaf `index` in the tree of `size`, in one read. */
export async function inclusionProof(
  reader: NodeReader,
  index: number,
  size: number,
): Promise<Buffer[]> {
  return readPlan(reader, nodesForInclusion(index, size))
}

/** The consistency proof from the tree of `size1` to the tree of `size2`, in one read. */
export async function consistencyProof(
  reader: NodeReader,
  size1: number,
  size2: number,
): Promise<Buffer[]> {
  return readPlan(reader, nodesForConsistency(size1, size2))
}

/**
 * The parent nodes that become complete when leaf `index` is appended, bottom-up, each with
 * the two children it is hashed from. A store persists the leaf hash as `(0, index)`, then
 * each of these in order: every `right` child is the leaf or the node completed just before.
 *
 * @example
 * completedBy(3) // → (1,1) from (0,2),(0,3); then (2,0) from (1,0),(1,1)
 */
export function completedBy(
  index: number,
): Array<{ level: number; index: number; left: NodeId; right: NodeId }> {
  checkSize('index', index)
  const out: Array<{ level: number; index: number; left: NodeId; right: NodeId }> = []
  // Node (l, i) completes with leaf index exactly when index + 1 is a multiple of 2^l.
  let child = index
  for (let level = 1; child % 2 === 1; level++) {
    const parent = (child - 1) / 2
    out.push({
      level,
      index: parent,
      left: { level: level - 1, index: child - 1 },
      right: { level: level - 1, index: child },
    })
    child = parent
  }
  return out
}

/**
 * Checks that `leaf` (a leaf hash, not the entry) is at `index` in the tree of `size` whose
 * root is `root`, by RFC 9162 §2.1.3.2. Throws {@link ProofError} naming what is wrong.
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  proofInteger('leaf index', index)
  proofInteger('tree size', size)
  if (index >= size) {
    throw new ProofError(`Leaf index ${index} is not below tree size ${size}; no proof can hold.`)
  }
  checkHash('leaf hash', leaf)
  checkHash('root', root)
  checkProofHashes(proof)
  const want = pathLength(0, index, size)
  if (proof.length !== want) {
    throw new ProofError(
      `The inclusion proof has ${proof.length} hashes; leaf ${index} in a tree of size ${size} needs ${want}.`,
    )
  }

  let fn = index
  let sn = size - 1
  let r: Uint8Array = leaf
  for (const p of proof) {
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r)
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2
        sn = Math.floor(sn / 2)
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  if (sn !== 0 || !equal(r, root)) {
    throw new ProofError(
      `The inclusion proof does not lead to the given root: leaf ${index} is not proven to be in the tree of size ${size}.`,
    )
  }
}

/**
 * Checks that the tree of `size1` with root `root1` is a prefix of the tree of `size2` with
 * root `root2`, by RFC 9162 §2.1.4.2. Throws {@link ProofError} naming what is wrong.
 *
 * The empty tree is a prefix of every tree, but only the real empty root proves it: a
 * size-0 claim with any other root is rejected rather than waved through.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  proofInteger('size1', size1)
  proofInteger('size2', size2)
  if (size1 > size2) {
    throw new ProofError(
      `size1 (${size1}) is larger than size2 (${size2}): a log never shrinks, so the older checkpoint must have the smaller size.`,
    )
  }
  if (size1 === 0) {
    if (proof.length !== 0) {
      throw new ProofError(
        `A consistency proof from the empty tree must be empty; this one has ${proof.length} hashes.`,
      )
    }
    if (!equal(root1, EMPTY_ROOT)) {
      throw new ProofError('A tree of size 0 must have the empty root (SHA-256 of "").')
    }
    if (size2 === 0) {
      if (!equal(root2, EMPTY_ROOT)) {
        throw new ProofError('A tree of size 0 must have the empty root (SHA-256 of "").')
      }
    } else {
      checkHash('root2', root2)
    }
    return
  }
  if (size1 === size2) {
    // Nothing is hashed here, so only equality matters; the roots' own validity is the
    // checkpoint parser's business (a transparency-dev vector pins this with 12-byte roots).
    if (proof.length !== 0) {
      throw new ProofError(
        `Trees of equal size need an empty consistency proof; this one has ${proof.length} hashes.`,
      )
    }
    if (!equal(root1, root2)) {
      throw new ProofError(
        `Two different roots for the same tree size ${size1}: the log has forked or rewritten history.`,
      )
    }
    return
  }
  checkHash('root1', root1)
  checkHash('root2', root2)
  checkProofHashes(proof)
  const level = trailingZeros(size1)
  const seeded = size1 !== 2 ** level
  const want = (seeded ? 1 : 0) + pathLength(level, size1 / 2 ** level - 1, size2)
  if (proof.length !== want) {
    throw new ProofError(
      `The consistency proof has ${proof.length} hashes; from size ${size1} to ${size2} it needs ${want}.`,
    )
  }

  const path: readonly Uint8Array[] = seeded ? proof : [root1, ...proof]
  let fn = size1 - 1
  let sn = size2 - 1
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2
    sn = Math.floor(sn / 2)
  }
  let fr = path[0]!
  let sr = path[0]!
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!
    if (sn === 0) throw new ProofError('The consistency proof is longer than the tree allows.')
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2
        sn = Math.floor(sn / 2)
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  if (!equal(fr, root1)) {
    throw new ProofError(
      `The consistency proof does not reproduce root1: it does not show the tree of size ${size1} with that root.`,
    )
  }
  if (sn !== 0 || !equal(sr, root2)) {
    throw new ProofError(
      `The consistency proof does not lead to root2: the tree of size ${size2} is not proven to extend the tree of size ${size1}.`,
    )
  }
}

// --- internals --------------------------------------------------------------------------

/** The maximal aligned complete subtrees that tile leaves `[start, end)`, left to right. */
function rangeNodes(start: number, end: number): NodeId[] {
  const out: NodeId[] = []
  let at = start
  while (at < end) {
    let level = 0
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= end) level++
    out.push({ level, index: at / 2 ** level })
    at += 2 ** level
  }
  return out
}

/**
 * The siblings on the path from node (level, index) to the root of the tree of `size`,
 * bottom-up, each as the stored nodes to fold. Right siblings past the end of the tree do
 * not exist (RFC 6962 promotes the node instead); a right sibling cut by the end of the tree
 * is the fold of its range.
 */
function pathGroups(level: number, index: number, size: number): NodeId[][] {
  const groups: NodeId[][] = []
  let i = index
  for (let l = level; 2 ** l < size; l++) {
    if (i % 2 === 1) {
      groups.push([{ level: l, index: i - 1 }])
    } else {
      const start = (i + 1) * 2 ** l
      if (start < size) groups.push(rangeNodes(start, Math.min(start + 2 ** l, size)))
    }
    i = Math.floor(i / 2)
  }
  return groups
}

/** How many hashes {@link pathGroups} yields, without building them. */
function pathLength(level: number, index: number, size: number): number {
  let n = 0
  let i = index
  for (let l = level; 2 ** l < size; l++) {
    if (i % 2 === 1 || (i + 1) * 2 ** l < size) n++
    i = Math.floor(i / 2)
  }
  return n
}

function planOf(groups: NodeId[][]): ReadPlan<Buffer[]> {
  return {
    ids: groups.flat(),
    assemble(hashes) {
      const out: Buffer[] = []
      let at = 0
      for (const g of groups) {
        out.push(foldRight(hashes.slice(at, at + g.length)))
        at += g.length
      }
      return out
    },
  }
}

async function readPlan(reader: NodeReader, plan: ReadPlan<Buffer[]>): Promise<Buffer[]> {
  if (plan.ids.length === 0) return plan.assemble([])
  return plan.assemble(checkRead(plan.ids, await reader.get(plan.ids)))
}

/** Guards against a store that returns the wrong number or size of hashes. */
function checkRead(ids: readonly NodeId[], hashes: readonly Uint8Array[]): readonly Uint8Array[] {
  if (hashes.length !== ids.length) {
    throw new Error(
      `The node reader returned ${hashes.length} hashes for ${ids.length} nodes; the tree store is incomplete or its reader is faulty.`,
    )
  }
  hashes.forEach((h, i) => {
    if (h?.length !== HASH_SIZE) {
      const id = ids[i]!
      throw new Error(
        `Stored node (level ${id.level}, index ${id.index}) is not a ${HASH_SIZE}-byte hash; the tree store is corrupt.`,
      )
    }
  })
  return hashes
}

function foldRight(hashes: readonly Uint8Array[]): Buffer {
  let acc = hashes[hashes.length - 1]!
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i]!, acc)
  return Buffer.from(acc)
}

function trailingZeros(n: number): number {
  let z = 0
  let v = n
  while (v % 2 === 0) {
    v /= 2
    z++
  }
  return z
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

function checkSize(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new TreeRangeError(`${name} must be a non-negative safe integer; got ${String(n)}.`)
  }
}

function proofInteger(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ProofError(`The ${name} must be a non-negative integer below 2^53; got ${String(n)}.`)
  }
}

function checkProofHashes(proof: readonly Uint8Array[]): void {
  for (const [i, p] of proof.entries()) checkHash(`proof hash ${i}`, p)
}

function checkHash(name: string, h: Uint8Array): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    const got = h instanceof Uint8Array ? `${h.length} bytes` : typeof h
    throw new ProofError(`The ${name} must be a ${HASH_SIZE}-byte SHA-256 hash; got ${got}.`)
  }
}
