/**
 * An independent tlog-tiles verifier: from a log's public endpoints alone it checks the
 * checkpoint signature, consistency with the last checkpoint it saw, the root recomputed
 * from the tiles, every entry against its leaf hash, and optionally inclusion of entries.
 * A quick mode reads only the tiles a light client needs (signature, consistency, chosen entries).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { z } from 'zod'
import { type OpenedCheckpoint, openCheckpoint } from './checkpoint.ts'
import {
  EMPTY_ROOT,
  HASH_SIZE,
  inclusionProof,
  leafHash,
  type NodeReader,
  nodeHash,
  ProofError,
  rootAt,
  verifyInclusion,
} from './merkle.ts'
import { NoteError, type NoteVerifier, parseVerifierKey } from './note.ts'
import {
  decodeEntryBundle,
  entriesPath,
  nodeFromTiles,
  TILE_WIDTH,
  TileError,
  tilePath,
  tilesForNodes,
} from './tiles.ts'

/** Tiles are fetched this many at a time: fast on a real log, gentle on a small server. */
const FETCH_CONCURRENCY = 8
/** A checkpoint claiming more leaves than this is refused rather than fetched (about 3 GB of hashes). */
export const DEFAULT_MAX_SIZE = 100_000_000

/** What the verifier remembers between runs: the newest checkpoint it has verified. */
export const ZVerifierState = z.object({
  origin: z.string().min(1),
  size: z.number().int().nonnegative(),
  root: z.base64().refine((s) => Buffer.from(s, 'base64').length === HASH_SIZE, {
    message: 'must be a base64 SHA-256 hash (32 bytes)',
  }),
  checkpoint: z.string(),
  seenAt: z.iso.datetime(),
  /** The key that verified it; a later run with another key is refused (trust on first use). */
  verifierKey: z.string().optional(),
})
export type VerifierState = z.infer<typeof ZVerifierState>

export interface VerifyLogOptions {
  /** The log prefix, e.g. `https://earlywatch.example/log` (with or without a final slash). */
  baseUrl: string
  /** The log's note verifier key (`name+hexid+base64`), obtained out of band. */
  verifierKey: string
  /** JSON file holding the last verified checkpoint; read for consistency, written on success. */
  stateFile?: string
  fetch?: typeof fetch
  /** Entry indexes whose inclusion in the checkpoint's tree is proven and reported. */
  entries?: number[]
  /**
   * `false` for a quick check that reads only the few tiles a light client needs: the
   * signature, consistency with the state file, and the chosen `entries` with their proofs.
   * Default `true`: every tile and every entry is read and checked.
   */
  full?: boolean
  /** Progress while entry bundles are checked: `done` of `total` entries. */
  onProgress?: (done: number, total: number) => void
  now?: () => Date
  maxSize?: number
}

export interface IncludedEntry {
  index: number
  /** Base64 leaf hash, and the entry itself (UTF-8 when it is text, else base64). */
  leafHash: string
  data: string
  proof: string[]
}

export interface VerifyLogResult {
  ok: boolean
  origin?: string
  size?: number
  /** Base64 root hash of the verified checkpoint. */
  root?: string
  /** The checkpoint seen before, if the state file had one. */
  previous?: { size: number; root: string; seenAt: string }
  entriesChecked: number
  included: IncludedEntry[]
  /** Each failure in plain words: what is wrong and what it means. */
  problems: string[]
  /**
   * When history was rewritten: both signed checkpoints, which together prove it to anyone
   * holding the log's key (a log must never sign two inconsistent checkpoints).
   */
  evidence?: { previous: string; current: string }
}

/** A problem that ends the run: nothing after it can be checked meaningfully. */
class Stop extends Error {}

/**
 * Verifies a tlog-tiles log from its public endpoints.
 *
 * @example
 * const r = await verifyLog({ baseUrl: 'https://earlywatch.example/log', verifierKey, stateFile })
 * if (!r.ok) console.error(r.problems.join('\n'))
 */
