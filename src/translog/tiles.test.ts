import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  completedBy,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  type NodeId,
  type NodeReader,
  nodeHash,
  nodesForConsistency,
  nodesForInclusion,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from './merkle.ts'
import {
  decodeEntryBundle,
  encodeEntryBundle,
  entriesPath,
  nodeFromTiles,
  parseTilePath,
  rootFromTiles,
  splitTile,
  TILE_HEIGHT,
  TILE_WIDTH,
  TileError,
  tileFor,
  tileHashes,
  tilePath,
  tilesForNodes,
  tilesForSize,
} from './tiles.ts'

const TESSERA = fileURLToPath(new URL('./fixtures/tessera/', import.meta.url))

/** Every file under tessera/tile, keyed by its path relative to the log prefix. */
function tesseraTiles(): Map<string, Buffer> {
  const files = readdirSync(`${TESSERA}tile`, { recursive: true, withFileTypes: true })
  const out = new Map<string, Buffer>()
  for (const f of files) {
    if (!f.isFile()) continue
    const abs = `${f.parentPath}/${f.name}`
    out.set(abs.slice(TESSERA.length), readFileSync(abs))
  }
  return out
}

/** Size and root from a checkpoint body: origin, size, base64 root (C2SP tlog-checkpoint). */
function checkpointOf(name: string): { size: number; root: Buffer } {
  const [, size, root] = readFileSync(`${TESSERA}${name}`, 'utf8').split('\n')
  return { size: Number(size), root: Buffer.from(root!, 'base64') }
}

describe('Tessera test log (fixtures/tessera)', () => {
  const tiles = tesseraTiles()
  const LEAVES =
    'one two three four five six seven eit nain ten ileven twelf threeten fourten fivten'.split(' ')

  test('holds the 15 hash tiles and 15 entry bundles its SOURCE.md lists', () => {
    assert.equal(tiles.size, 30)
  })

  test('the root from tiles equals the signed root of every checkpoint, sizes 0–15', () => {
    for (let n = 0; n <= 15; n++) {
      const cp = checkpointOf(`checkpoint.${n}`)
      assert.equal(cp.size, n)
      assert.deepEqual(tilesForSize(n), n === 0 ? [] : [{ level: 0, index: 0, width: n }])
      assert.deepEqual(rootFromTiles(n, tiles), cp.root, `checkpoint.${n}`)
    }
    const latest = checkpointOf('checkpoint')
    assert.deepEqual(rootFromTiles(latest.size, tiles), latest.root)
    assert.deepEqual(checkpointOf('checkpoint.0').root, EMPTY_ROOT)
  })

  test('every bundle entry hashes to its level-0 tile hash', () => {
    for (let w = 1; w <= 15; w++) {
      const entries = decodeEntryBundle(tiles.get(entriesPath(0, w))!, w)
      assert.deepEqual(
        entries.map((e) => e.toString()),
        LEAVES.slice(0, w),
      )
      const hashes = splitTile(tiles.get(tilePath(0, 0, w))!, w)
      assert.deepEqual(entries.map(leafHash), hashes, `width ${w}`)
      assert.deepEqual(encodeEntryBundle(entries), tiles.get(entriesPath(0, w)), 'byte-exact')
    }
  })

  test('every tile path parses and formats back to itself', () => {
    for (const path of tiles.keys()) {
      const p = parseTilePath(path)
      const again =
        'entries' in p ? entriesPath(p.index, p.width) : tilePath(p.level, p.index, p.width)
      assert.equal(again, path)
    }
  })

  test('inclusion and consistency proofs computed from the tiles verify against checkpoints', () => {
    const cp = checkpointOf('checkpoint.15')
    const cp7 = checkpointOf('checkpoint.7')
    const byTiles = (ids: NodeId[]) => ids.map((id) => nodeFromTiles(15, tiles, id))
    for (let i = 0; i < 15; i++) {
      const plan = nodesForInclusion(i, 15)
      assert.deepEqual(tilesForNodes(15, plan.ids), [{ level: 0, index: 0, width: 15 }])
      const proof = plan.assemble(byTiles(plan.ids))
      verifyInclusion(leafHash(Buffer.from(LEAVES[i]!)), i, 15, proof, cp.root)
    }
    const plan = nodesForConsistency(7, 15)
    verifyConsistency(7, 15, plan.assemble(byTiles(plan.ids)), cp7.root, cp.root)
  })
})

