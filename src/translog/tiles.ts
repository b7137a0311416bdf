/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile and entry-bundle paths, bundle encoding,
 * which stored nodes a tile holds, and — for clients — roots and proof nodes from tile contents.
 * Pure: no I/O, no clock.
 *
 * A tile at tile level L holds up to 256 consecutive hashes of tree level 8·L, i.e. complete
 * subtrees of 256^L leaves; every node of tree level 8·L … 8·L+7 is the hash of a power-of-two
 * run of them, so any root or proof can be computed from at most one tile per tile level
 * besides the full tiles on the way.
 *
 * @module
 */

import { HASH_SIZE, type NodeId, nodeHash, rootOf } from './merkle.ts'

/** Tree levels per tile level: a tile is a subtree of height 8. */
export const TILE_HEIGHT = 8
/** Hashes in a full tile (and entries in a full bundle). */
export const TILE_WIDTH = 256

/** The spec's tile levels are 0–63. */
const MAX_TILE_LEVEL = 63
/** Entries are prefixed with a big-endian uint16 length. */
const MAX_ENTRY_SIZE = 0xffff
/** Six 3-digit groups cover every safe integer (2^53 < 10^18). */
const MAX_INDEX_GROUPS = 6

/** A tile path, bundle or tile body that does not follow tlog-tiles; `message` says how. */
export class TileError extends Error {
  override name = 'TileError'
}

/** A hash tile: `width` hashes starting at hash `index·256` of tree level `8·level`. */
export interface TileRef {
  level: number
  index: number
  width: number
}

/**
 * The path of a hash tile, relative to the log prefix. A width of 256 (or none) names the
 * full tile; 1–255 names a partial one.
 *
 * @example
 * tilePath(0, 1234067)      // "tile/0/x001/x234/067"
 * tilePath(0, 1234, 17)     // "tile/0/x001/234.p/17"
 */
export function tilePath(level: number, index: number, width?: number): string {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new TileError(`Tile level must be an integer from 0 to 63; got ${String(level)}.`)
  }
  return `tile/${level}/${indexPath(index, width)}`
}

/**
 * The path of an entry bundle, relative to the log prefix.
 *
 * @example
 * entriesPath(0, 15)   // "tile/entries/000.p/15"
 */
export function entriesPath(index: number, width?: number): string {
  return `tile/entries/${indexPath(index, width)}`
}

/**
 * Parses a tile or entry-bundle path (relative to the log prefix, e.g. "tile/0/x001/234.p/17").
 * Only the canonical spelling is accepted — no leading zeroes, `x` on every index group but
 * the last, no empty leading `x000` group, width 1–255 — so each resource has exactly one path.
 * `width` is undefined for a full tile. Throws {@link TileError} naming the fault.
 */
export function parseTilePath(
  path: string,
):
  | { level: number; index: number; width: number | undefined }
  | { entries: true; index: number; width: number | undefined } {
  const parts = path.split('/')
  if (parts[0] !== 'tile' || parts.length < 3) {
    throw new TileError(
      `"${path}" is not a tile path; expected tile/<level>/<index>[.p/<width>] or tile/entries/<index>[.p/<width>].`,
    )
  }
  const kind = parts[1]!
  let rest = parts.slice(2)
  let width: number | undefined
  const beforeLast = rest[rest.length - 2]
  if (beforeLast?.endsWith('.p')) {
    const w = rest[rest.length - 1]!
    if (!/^[1-9][0-9]{0,2}$/.test(w) || Number(w) > TILE_WIDTH - 1) {
      throw new TileError(
        `"${path}": a partial width must be a number from 1 to 255 without leading zeroes; got "${w}".`,
      )
    }
    width = Number(w)
    rest = [...rest.slice(0, -2), beforeLast.slice(0, -2)]
  }
  const index = parseIndex(path, rest)
  if (kind === 'entries') return { entries: true, index, width }
  if (!/^(0|[1-9][0-9]?)$/.test(kind) || Number(kind) > MAX_TILE_LEVEL) {
    throw new TileError(
      `"${path}": the tile level must be "entries" or a number from 0 to 63 without leading zeroes; got "${kind}".`,
    )
  }
  return { level: Number(kind), index, width }
}

/** The stored nodes a hash tile holds, in order: tree level 8·level, hashes index·256 …+width. */
export function tileHashes(level: number, index: number, width: number): NodeId[] {
  tilePath(level, index, width) // validates all three
  const first = index * TILE_WIDTH
  return Array.from({ length: width }, (_, i) => ({
    level: level * TILE_HEIGHT,
    index: first + i,
  }))
}