export async function verifyLog(opts: VerifyLogOptions): Promise<VerifyLogResult> {
  const result: VerifyLogResult = { ok: false, entriesChecked: 0, included: [], problems: [] }
  try {
    await run(opts, result)
  } catch (err) {
    if (!(err instanceof Stop)) throw err
    result.problems.push(err.message)
  }
  result.ok = result.problems.length === 0
  return result
}

async function run(opts: VerifyLogOptions, result: VerifyLogResult): Promise<void> {
  const base = opts.baseUrl.replace(/\/+$/, '')
  const doFetch = opts.fetch ?? fetch
  const now = opts.now ?? (() => new Date())
  const get = (path: string) =>
    fetchBytes(
      doFetch,
      `${base}/${path}`,
      path === 'checkpoint'
        ? MAX_BYTES.checkpoint
        : path.startsWith('tile/entries/')
          ? MAX_BYTES.bundle
          : MAX_BYTES.tile,
    )

  let key: NoteVerifier
  try {
    key = parseVerifierKey(opts.verifierKey)
  } catch (err) {
    throw new Stop(`the verifier key is not usable: ${(err as Error).message}`)
  }
  const previous = opts.stateFile ? await readState(opts.stateFile) : undefined
  if (previous) {
    result.previous = { size: previous.size, root: previous.root, seenAt: previous.seenAt }
    if (previous.verifierKey && previous.verifierKey !== key.verifierKey) {
      throw new Stop(
        `the verifier key ${key.verifierKey} is not the key ${previous.verifierKey} that verified checkpoint ${previous.size} seen on ${previous.seenAt}: a log that changes its key can hide a rewrite. If the operator announced a key rotation, start a new --state file`,
      )
    }
  }

  // 1. The checkpoint, signed by the key we were given out of band.
  const signed = await get('checkpoint')
  let cp: OpenedCheckpoint
  try {
    cp = openCheckpoint(signed, [key])
  } catch (err) {
    if (!(err instanceof NoteError)) throw err
    throw new Stop(`checkpoint at ${base}/checkpoint is not acceptable: ${err.message}`)
  }
  result.origin = cp.origin
  result.size = cp.size
  result.root = b64(cp.root)
  const maxSize = opts.maxSize ?? DEFAULT_MAX_SIZE
  if (cp.size > maxSize) {
    throw new Stop(
      `checkpoint claims ${cp.size} entries, more than this verifier fetches (${maxSize}); raise maxSize to verify a log this large`,
    )
  }

  // 2. Consistency with what we saw before, decided by sizes alone when the log shrank.
  if (previous) {
    if (previous.origin !== cp.origin) {
      throw new Stop(
        `the state file is for log "${previous.origin}" but ${base} serves "${cp.origin}"; use another --state file for this log`,
      )
    }
    if (cp.size < previous.size) {
      // No evidence here: an old checkpoint replayed (a stale cache) is not by itself proof of a rewrite.
      throw new Stop(
        `checkpoint ${cp.size} is not consistent with checkpoint ${previous.size} seen on ${previous.seenAt}: the log shrank, so history was rewritten (or an old checkpoint is being replayed)`,
      )
    }
  }

  // 3. A full check rebuilds the whole tree from the level-0 tiles (every leaf hash) and
  // trusts none of the log's own upper tiles; a quick one reads nodes from the tiles as needed.
  const full = opts.full ?? true
  const leaves = full ? await fetchLeafHashes(get, cp.size) : []
  const tree = full ? buildTree(leaves) : undefined
  const reader = tree ? treeReader(tree) : tileReader(get, cp.size)
  const root = cp.size === 0 ? EMPTY_ROOT : await rootAt(reader, cp.size)
  if (!root.equals(cp.root)) {
    throw new Stop(
      `the root computed from the tiles (${b64(root)}) differs from checkpoint ${cp.size}'s signed root (${b64(cp.root)}): the tiles served do not match the signed checkpoint`,
    )
  }
  if (previous) {
    const oldRoot = previous.size === 0 ? EMPTY_ROOT : await rootAt(reader, previous.size)
    if (!oldRoot.equals(Buffer.from(previous.root, 'base64'))) {
      result.evidence = { previous: previous.checkpoint, current: text(signed) }
      throw new Stop(
        `checkpoint ${cp.size} is not consistent with checkpoint ${previous.size} seen on ${previous.seenAt}: the first ${previous.size} entries now hash to ${b64(oldRoot)}, not ${previous.root}, so history was rewritten`,
      )
    }
  }

  if (tree) {
    // 4. Higher-level tiles are what proof-based clients read: they must agree with level 0.
    result.problems.push(...(await checkUpperTiles(get, tree, cp.size)))

    // 5. Every entry must hash to its leaf: this is where changed content shows.
    result.entriesChecked = await checkEntries(get, leaves, opts.onProgress, result.problems)
  }

  // 6. Chosen entries with their audit paths, checked against the signed root, for offline use.
  for (const index of opts.entries ?? []) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= cp.size) {
      result.problems.push(
        `entry ${index} is not in the log: checkpoint ${cp.size} holds entries 0 to ${cp.size - 1}`,
      )
      continue
    }
    const [leaf] = await reader.get([{ level: 0, index }])
    const proof = await inclusionProof(reader, index, cp.size)
    try {
      verifyInclusion(leaf!, index, cp.size, proof, cp.root)
    } catch (err) {
      if (!(err instanceof ProofError)) throw err
      result.problems.push(`entry ${index} is not proven included: ${err.message}`)
      continue
    }
    const [n, width] = bundleOf(index, cp.size)
    const path = entriesPath(n, width)
    const bundle = decodeBundleAt(await get(path), path)
    if (bundle.length !== (width ?? TILE_WIDTH)) {
      throw new Stop(
        `entry bundle ${path} holds ${bundle.length} entries, not ${width ?? TILE_WIDTH}: the log serves a malformed bundle`,
      )
    }
    const data = bundle[index % TILE_WIDTH]!
    if (!tree) {
      // A full check has already compared every entry; a quick one compares the chosen ones here.
      if (!leafHash(data).equals(leaf!)) {
        result.problems.push(
          `entry ${index} does not match its leaf hash: the log content was changed`,
        )
        continue
      }
      result.entriesChecked++
    }
    result.included.push({
      index,
      leafHash: b64(leaf!),
      data: printable(data),
      proof: proof.map(b64),
    })
  }

  if (result.problems.length === 0 && opts.stateFile) {
    const state: VerifierState = {
      origin: cp.origin,
      size: cp.size,
      root: b64(cp.root),
      checkpoint: text(signed),
      seenAt: now().toISOString(),
      verifierKey: key.verifierKey,
    }
    // Never move the remembered checkpoint backwards (a same-size re-check keeps the first sighting).
    if (!previous || cp.size > previous.size) await writeState(opts.stateFile, state)
  }
}