describe('tile paths', () => {
  test('the spec examples', () => {
    assert.equal(TILE_WIDTH, 2 ** TILE_HEIGHT)
    assert.equal(TILE_WIDTH, 256)
    assert.equal(tilePath(0, 1_234_067), 'tile/0/x001/x234/067')
    assert.equal(tilePath(0, 1234, 17), 'tile/0/x001/234.p/17')
    assert.equal(tilePath(3, 0), 'tile/3/000')
    assert.equal(tilePath(3, 0, 256), 'tile/3/000', 'width 256 is the full tile')
    assert.equal(entriesPath(1000), 'tile/entries/x001/000')
    assert.deepEqual(parseTilePath('tile/0/x001/x234/067'), {
      level: 0,
      index: 1_234_067,
      width: undefined,
    })
    assert.deepEqual(parseTilePath('tile/entries/x001/234.p/17'), {
      entries: true,
      index: 1234,
      width: 17,
    })
    assert.deepEqual(parseTilePath('tile/63/999.p/255'), { level: 63, index: 999, width: 255 })
  })

  test('indices up to 2^53 − 1 round-trip', () => {
    for (const index of [0, 7, 999, 1000, 65_535, 1_000_000, Number.MAX_SAFE_INTEGER]) {
      const p = parseTilePath(tilePath(5, index, 3))
      assert.deepEqual(p, { level: 5, index, width: 3 })
    }
  })

  const bad: Array<[string, RegExp]> = [
    ['', /not a tile path/],
    ['tiles/0/000', /not a tile path/],
    ['tile/0', /not a tile path/],
    ['/tile/0/000', /not a tile path/],
    ['tile/00/000', /tile level/],
    ['tile/01/000', /tile level/],
    ['tile/64/000', /tile level/],
    ['tile/-1/000', /tile level/],
    ['tile/x/000', /tile level/],
    ['tile/0/00', /three digits/],
    ['tile/0/0000', /three digits/],
    ['tile/0/1234', /three digits/],
    ['tile/0/x000/001', /leading zero group/],
    ['tile/0/001/234', /three digits/],
    ['tile/0/x001/x234', /three digits/],
    ['tile/0/y001/234', /three digits/],
    ['tile/0/x01/234', /three digits/],
    ['tile/0/000/', /three digits/],
    ['tile/0/000.p', /three digits/],
    ['tile/0/000.p/0', /partial width/],
    ['tile/0/000.p/256', /partial width/],
    ['tile/0/000.p/300', /partial width/],
    ['tile/0/000.p/017', /partial width/],
    ['tile/0/000.p/', /partial width/],
    ['tile/0/000.p/1/2', /three digits/],
    ['tile/entries/x1/000', /three digits/],
    ['tile/0/x001/x002/x003/x004/x005/x006/007', /too many groups/],
    ['tile/0/x009/x999/x999/x999/x999/999', /too large/],
  ]
  for (const [path, message] of bad) {
    test(`refuses ${JSON.stringify(path)}`, () => {
      assert.throws(() => parseTilePath(path), { name: 'TileError', message })
    })
  }

  test('formatting refuses what cannot be a tile', () => {
    assert.throws(() => tilePath(64, 0), /level must be an integer from 0 to 63/)
    assert.throws(() => tilePath(0, -1), /non-negative safe integer/)
    assert.throws(() => tilePath(0, 1.5), /non-negative safe integer/)
    assert.throws(() => tilePath(0, 0, 0), /width must be an integer from 1 to 256/)
    assert.throws(() => entriesPath(0, 257), /width must be an integer from 1 to 256/)
  })
})

describe('entry bundles', () => {
  test('encode and decode round-trip, including empty and 65,535-byte entries', () => {
    const entries = [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(0xffff, 7)]
    const bundle = encodeEntryBundle(entries)
    assert.equal(bundle.length, 2 + 0 + 2 + 1 + 2 + 0xffff)
    assert.deepEqual(decodeEntryBundle(bundle), entries)
    assert.deepEqual(decodeEntryBundle(new Uint8Array(0)), [])
  })

  test('truncated, overlong and miscounted bundles are refused', () => {
    const good = encodeEntryBundle([Buffer.from('one'), Buffer.from('two')])
    assert.throws(() => decodeEntryBundle(good.subarray(0, good.length - 1)), {
      name: 'TileError',
      message: /entry 1 claims 3 bytes but only 2 remain/,
    })
    assert.throws(() => decodeEntryBundle(Buffer.from([0x00])), /2-byte length is cut off/)
    assert.throws(() => decodeEntryBundle(good, 3), /holds 2 entries; its path says 3/)
    const full = encodeEntryBundle(Array.from({ length: 256 }, () => Buffer.from('x')))
    assert.equal(decodeEntryBundle(full, 256).length, 256)
    assert.throws(
      () => decodeEntryBundle(Buffer.concat([full, Buffer.from([0, 0])])),
      /goes on after 256 entries/,
    )
    assert.throws(() => encodeEntryBundle([Buffer.alloc(0x10000)]), /limit entries to 65,535/)
    assert.throws(
      () => encodeEntryBundle(Array.from({ length: 257 }, () => Buffer.alloc(0))),
      /at most 256/,
    )
  })
})