/** Encodes entries as a bundle: each is a 2-byte big-endian length, then the entry. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Buffer {
  if (entries.length > TILE_WIDTH) {
    throw new TileError(`An entry bundle holds at most 256 entries; got ${entries.length}.`)
  }
  const parts: Buffer[] = []
  for (const [i, e] of entries.entries()) {
    if (e.length > MAX_ENTRY_SIZE) {
      throw new TileError(
        `Entry ${i} is ${e.length} bytes; tlog-tiles bundles limit entries to 65,535 bytes.`,
      )
    }
    const len = Buffer.alloc(2)
    len.writeUInt16BE(e.length)
    parts.push(len, Buffer.from(e.buffer, e.byteOffset, e.length))
  }
  return Buffer.concat(parts)
}

/**
 * Decodes an entry bundle. With `width`, the bundle must hold exactly that many entries (what
 * its path promises). Throws {@link TileError} on a cut-off length or entry, or more than 256.
 */
export function decodeEntryBundle(bundle: Uint8Array, width?: number): Buffer[] {
  const buf = Buffer.from(bundle.buffer, bundle.byteOffset, bundle.length)
  const out: Buffer[] = []
  let at = 0
  while (at < buf.length) {
    if (out.length === TILE_WIDTH) {
      throw new TileError(
        `The entry bundle goes on after 256 entries (${buf.length - at} bytes left); a bundle holds at most 256.`,
      )
    }
    if (at + 2 > buf.length) {
      throw new TileError(
        `The entry bundle is truncated: entry ${out.length} starts at byte ${at} but its 2-byte length is cut off.`,
      )
    }
    const len = buf.readUInt16BE(at)
    if (at + 2 + len > buf.length) {
      throw new TileError(
        `The entry bundle is truncated: entry ${out.length} claims ${len} bytes but only ${buf.length - at - 2} remain.`,
      )
    }
    out.push(Buffer.from(buf.subarray(at + 2, at + 2 + len)))
    at += 2 + len
  }
  if (width !== undefined && out.length !== width) {
    throw new TileError(`The entry bundle holds ${out.length} entries; its path says ${width}.`)
  }
  return out
}

/**
 * The tiles a client needs for the root of a tree of `size`: the partial tile of each tile
 * level (width `floor(size / 256^L) mod 256`, skipped when 0). Full tiles are never needed
 * for the root, because each of them is already one hash of the level above.
 */
export function tilesForSize(size: number): TileRef[] {
  checkSize(size)
  const out: TileRef[] = []
  let span = 1 // 256^L
  for (let level = 0; span <= size; level++, span *= TILE_WIDTH) {
    const hashes = Math.floor(size / span)
    const width = hashes % TILE_WIDTH
    if (width > 0) out.push({ level, index: Math.floor(hashes / TILE_WIDTH), width })
  }
  // Highest level first: the order in which their subtrees appear in the root, left to right.
  return out.reverse()
}

/**
 * The tile that holds (or, between tile levels, yields) stored node `id` in the tree of
 * `size`: full if that tile is complete at this size, else the partial tile of this size.
 * Throws if the node is not a complete subtree of that tree.
 */
export function tileFor(size: number, id: NodeId): TileRef {
  checkSize(size)
  if (!Number.isSafeInteger(id.level) || id.level < 0 || !Number.isSafeInteger(id.index)) {
    throw new TileError(`Node (${id.level}, ${id.index}) is not a valid node id.`)
  }
  if (id.index < 0 || (id.index + 1) * 2 ** id.level > size) {
    throw new TileError(
      `Node (level ${id.level}, index ${id.index}) is not complete in a tree of size ${size}.`,
    )
  }
  const level = Math.floor(id.level / TILE_HEIGHT)
  const spread = 2 ** (id.level - level * TILE_HEIGHT)
  const index = Math.floor((id.index * spread) / TILE_WIDTH)
  const fullTiles = Math.floor(size / TILE_WIDTH ** (level + 1))
  const width = index < fullTiles ? TILE_WIDTH : Math.floor(size / TILE_WIDTH ** level) % TILE_WIDTH
  return { level, index, width }
}

/** The distinct tiles needed for the given nodes of the tree of `size` (e.g. a proof plan's ids). */
export function tilesForNodes(size: number, ids: readonly NodeId[]): TileRef[] {
  const seen = new Map<string, TileRef>()
  for (const id of ids) {
    const t = tileFor(size, id)
    seen.set(tilePath(t.level, t.index, t.width), t)
  }
  return [...seen.values()]
}