/**
 * Upper bounds on what a log may send, so a hostile or broken server cannot exhaust memory:
 * a note with the most signatures a verifier accepts, a full tile, a full bundle of maximal entries.
 */
const MAX_BYTES = {
  checkpoint: 1 << 20,
  tile: TILE_WIDTH * HASH_SIZE,
  bundle: TILE_WIDTH * (2 + 0xffff),
} as const

async function fetchBytes(
  doFetch: typeof fetch,
  url: string,
  maxBytes: number,
): Promise<Uint8Array> {
  let res: Response
  try {
    res = await doFetch(url, { signal: AbortSignal.timeout(30_000) })
  } catch (err) {
    throw new Stop(
      `could not fetch ${url}: ${(err as Error).message}; check the URL and that the log is reachable`,
    )
  }
  if (!res.ok) {
    await res.body?.cancel()
    throw new Stop(
      `GET ${url} answered HTTP ${res.status}: the log does not serve what its checkpoint says it holds`,
    )
  }
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for await (const chunk of res.body ?? []) {
      total += chunk.length
      if (total > maxBytes) {
        // Leaving the loop cancels the stream, so the rest is never downloaded.
        throw new Stop(
          `${url} sends more than ${maxBytes} bytes, more than any valid resource of its kind: the log is malformed or hostile`,
        )
      }
      chunks.push(chunk)
    }
  } catch (err) {
    if (err instanceof Stop) throw err
    throw new Stop(`reading ${url} failed: ${(err as Error).message}; try again`)
  }
  return new Uint8Array(Buffer.concat(chunks))
}

