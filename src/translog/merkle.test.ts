import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import {
  completedBy,
  consistencyProof,
  EMPTY_ROOT,
  HASH_SIZE,
  inclusionProof,
  leafHash,
  type NodeId,
  type NodeReader,
  nodeHash,
  nodesForConsistency,
  nodesForInclusion,
  nodesForRoot,
  ProofError,
  rootAt,
  rootOf,
  TreeRangeError,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts'

const fixture = (name: string) => new URL(`./fixtures/merkle/${name}`, import.meta.url)
const b64 = (s: string) => Buffer.from(s, 'base64')
const hex = (s: string) => Buffer.from(s, 'hex')

function jsonl<T>(name: string): Array<{ path: string; case: T }> {
  return readFileSync(fixture(name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
}

/**
 * A tree kept the way a store keeps it: leaf hashes plus every complete node, each written
 * once from `completedBy`. The reader counts its calls so the tests can hold proofs to one read.
 */
class MemoryTree implements NodeReader {
  readonly nodes = new Map<string, Buffer>()
  size = 0
  reads = 0

  append(data: Uint8Array): void {
    const index = this.size
    this.nodes.set(`0/${index}`, leafHash(data))
    for (const n of completedBy(index)) {
      const left = this.nodes.get(`${n.left.level}/${n.left.index}`)
      const right = this.nodes.get(`${n.right.level}/${n.right.index}`)
      assert.ok(left && right, `children of (${n.level}, ${n.index}) are stored before it`)
      this.nodes.set(`${n.level}/${n.index}`, nodeHash(left, right))
    }
    this.size++
  }

  async get(ids: ReadonlyArray<NodeId>): Promise<Buffer[]> {
    this.reads++
    return ids.map(({ level, index }) => {
      const h = this.nodes.get(`${level}/${index}`)
      if (!h) throw new Error(`node (${level}, ${index}) is not stored`)
      return h
    })
  }
}

const flipped = (h: Uint8Array) => {
  const c = Buffer.from(h)
  c[0]! ^= 1
  return c
}

describe('RFC 6962 reference tree (8 leaves)', () => {
  const ref = JSON.parse(readFileSync(fixture('rfc6962_reference_vectors.json'), 'utf8')) as {
    leaf_inputs_hex: string[]
    node_hashes_hex_by_level: string[][]
    root_hashes_hex_by_tree_size: string[]
  }
  const tree = new MemoryTree()
  for (const leaf of ref.leaf_inputs_hex) tree.append(hex(leaf))

  test('every complete subtree hash, built incrementally with completedBy', () => {
    ref.node_hashes_hex_by_level.forEach((level, l) => {
      level.forEach((want, i) => {
        assert.equal(tree.nodes.get(`${l}/${i}`)?.toString('hex'), want, `node (${l}, ${i})`)
      })
    })
    assert.equal(tree.nodes.size, 15, 'no node beyond the 15 of an 8-leaf tree')
  })

  test('the root of every size 0–8, directly and from stored nodes', async () => {
    const leaves = ref.leaf_inputs_hex.map((l) => leafHash(hex(l)))
    for (const [size, want] of ref.root_hashes_hex_by_tree_size.entries()) {
      assert.equal(rootOf(leaves.slice(0, size)).toString('hex'), want, `rootOf size ${size}`)
      assert.equal((await rootAt(tree, size)).toString('hex'), want, `rootAt size ${size}`)
    }
    assert.equal(EMPTY_ROOT.toString('hex'), ref.root_hashes_hex_by_tree_size[0])
  })
})

describe('transparency-dev inclusion vectors', () => {
  type Case = {
    leafIdx: number
    treeSize: number
    root: string
    leafHash: string
    proof: string[] | null
    desc: string
    wantErr: boolean
  }
  const cases = jsonl<Case>('inclusion.jsonl')

  test('all 98 cases are read: 6 valid, 92 corrupted', () => {
    assert.equal(cases.length, 98)
    assert.equal(cases.filter((c) => !c.case.wantErr).length, 6)
  })

  for (const { path, case: c } of cases) {
    test(`${path}: ${c.wantErr ? 'rejected' : 'verifies'}`, () => {
      const run = () =>
        verifyInclusion(
          b64(c.leafHash),
          c.leafIdx,
          c.treeSize,
          (c.proof ?? []).map(b64),
          b64(c.root),
        )
      if (c.wantErr) assert.throws(run, ProofError)
      else run()
    })
  }
})

describe('transparency-dev consistency vectors', () => {
  type Case = {
    size1: number
    size2: number
    root1: string
    root2: string
    proof: string[] | null
    desc: string
    wantErr: boolean
  }
  const cases = jsonl<Case>('consistency.jsonl')

  test('all 98 cases are read: 6 valid, 92 corrupted', () => {
    assert.equal(cases.length, 98)
    assert.equal(cases.filter((c) => !c.case.wantErr).length, 6)
  })

  // One valid vector compares two equal 12-byte "roots" at equal sizes: with nothing to hash,
  // only their equality matters, so it verifies as upstream says it should.
  for (const { path, case: c } of cases) {
    test(`${path}: ${c.wantErr ? 'rejected' : 'verifies'}`, () => {
      const run = () =>
        verifyConsistency(c.size1, c.size2, (c.proof ?? []).map(b64), b64(c.root1), b64(c.root2))
      if (c.wantErr) assert.throws(run, ProofError)
      else run()
    })
  }
})

describe('proof generation against verification', () => {
  const MAX = 70
  const tree = new MemoryTree()
  const leaves: Buffer[] = []
  for (let i = 0; i < MAX; i++) {
    const data = Buffer.from(`entry ${i}`)
    tree.append(data)
    leaves.push(leafHash(data))
  }
  const roots = Array.from({ length: MAX + 1 }, (_, n) => rootOf(leaves.slice(0, n)))

  test('rootAt matches the direct root for every size 0–70, in one read', async () => {
    for (let size = 0; size <= MAX; size++) {
      tree.reads = 0
      assert.deepEqual(await rootAt(tree, size), roots[size], `size ${size}`)
      assert.ok(tree.reads <= 1)
    }
  })

  test('every inclusion proof up to size 70 verifies, in one read, and a flipped bit fails', async () => {
    for (let size = 1; size <= MAX; size++) {
      for (let index = 0; index < size; index++) {
        tree.reads = 0
        const proof = await inclusionProof(tree, index, size)
        assert.ok(tree.reads <= 1, `one batched read for (${index}, ${size})`)
        verifyInclusion(leaves[index]!, index, size, proof, roots[size]!)
        assert.throws(
          () => verifyInclusion(leaves[index]!, index, size, proof, flipped(roots[size]!)),
          ProofError,
        )
        for (let k = 0; k < proof.length; k++) {
          const bad = proof.map((p, j) => (j === k ? flipped(p) : p))
          assert.throws(
            () => verifyInclusion(leaves[index]!, index, size, bad, roots[size]!),
            ProofError,
          )
        }
      }
    }
  })

  test('every consistency proof up to size 70 verifies, in one read, and a flipped bit fails', async () => {
    for (let size2 = 0; size2 <= MAX; size2++) {
      for (let size1 = 0; size1 <= size2; size1++) {
        tree.reads = 0
        const proof = await consistencyProof(tree, size1, size2)
        assert.ok(tree.reads <= 1, `one batched read for (${size1}, ${size2})`)
        verifyConsistency(size1, size2, proof, roots[size1]!, roots[size2]!)
        if (size1 > 0 && size1 < size2) {
          assert.throws(
            () => verifyConsistency(size1, size2, proof, roots[size1]!, flipped(roots[size2]!)),
            ProofError,
          )
          assert.throws(
            () => verifyConsistency(size1, size2, proof, flipped(roots[size1]!), roots[size2]!),
            ProofError,
          )
          for (let k = 0; k < proof.length; k++) {
            const bad = proof.map((p, j) => (j === k ? flipped(p) : p))
            assert.throws(
              () => verifyConsistency(size1, size2, bad, roots[size1]!, roots[size2]!),
              ProofError,
            )
          }
        }
      }
    }
  })

  test('around tile and power-of-two boundaries up to 1,100 leaves', async () => {
    const big = new MemoryTree()
    const hashes: Buffer[] = []
    for (let i = 0; i < 1100; i++) {
      const data = Buffer.from([i & 0xff, i >> 8])
      big.append(data)
      hashes.push(leafHash(data))
    }
    for (const size of [255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 1100]) {
      const root = rootOf(hashes.slice(0, size))
      assert.deepEqual(await rootAt(big, size), root)
      for (const index of [0, 1, 128, size >> 1, size - 2, size - 1]) {
        verifyInclusion(hashes[index]!, index, size, await inclusionProof(big, index, size), root)
      }
      for (const size1 of [1, 3, 200, 256, size - 1].filter((s) => s <= size)) {
        const root1 = rootOf(hashes.slice(0, size1))
        verifyConsistency(size1, size, await consistencyProof(big, size1, size), root1, root)
      }
    }
  })
})

describe('read plans', () => {
  test('completedBy names the parents each append completes, bottom-up', () => {
    assert.deepEqual(completedBy(0), [])
    assert.deepEqual(completedBy(2), [])
    assert.deepEqual(completedBy(3), [
      { level: 1, index: 1, left: { level: 0, index: 2 }, right: { level: 0, index: 3 } },
      { level: 2, index: 0, left: { level: 1, index: 0 }, right: { level: 1, index: 1 } },
    ])
    assert.equal(completedBy(2 ** 20 - 1).length, 20)
  })

  test('roots and proofs of huge trees need O(log n) node reads', () => {
    assert.deepEqual(nodesForRoot(13), [
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ])
    const size = 2 ** 52 + 12_345
    assert.ok(nodesForRoot(size).length <= 53)
    assert.ok(nodesForInclusion(123_456_789_012, size).ids.length <= 2 * 53)
    assert.ok(nodesForConsistency(987_654_321, size).ids.length <= 2 * 53)
    assert.ok(nodesForInclusion(999_999, 1_000_000).ids.length <= 40)
  })
})

describe('malformed input gives a clear error', () => {
  const h = leafHash(Buffer.from('x'))

  test('hashes of the wrong length', () => {
    assert.throws(() => verifyInclusion(h.subarray(1), 0, 1, [], h), {
      name: 'ProofError',
      message: /leaf hash must be a 32-byte SHA-256 hash; got 31 bytes/,
    })
    assert.throws(() => verifyInclusion(h, 0, 2, [Buffer.alloc(HASH_SIZE + 1)], h), /proof hash 0/)
    assert.throws(() => verifyConsistency(1, 2, [h], h, Buffer.alloc(0)), /root2 must be a 32-byte/)
  })

  test('an index outside the tree, or sizes out of order', async () => {
    assert.throws(() => verifyInclusion(h, 1, 1, [], h), {
      name: 'ProofError',
      message: /index 1 is not below tree size 1/,
    })
    assert.throws(
      () => verifyConsistency(3, 2, [h], h, h),
      /size1 \(3\) is larger than size2 \(2\)/,
    )
    const tree = new MemoryTree()
    tree.append(Buffer.from('a'))
    await assert.rejects(inclusionProof(tree, 1, 1), TreeRangeError)
    await assert.rejects(consistencyProof(tree, 2, 1), TreeRangeError)
    assert.throws(() => nodesForRoot(-1), /size must be a non-negative safe integer; got -1/)
    assert.throws(() => nodesForInclusion(0.5, 2), TreeRangeError)
  })

  test('sizes beyond 2^53 are refused, not rounded', () => {
    assert.throws(() => verifyInclusion(h, 2 ** 64 - 1, 2 ** 64, [], h), /below 2\^53/)
  })

  test('proofs of the wrong length say how many hashes were expected', () => {
    assert.throws(
      () => verifyInclusion(h, 0, 4, [h], h),
      /has 1 hashes; leaf 0 in a tree of size 4 needs 2/,
    )
    assert.throws(
      () => verifyConsistency(2, 4, [], h, h),
      /has 0 hashes; from size 2 to 4 it needs 1/,
    )
  })

  test('size 0 is consistent with any tree only under the empty root', () => {
    verifyConsistency(0, 5, [], EMPTY_ROOT, h)
    verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)
    assert.throws(() => verifyConsistency(0, 5, [], h, h), /size 0 must have the empty root/)
  })

  test('a store returning the wrong hashes is reported, not hashed', async () => {
    const short: NodeReader = { get: async (ids) => ids.slice(1).map(() => Buffer.alloc(32)) }
    await assert.rejects(rootAt(short, 3), /returned 1 hashes for 2 nodes/)
    const bad: NodeReader = { get: async (ids) => ids.map(() => Buffer.alloc(31)) }
    await assert.rejects(inclusionProof(bad, 0, 2), /not a 32-byte hash; the tree store is corrupt/)
  })
})