describe('tiles over a larger tree', () => {
  // A tree as a store keeps it, served as tiles through tileHashes exactly as the log would.
  const SIZE = 70_000
  const nodes = new Map<string, Buffer>()
  const leaves: Buffer[] = []
  for (let i = 0; i < SIZE; i++) {
    const h = leafHash(Buffer.from(`entry ${i}`))
    leaves.push(h)
    nodes.set(`0/${i}`, h)
    for (const n of completedBy(i)) {
      const l = nodes.get(`${n.left.level}/${n.left.index}`)!
      const r = nodes.get(`${n.right.level}/${n.right.index}`)!
      nodes.set(`${n.level}/${n.index}`, nodeHash(l, r))
    }
  }
  const reader: NodeReader = {
    get: async (ids) => ids.map((id) => nodes.get(`${id.level}/${id.index}`)!),
  }
  const serve = (refs: ReadonlyArray<{ level: number; index: number; width: number }>) =>
    new Map(
      refs.map((t) => [
        tilePath(t.level, t.index, t.width),
        Buffer.concat(
          tileHashes(t.level, t.index, t.width).map((id) => nodes.get(`${id.level}/${id.index}`)!),
        ),
      ]),
    )

  test("the spec's size examples", () => {
    assert.deepEqual(tilesForSize(70_000), [
      { level: 2, index: 0, width: 1 },
      { level: 1, index: 1, width: 17 },
      { level: 0, index: 273, width: 112 },
    ])
    assert.deepEqual(tilesForSize(256), [{ level: 1, index: 0, width: 1 }])
    assert.deepEqual(tilesForSize(0), [])
  })

  test('tileHashes names tree level 8·L', () => {
    assert.deepEqual(tileHashes(1, 2, 2), [
      { level: 8, index: 512 },
      { level: 8, index: 513 },
    ])
  })

  test('the root from tiles equals the root of the leaves at many sizes', () => {
    for (const size of [1, 255, 256, 257, 511, 4096, 65_535, 65_536, 65_537, 69_999, 70_000]) {
      const root = rootOf(leaves.slice(0, size))
      assert.deepEqual(rootFromTiles(size, serve(tilesForSize(size))), root, `size ${size}`)
    }
  })

  test('a full tile stands in for a partial one the log has pruned', () => {
    const size = 300
    const tiles = serve([
      { level: 1, index: 0, width: 1 },
      { level: 0, index: 1, width: 256 },
    ])
    assert.deepEqual(rootFromTiles(size, tiles), rootOf(leaves.slice(0, size)))
  })

  test('proofs from tiles equal proofs from the store', async () => {
    const size = 70_000
    const root = rootOf(leaves)
    for (const index of [0, 255, 256, 65_535, 65_536, 69_999]) {
      const plan = nodesForInclusion(index, size)
      const tiles = serve(tilesForNodes(size, plan.ids))
      const fromTiles = plan.assemble(plan.ids.map((id) => nodeFromTiles(size, tiles, id)))
      assert.deepEqual(fromTiles, await inclusionProof(reader, index, size))
      verifyInclusion(leaves[index]!, index, size, fromTiles, root)
    }
    const plan = nodesForConsistency(65_537, size)
    const tiles = serve(tilesForNodes(size, plan.ids))
    const proof = plan.assemble(plan.ids.map((id) => nodeFromTiles(size, tiles, id)))
    verifyConsistency(65_537, size, proof, rootOf(leaves.slice(0, 65_537)), root)
  })

  test('missing or wrong-sized tiles and incomplete nodes are reported', () => {
    assert.throws(() => rootFromTiles(300, new Map()), {
      name: 'TileError',
      message: /Tile tile\/1\/000.p\/1 is needed but was not provided/,
    })
    const short = new Map([['tile/0/000.p/3', Buffer.alloc(95)]])
    assert.throws(() => rootFromTiles(3, short), /95 bytes; a tile of width 3 must be 96/)
    assert.throws(() => tileFor(300, { level: 8, index: 1 }), /not complete in a tree of size 300/)
    assert.throws(() => tilesForSize(-1), TileError)
  })
})
