/**
 * The upper part of the Merkle tree, held in memory so a proof reads only its few lowest nodes
 * from the database.
 *
 * A stored node never changes (it is written once, when its subtree is complete), so a cached
 * hash is correct in every process for ever, and no invalidation exists. Each level is one dense
 * array of 32-byte hashes indexed by node index plus a presence bitmap: 4 bytes per log entry
 * for levels 4 and up, where a `Map` of `Buffer`s would cost some 50 times more.
 */

const HASH = 32

interface Level {
  hashes: Buffer
  present: Uint8Array
  /** Node slots allocated (hashes.length / 32). */
  capacity: number
}

export interface NodeCacheOptions {
  /** The lowest tree level kept; below it, nodes are always read from the database. */
  lowestLevel: number
  /** Past this many bytes of hashes, the cache stops growing (it never evicts: nodes are immutable). */
  maxBytes: number
}

export class NodeCache {
  readonly lowestLevel: number
  readonly #maxBytes: number
  readonly #levels: Level[] = []
  #bytes = 0

  constructor(options: NodeCacheOptions) {
    this.lowestLevel = options.lowestLevel
    this.#maxBytes = options.maxBytes
  }

  /** Bytes allocated for hashes (the presence bitmaps add 1/256 of that). */
  get bytes(): number {
    return this.#bytes
  }

  covers(level: number): boolean {
    return level >= this.lowestLevel
  }

  get(level: number, index: number): Buffer | undefined {
    const l = this.#levels[level]
    if (!l || index >= l.capacity || !(l.present[index >> 3]! & (1 << (index & 7)))) return
    return l.hashes.subarray(index * HASH, (index + 1) * HASH)
  }

  /** Keeps `hash` unless the level is not cached or the memory bound is reached. */
  set(level: number, index: number, hash: Uint8Array): void {
    if (!this.covers(level) || hash.length !== HASH) return
    const l = this.#ensure(level, index + 1)
    if (!l) return
    l.hashes.set(hash, index * HASH)
    l.present[index >> 3]! |= 1 << (index & 7)
  }

  /** Grows a level's arrays (doubling) to hold `slots` nodes; undefined past the memory bound. */
  #ensure(level: number, slots: number): Level | undefined {
    const l = this.#levels[level]
    if (l && slots <= l.capacity) return l
    const old = l?.capacity ?? 0
    const capacity = Math.max(slots, old * 2, 1024)
    const added = (capacity - old) * HASH
    if (this.#bytes + added > this.#maxBytes) return
    const hashes = Buffer.alloc(capacity * HASH)
    const present = new Uint8Array(Math.ceil(capacity / 8))
    if (l) {
      l.hashes.copy(hashes)
      present.set(l.present)
    }
    this.#bytes += added
    const grown = { hashes, present, capacity }
    this.#levels[level] = grown
    return grown
  }
}