/**
 * The hash of stored node `id` of the tree of `size`, computed from fetched tiles (keyed by
 * {@link tilePath}). A partial tile may be replaced by the full tile at the same place, as the
 * spec lets clients fetch it as a fallback. With `nodesForInclusion`, this gives a client
 * proofs from tiles alone:
 *
 * @example
 * const plan = nodesForInclusion(index, size)
 * // fetch tilesForNodes(size, plan.ids) into `tiles`, then:
 * const proof = plan.assemble(plan.ids.map((id) => nodeFromTiles(size, tiles, id)))
 */
export function nodeFromTiles(size: number, tiles: Map<string, Uint8Array>, id: NodeId): Buffer {
  const tile = tileFor(size, id)
  const hashes = tileBody(tile, tiles)
  const spread = 2 ** (id.level - tile.level * TILE_HEIGHT)
  const first = id.index * spread - tile.index * TILE_WIDTH
  return rootOf(hashes.slice(first, first + spread))
}

/**
 * The root of the tree of `size` from its tiles ({@link tilesForSize}), keyed by {@link tilePath}.
 * Throws {@link TileError} if a tile is missing or has the wrong length.
 */
export function rootFromTiles(size: number, tiles: Map<string, Uint8Array>): Buffer {
  const subtrees: Buffer[] = []
  for (const tile of tilesForSize(size)) {
    const hashes = tileBody(tile, tiles)
    // The tile's `width` hashes split into complete subtrees by the bits of width, largest first.
    let at = 0
    for (let bit = TILE_HEIGHT - 1; bit >= 0; bit--) {
      const run = 2 ** bit
      if (tile.width >= at + run) {
        subtrees.push(rootOf(hashes.slice(at, at + run)))
        at += run
      }
    }
  }
  if (subtrees.length === 0) return rootOf([])
  let acc = subtrees[subtrees.length - 1]!
  for (let i = subtrees.length - 2; i >= 0; i--) acc = nodeHash(subtrees[i]!, acc)
  return acc
}

/** Splits a hash tile body into its hashes, checking it has exactly `width` of them. */
export function splitTile(body: Uint8Array, width: number): Buffer[] {
  if (body.length !== width * HASH_SIZE) {
    throw new TileError(
      `The tile is ${body.length} bytes; a tile of width ${width} must be ${width * HASH_SIZE} (${width} × 32-byte hashes).`,
    )
  }
  const buf = Buffer.from(body.buffer, body.byteOffset, body.length)
  return Array.from({ length: width }, (_, i) => buf.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE))
}

// --- internals --------------------------------------------------------------------------

/** The first `tile.width` hashes of the tile, from its own path or the full tile in its place. */
function tileBody(tile: TileRef, tiles: Map<string, Uint8Array>): Buffer[] {
  const path = tilePath(tile.level, tile.index, tile.width)
  const exact = tiles.get(path)
  if (exact) return splitTile(exact, tile.width)
  const full = tile.width < TILE_WIDTH ? tiles.get(tilePath(tile.level, tile.index)) : undefined
  if (full) return splitTile(full, TILE_WIDTH).slice(0, tile.width)
  throw new TileError(`Tile ${path} is needed but was not provided; fetch it from the log.`)
}

function indexPath(index: number, width: number | undefined): string {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new TileError(`A tile index must be a non-negative safe integer; got ${String(index)}.`)
  }
  if (width !== undefined && (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH)) {
    throw new TileError(`A tile width must be an integer from 1 to 256; got ${String(width)}.`)
  }
  const groups: string[] = []
  let rest = index
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'))
    rest = Math.floor(rest / 1000)
  } while (rest > 0)
  const n = groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/')
  return width === undefined || width === TILE_WIDTH ? n : `${n}.p/${width}`
}

function parseIndex(path: string, groups: readonly string[]): number {
  if (groups.length > MAX_INDEX_GROUPS) {
    throw new TileError(`"${path}": the tile index has too many groups to be a safe integer.`)
  }
  let index = 0
  for (const [i, g] of groups.entries()) {
    const last = i === groups.length - 1
    const ok = last ? /^[0-9]{3}$/.test(g) : /^x[0-9]{3}$/.test(g)
    if (!ok) {
      throw new TileError(
        `"${path}": index groups are three digits, each but the last prefixed with "x" (e.g. x001/x234/067); got "${g}".`,
      )
    }
    if (i === 0 && !last && g === 'x000') {
      throw new TileError(`"${path}": the index has a leading zero group "x000"; drop it.`)
    }
    index = index * 1000 + Number(last ? g : g.slice(1))
  }
  if (!Number.isSafeInteger(index)) {
    throw new TileError(`"${path}": the tile index is too large.`)
  }
  return index
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new TileError(`A tree size must be a non-negative safe integer; got ${String(size)}.`)
  }
}