/** (index, width) of the level-0 tile or entry bundle holding `index` in a tree of `size`. */
function bundleOf(index: number, size: number): [number, number | undefined] {
  const n = Math.floor(index / TILE_WIDTH)
  const full = Math.floor(size / TILE_WIDTH)
  return [n, n < full ? undefined : size % TILE_WIDTH]
}

/** The tiles at one level for `count` hashes: `[index, width-if-partial]`, full ones first. */
function tilesFor(count: number): Array<[number, number | undefined]> {
  const out: Array<[number, number | undefined]> = []
  const full = Math.floor(count / TILE_WIDTH)
  for (let n = 0; n < full; n++) out.push([n, undefined])
  if (count % TILE_WIDTH) out.push([full, count % TILE_WIDTH])
  return out
}

async function fetchLeafHashes(
  get: (path: string) => Promise<Uint8Array>,
  size: number,
): Promise<Buffer[]> {
  const tiles = await inBatches(tilesFor(size), async ([n, w]) => {
    const path = tilePath(0, n, w)
    return splitTile(path, await get(path), w ?? TILE_WIDTH)
  })
  return tiles.flat()
}

function splitTile(path: string, bytes: Uint8Array, width: number): Buffer[] {
  if (bytes.length !== width * HASH_SIZE) {
    throw new Stop(
      `tile ${path} is ${bytes.length} bytes; a tile of ${width} hashes is ${width * HASH_SIZE}: the log serves a malformed tile`,
    )
  }
  const out: Buffer[] = []
  for (let i = 0; i < width; i++) {
    out.push(Buffer.from(bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)))
  }
  return out
}

/** Nodes from the tree rebuilt in memory. */
function treeReader(tree: Buffer[][]): NodeReader {
  return { get: async (ids) => ids.map(({ level, index }) => tree[level]![index]!) }
}

/**
 * Nodes read from the log's tiles as a light client reads them: only the tiles the asked-for
 * nodes live in are fetched (each once), and a malformed tile stops the run with its path.
 */
function tileReader(get: (path: string) => Promise<Uint8Array>, size: number): NodeReader {
  const tiles = new Map<string, Uint8Array>()
  return {
    async get(ids) {
      try {
        const missing = tilesForNodes(size, ids)
          .map((t) => tilePath(t.level, t.index, t.width))
          .filter((p) => !tiles.has(p))
        await inBatches(missing, async (p) => {
          tiles.set(p, await get(p))
        })
        return ids.map((id) => nodeFromTiles(size, tiles, id))
      } catch (err) {
        if (err instanceof TileError)
          throw new Stop(`a tile the proof needs is malformed: ${err.message}`)
        throw err
      }
    },
  }
}

/** tree[l][i] is the hash of the complete subtree of 2^l leaves starting at leaf i·2^l. */
function buildTree(leaves: Buffer[]): Buffer[][] {
  const tree: Buffer[][] = [leaves]
  for (let l = 0; tree[l]!.length > 1; l++) {
    const below = tree[l]!
    const level: Buffer[] = []
    for (let i = 0; i + 1 < below.length; i += 2) level.push(nodeHash(below[i]!, below[i + 1]!))
    tree.push(level)
  }
  return tree
}

async function checkUpperTiles(
  get: (path: string) => Promise<Uint8Array>,
  tree: Buffer[][],
  size: number,
): Promise<string[]> {
  const problems: string[] = []
  // A level-L tile holds hashes of subtrees of 256^L leaves, which are row 8·L of the tree.
  for (let level = 1; TILE_WIDTH ** level <= size; level++) {
    const row = tree[8 * level] ?? []
    await inBatches(tilesFor(Math.floor(size / TILE_WIDTH ** level)), async ([n, w]) => {
      const path = tilePath(level, n, w)
      const hashes = splitTile(path, await get(path), w ?? TILE_WIDTH)
      const bad = hashes.findIndex((h, i) => !h.equals(row[n * TILE_WIDTH + i]!))
      if (bad >= 0) {
        problems.push(
          `tile ${path} hash ${bad} does not match the tiles below it: the log serves a tree other than the one its entries make`,
        )
      }
    })
  }
  return problems
}

async function checkEntries(
  get: (path: string) => Promise<Uint8Array>,
  leaves: Buffer[],
  onProgress: VerifyLogOptions['onProgress'],
  problems: string[],
): Promise<number> {
  const size = leaves.length
  const mismatched: number[] = []
  let done = 0
  onProgress?.(0, size)
  await inBatches(tilesFor(size), async ([n, w]) => {
    const path = entriesPath(n, w)
    const width = w ?? TILE_WIDTH
    const entries = decodeBundleAt(await get(path), path)
    if (entries.length !== width) {
      throw new Stop(
        `entry bundle ${path} holds ${entries.length} entries, not ${width}: the log serves a malformed bundle`,
      )
    }
    entries.forEach((e, i) => {
      const index = n * TILE_WIDTH + i
      if (!leafHash(e).equals(leaves[index]!)) mismatched.push(index)
    })
    done += width
    onProgress?.(done, size)
  })
  if (mismatched.length) {
    mismatched.sort((a, b) => a - b)
    const more = mismatched.length > 1 ? ` (${mismatched.length - 1} more entries differ too)` : ''
    problems.push(
      `entry ${mismatched[0]} does not match its leaf hash: the log content was changed${more}`,
    )
  }
  return size - mismatched.length
}

function decodeBundleAt(bytes: Uint8Array, path = 'entry bundle'): Uint8Array[] {
  try {
    return decodeEntryBundle(bytes)
  } catch (err) {
    throw new Stop(`entry bundle ${path} is malformed: ${(err as Error).message}`)
  }
}

/** Runs `fn` over `items` with bounded concurrency, keeping the results in order. */
async function inBatches<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, items.length) }, worker))
  return out
}

async function readState(file: string): Promise<VerifierState | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new Stop(`cannot read the state file ${file}: ${(err as Error).message}`)
  }
  let parsed: z.ZodSafeParseResult<VerifierState>
  try {
    parsed = ZVerifierState.safeParse(JSON.parse(text))
  } catch {
    throw new Stop(
      `the state file ${file} is not JSON; restore it from a backup, or delete it to start again (losing the consistency check against what it held)`,
    )
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new Stop(
      `the state file ${file} is not a verifier state (${issue.path.join('.') || 'file'}: ${issue.message}); restore it, or delete it to start again`,
    )
  }
  return parsed.data
}

/** Written to a temporary file and renamed, so a crash never leaves half a state file. */
async function writeState(file: string, state: VerifierState): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 })
  await rename(tmp, file)
}

function text(b: Uint8Array): string {
  return Buffer.from(b).toString('utf8')
}

function b64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64')
}

/** Entries are usually canonical JSON; binary ones are shown as base64 rather than mangled. */
function printable(data: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data)
  } catch {
    return Buffer.from(data).toString('base64')
  }
}
