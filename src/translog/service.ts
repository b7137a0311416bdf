/**
 * The transparency log's use cases: appending decisions inside the deciding transaction,
 * signing checkpoints, and answering proofs, tiles and entry reads that anyone can verify.
 */
import { randomBytes } from 'node:crypto'
import type { Clock } from '../platform/clock.ts'
import type { Envelopes } from '../platform/crypto/envelope.ts'
import type { Db, Queryable, Tx } from '../platform/db/db.ts'
import { AppError, ErrorCodes, invalid, notFound } from '../platform/errors.ts'
import type { Jobs } from '../platform/jobs/jobs.ts'
import { formatCheckpoint } from './checkpoint.ts'
import { SignCheckpoint } from './jobs.ts'
import {
  completedBy,
  consistencyProof,
  inclusionProof,
  leafHash,
  type NodeId,
  type NodeReader,
  nodeHash,
  nodesForConsistency,
  nodesForInclusion,
  nodesForRoot,
  rootAt,
} from './merkle.ts'
import {
  canonicalBytes,
  ENTRY_TYPES,
  type Entry,
  type EntryType,
  type NewEntry,
  SALT_BYTES,
  sealEntry,
  subjectIds,
} from './model.ts'
import { NodeCache } from './node-cache.ts'
import { generateSignerKey, parseSignerKey, type SignerKey, signNote } from './note.ts'
import * as store from './store.ts'
import { TILE_HEIGHT, TILE_WIDTH } from './tiles.ts'

export interface TranslogDeps {
  db: Pick<Db, 'query' | 'transaction'>
  clock: Clock
  jobs: Pick<Jobs, 'send'>
  envelopes: Envelopes
  /** The log's identity in checkpoints and its key name, e.g. `earlywatch.example.org/log`. */
  origin: string
  /** Checkpoints come at most this often; a burst of appends waits this long for one. */
  checkpointIntervalMs?: number
  /** Salt source (tests pin it); 32 random bytes by default. */
  salt?: () => Buffer
}

export interface Appended {
  index: number
  leafHash: Buffer
}

/** An entry as the API shows it: the parsed entry plus the exact bytes that were hashed. */
export interface PublishedEntry {
  index: number
  leafHash: string
  type: EntryType
  at: Date
  entry: Entry
  /** The canonical JSON bytes, base64: hash these (with the 0x00 prefix) to get leafHash. */
  body: string
}

export interface Checkpoint {
  size: number
  root: string
  note: string
  createdAt: Date
}

export interface InclusionProof {
  index: number
  size: number
  leafHash: string
  root: string
  proof: string[]
}

export interface ConsistencyProof {
  from: number
  to: number
  fromRoot: string
  toRoot: string
  proof: string[]
}

export interface Receipt {
  index: number
  entry: PublishedEntry
  proof: string[]
  /** The signed checkpoint (C2SP signed note) whose root the proof leads to. */
  checkpoint: string
  size: number
  /**
   * The same proof as a c2sp.org/tlog-proof@v1 text, verifiable offline by tlog tools; its
   * `extra` line carries the entry's canonical bytes.
   */
  tlogProof: string
}

/** Figures computed from the entries a signed checkpoint covers, for the public report. */
export interface Report {
  /** Entries counted: exactly those of `checkpoint`, so anyone can recount them from the log. */
  size: number
  /** Series periods: UTC days while the log is young (at most 62 days), ISO weeks after. */
  period: 'day' | 'week'
  totals: Record<EntryType, number>
  /** Determinations by their `outcome`; `unspecified` when an entry carries none. */
  determinationsByOutcome: Array<{ outcome: string; count: number }>
  /** Partner refusals by their `reasonCategory`; `unspecified` when an entry carries none. */
  refusalsByReason: Array<{ reasonCategory: string; count: number }>
  /** One point per period, contiguous from the first entry's to the checkpoint's, zeros included. */
  series: Array<{ start: string; counts: Record<EntryType, number> }>
  checkpoint: Checkpoint
  verifierKey: string
}

export interface EntryListQuery {
  type?: EntryType | undefined
  subjectId?: string | undefined
  from?: Date | undefined
  to?: Date | undefined
  limit: number
  offset: number
}

export interface TranslogService {
  /**
   * Appends one entry inside the caller's transaction, so the decision and its entry commit or
   * roll back together. Confidential fields become salted commitments.
   *
   * @example
   * await db.transaction(async (tx) => {
   *   await store.update(tx, …)
   *   const { index } = await translog.append(tx, { type: 'grant.revoked', … })
   * })
   */
  append(tx: Tx, entry: NewEntry): Promise<Appended>
  /** Appends a batch in order under one lock, with one round trip per table. */
  appendMany(tx: Tx, entries: readonly NewEntry[]): Promise<Appended[]>
  /**
   * At start-up: generates the signing key on first start, and signs a checkpoint if the tree
   * grew since the last one (the first start, or entries whose checkpoint job was lost).
   */
  init(): Promise<void>
  /**
   * Reads every stored node the proof cache holds (tree levels 4 and up), so proofs read only
   * their lowest nodes from the start rather than as the cache fills. `serve` runs it in the
   * background at start-up; nothing depends on it finishing.
   */
  warmProofCache(): Promise<{ nodes: number; bytes: number }>
  /** The checkpoint job's work: signs a checkpoint if the tree grew since the last one. */
  checkpoint(): Promise<{ signed: boolean; checkpoint: Checkpoint | null }>
  size(): Promise<number>
  latestCheckpoint(): Promise<Checkpoint>
  checkpoints(page: {
    limit: number
    offset: number
  }): Promise<{ items: Checkpoint[]; total: number }>
  verifierKey(): Promise<string>
  entry(index: number): Promise<PublishedEntry>
  entries(query: EntryListQuery): Promise<{ items: PublishedEntry[]; total: number }>
  /** By index, or by leaf hash (hex); `size` defaults to the latest signed checkpoint's. */
  inclusionProof(q: { index?: number; leafHash?: string; size?: number }): Promise<InclusionProof>
  consistencyProof(from: number, to: number): Promise<ConsistencyProof>
  /** The entry, its inclusion proof and the signed checkpoint it leads to: all a verifier needs. */
  receipt(index: number): Promise<Receipt>
  /** The hashes of a tlog-tiles hash tile, or null if the tree does not have that many yet. */
  hashTile(level: number, index: number, width: number): Promise<Buffer[] | null>
  /** The entries of a tlog-tiles entry bundle, or null if the log does not have that many yet. */
  entryBundle(index: number, width: number): Promise<Buffer[] | null>
  /** Counts by type, over time and by outcome or reason, of the entries the latest checkpoint covers. */
  report(): Promise<Report>
  /** The commitment salts of an entry, for proving a confidential value to an auditor. Private. */
  salts(index: number): Promise<Record<string, string> | null>
}

const keyContext = (name: string) => `translog:key:${name}`
const hex = (b: Buffer) => b.toString('hex')

/** Reads stored subtree hashes; a missing one means the tree store is damaged, never bad input. */
function nodeReader(q: Queryable): NodeReader {
  return {
    get: async (ids) => pick(await store.nodes(q, ids), ids),
  }
}

/**
 * Reads every node a proof and its roots need in one query, then serves them from memory. Null
 * when one is missing: a node exists once its last leaf is committed, so a complete read also
 * proves that every size asked about is within the tree, without reading the tree's size.
 */
/**
 * Tree levels 4 and up live in memory once read (see node-cache.ts): about 4 bytes per entry,
 * so a million-entry log costs 4 MB and a proof then reads only its five lowest nodes. Bounded,
 * so a huge log stops adding past the bound rather than growing without limit.
 */
const CACHED_LEVEL = 4
const CACHE_MAX_BYTES = 256 * 1024 * 1024

async function preloaded(
  q: Queryable,
  ids: readonly NodeId[],
  cache?: NodeCache,
): Promise<NodeReader | null> {
  const found = new Map<string, Buffer>()
  const missing: NodeId[] = []
  for (const id of ids) {
    const hit = cache?.get(id.level, id.index)
    if (hit) found.set(store.nodeKey(id.level, id.index), hit)
    else missing.push(id)
  }
  for (const [key, hash] of await store.nodes(q, missing)) {
    found.set(key, hash)
    if (cache) {
      const [level, index] = key.split('/').map(Number) as [number, number]
      cache.set(level, index, hash)
    }
  }
  if (ids.some((id) => !found.has(store.nodeKey(id.level, id.index)))) return null
  return { get: async (wanted) => pick(found, wanted) }
}

function pick(found: Map<string, Buffer>, ids: readonly NodeId[]): Buffer[] {
  return ids.map((id) => {
    const h = found.get(store.nodeKey(id.level, id.index))
    if (!h)
      throw new Error(
        `Merkle node (level ${id.level}, index ${id.index}) is missing from translog_node; the stored tree is damaged.`,
      )
    return h
  })
}

const damaged = (size: number) =>
  new Error(
    `Nodes of the tree of size ${size} are missing from translog_node although the log is that large; the stored tree is damaged.`,
  )

function checkEntry(e: NewEntry): void {
  if (!(ENTRY_TYPES as readonly string[]).includes(e.type))
    throw new Error(`Unknown transparency-log entry type ${e.type}; add it to ENTRY_TYPES first.`)
  if (Number.isNaN(Date.parse(e.at)))
    throw new Error(`Entry ${e.type} has at = ${e.at}, which is not an ISO 8601 time.`)
}

export function createTranslogService(deps: TranslogDeps): TranslogService {
  const { db, clock, jobs, envelopes, origin } = deps
  const intervalMs = deps.checkpointIntervalMs ?? 5_000
  // A request older than this had its job lost (dead-lettered, or the queue was cleared).
  const staleMs = Math.max(10 * intervalMs, 60_000)
  const salt = deps.salt ?? (() => randomBytes(SALT_BYTES))
  let signer: SignerKey | undefined
  const upperNodes = new NodeCache({ lowestLevel: CACHED_LEVEL, maxBytes: CACHE_MAX_BYTES })
  let reportCache: { checkpointId: number; report: Report } | undefined
  /** Day-level counts of the first `size` entries, kept so each entry is counted once. */
  let counted: { size: number; days: Map<string, store.ReportCountRow> } = {
    size: 0,
    days: new Map(),
  }

  async function loadSigner(): Promise<SignerKey> {
    if (signer) return signer
    let row = await store.key(db, origin)
    if (!row) {
      // A log cannot be renamed: its origin is in every checkpoint verifiers have kept. A new
      // origin here means the public URL changed, and silently starting a second log under a
      // new key would look, to every verifier, exactly like a rewritten history.
      const existing = await store.keyNames(db)
      if (existing.length > 0) {
        throw new Error(
          `This database's transparency log is named ${existing.join(', ')}, but the settings now give ${origin}. A log cannot be renamed: set EARLYWATCH_LOG_ORIGIN=${existing[0]} to keep serving it.`,
        )
      }
      const fresh = generateSignerKey(origin)
      const sealed = await envelopes.encrypt(fresh.signerKey, keyContext(origin))
      // Two processes starting together may both generate; the first insert wins and both use it.
      await store.insertKeyIfAbsent(db, {
        name: origin,
        signer: sealed,
        verifierKey: fresh.verifierKey,
      })
      row = await store.key(db, origin)
      if (!row) throw new Error(`The signing key ${origin} was inserted but cannot be read back.`)
    }
    const text = (await envelopes.decrypt(row.signer, keyContext(origin))).toString('utf8')
    signer = parseSignerKey(text)
    return signer
  }

  async function appendMany(tx: Tx, inputs: readonly NewEntry[]): Promise<Appended[]> {
    if (inputs.length === 0) return []
    for (const e of inputs) checkEntry(e)
    // Everything that does not depend on the index is done before taking the lock, which every
    // appender in every process waits for.
    const sealed = inputs.map((e) => sealEntry(e, salt))
    const prepared = sealed.map(({ entry }) => {
      const body = canonicalBytes(entry)
      return {
        leafHash: leafHash(body),
        body,
        type: entry.type,
        subjectIds: subjectIds(entry),
        at: new Date(entry.at),
      }
    })
    const state = await store.lockState(tx)
    const first = state.size
    const leaves: store.EntryRow[] = prepared.map((p, k) => ({ index: first + k, ...p }))
    const parents = leaves.flatMap((l) => completedBy(l.index))
    // Children completed before this batch are stored; read them all in one query.
    const made = new Set([
      ...leaves.map((l) => store.nodeKey(0, l.index)),
      ...parents.map((p) => store.nodeKey(p.level, p.index)),
    ])
    const stored: NodeId[] = parents
      .map((p) => p.left)
      .filter((c) => !made.has(store.nodeKey(c.level, c.index)))
    const known = await store.nodes(tx, stored)
    for (const l of leaves) known.set(store.nodeKey(0, l.index), l.leafHash)
    const nodes: store.NodeRow[] = leaves.map((l) => ({
      level: 0,
      index: l.index,
      hash: l.leafHash,
    }))
    // completedBy lists parents bottom-up per leaf and leaves come in order, so both children
    // of each parent are known by the time it is reached.
    for (const p of parents) {
      const left = known.get(store.nodeKey(p.left.level, p.left.index))
      const right = known.get(store.nodeKey(p.right.level, p.right.index))
      if (!left || !right)
        throw new Error(
          `Merkle node (level ${p.left.level}, index ${p.left.index}) is missing from translog_node; the stored tree is damaged.`,
        )
      const hash = nodeHash(left, right)
      known.set(store.nodeKey(p.level, p.index), hash)
      nodes.push({ level: p.level, index: p.index, hash })
    }

    await store.insertEntries(tx, leaves)
    await store.insertNodes(tx, nodes)
    for (const [k, s] of sealed.entries()) {
      if (Object.keys(s.salts).length > 0) await store.insertSecret(tx, first + k, s.salts)
    }

    const now = clock.now()
    const requested = state.checkpointRequestedAt
    const request = !requested || now.getTime() - requested.getTime() > staleMs
    await store.setState(tx, {
      size: first + leaves.length,
      checkpointRequestedAt: request ? now : requested,
    })
    if (request) {
      await jobs.send(
        SignCheckpoint,
        {},
        { tx, startAfter: new Date(now.getTime() + intervalMs), singletonKey: 'translog' },
      )
    }
    return leaves.map((l) => ({ index: l.index, leafHash: l.leafHash }))
  }

  const toCheckpoint = (c: store.CheckpointRow): Checkpoint => ({
    size: c.size,
    root: hex(c.root),
    note: c.note,
    createdAt: c.createdAt,
  })

  const publish = (r: store.EntryRow): PublishedEntry => ({
    index: r.index,
    leafHash: hex(r.leafHash),
    type: r.type,
    at: r.at,
    entry: JSON.parse(r.body.toString('utf8')) as Entry,
    body: r.body.toString('base64'),
  })

  async function checkpoint() {
    const key = await loadSigner()
    return db.transaction(async (tx) => {
      // Under the appenders' lock: an append between reading the size and clearing the request
      // would otherwise see the request, send no job, and wait for the next append to be signed.
      const state = await store.lockState(tx)
      const latest = await store.latestCheckpoint(tx)
      await store.setState(tx, { size: state.size, checkpointRequestedAt: null })
      if (latest && latest.size >= state.size)
        return { signed: false, checkpoint: toCheckpoint(latest) }
      const root = await rootAt(nodeReader(tx), state.size)
      const note = signNote(formatCheckpoint({ origin, size: state.size, root }), key)
      const row = await store.insertCheckpoint(tx, {
        size: state.size,
        root,
        note,
        createdAt: clock.now(),
      })
      return { signed: true, checkpoint: toCheckpoint(row) }
    })
  }

  async function latest(): Promise<store.CheckpointRow> {
    const c = await store.latestCheckpoint(db)
    if (!c)
      throw new AppError(ErrorCodes.EW_UNAVAILABLE, {
        detail:
          'The log has no signed checkpoint yet; the first is signed at start-up. Retry in a few seconds.',
        headers: { 'retry-after': '5' },
      })
    return c
  }

  /** 400 naming the parameter when a size is beyond the tree: proofs are only for trees that exist. */
  function withinTree(field: string, value: number, treeSize: number) {
    if (value > treeSize)
      throw invalid(
        field,
        `${value} is beyond the log's size ${treeSize}; ask for a size of at most ${treeSize}.`,
      )
  }

  async function entryAt(index: number): Promise<store.EntryRow> {
    const r = await store.entry(db, index)
    if (!r) throw notFound('log entry', String(index))
    return r
  }

  /** Proof, root and leaf hash in one read; null if `size` (or the entry) is beyond the tree. */
  async function proveInclusion(index: number, size: number) {
    const leaf = { level: 0, index }
    const reader = await preloaded(
      db,
      [leaf, ...nodesForRoot(size), ...nodesForInclusion(index, size).ids],
      upperNodes,
    )
    if (!reader) return null
    return {
      leafHash: (await reader.get([leaf]))[0]!,
      root: await rootAt(reader, size),
      proof: await inclusionProof(reader, index, size),
    }
  }

  const notYetSigned = (index: number, signed: number, treeSize: number) =>
    new AppError(ErrorCodes.EW_CONFLICT, {
      detail: `Entry ${index} is not in a signed checkpoint yet (the latest covers ${signed} entries); one is signed within seconds. Retry then${treeSize > signed ? `, or give size= up to ${treeSize}` : ''}.`,
      headers: { 'retry-after': String(Math.ceil(intervalMs / 1000) + 1) },
    })

  return {
    append: async (tx, entry) => (await appendMany(tx, [entry]))[0]!,
    appendMany,

    async init() {
      await checkpoint()
    },

    async warmProofCache() {
      let nodes = 0
      let after = { level: CACHED_LEVEL, index: -1 }
      for (;;) {
        const page = await store.nodesAfter(db, CACHED_LEVEL, after, 50_000)
        for (const n of page) upperNodes.set(n.level, n.index, n.hash)
        nodes += page.length
        const last = page.at(-1)
        if (!last) return { nodes, bytes: upperNodes.bytes }
        after = { level: last.level, index: last.index }
      }
    },

    checkpoint,

    size: () => store.size(db),

    latestCheckpoint: async () => toCheckpoint(await latest()),

    async checkpoints(page) {
      const { items, total } = await store.checkpoints(db, page)
      return { items: items.map(toCheckpoint), total }
    },

    verifierKey: async () => (await loadSigner()).verifierKey,

    entry: async (index) => publish(await entryAt(index)),

    async entries(query) {
      const { items, total } = await store.entries(db, query)
      return { items: items.map(publish), total }
    },

    async inclusionProof(q) {
      let index: number
      if (q.leafHash !== undefined) {
        const entry = await store.entryByLeafHash(db, Buffer.from(q.leafHash, 'hex'))
        if (!entry) throw notFound('log entry with leaf hash', q.leafHash)
        index = entry.index
      } else if (q.index !== undefined) {
        index = q.index
      } else {
        throw invalid('index', 'give index or hash: the entry to prove')
      }
      const size = q.size ?? (await latest()).size
      // Only on the unhappy path is the tree's size read, to say precisely what is wrong.
      const proved = index < size ? await proveInclusion(index, size) : null
      if (!proved) {
        const treeSize = await store.size(db)
        if (index >= treeSize) throw notFound('log entry', String(index))
        if (q.size === undefined) throw notYetSigned(index, size, treeSize)
        withinTree('size', size, treeSize)
        if (index >= size)
          throw invalid(
            'size',
            `entry ${index} is not in a tree of size ${size}; give a larger size.`,
          )
        throw damaged(size)
      }
      return {
        index,
        size,
        leafHash: hex(proved.leafHash),
        root: hex(proved.root),
        proof: proved.proof.map(hex),
      }
    },

    async consistencyProof(from, to) {
      if (from > to)
        throw invalid('from', `${from} is larger than to (${to}); a log never shrinks.`)
      const reader = await preloaded(
        db,
        [...nodesForRoot(from), ...nodesForRoot(to), ...nodesForConsistency(from, to).ids],
        upperNodes,
      )
      if (!reader) {
        withinTree('to', to, await store.size(db))
        throw damaged(to)
      }
      return {
        from,
        to,
        fromRoot: hex(await rootAt(reader, from)),
        toRoot: hex(await rootAt(reader, to)),
        proof: (await consistencyProof(reader, from, to)).map(hex),
      }
    },

    async receipt(index) {
      const entry = await entryAt(index)
      const cp = await latest()
      if (index >= cp.size)
        throw new AppError(ErrorCodes.EW_CONFLICT, {
          detail: `Entry ${index} is not in a signed checkpoint yet (the latest covers ${cp.size} entries); one is signed within seconds. Retry then.`,
          headers: { 'retry-after': String(Math.ceil(intervalMs / 1000) + 1) },
        })
      const proved = await proveInclusion(index, cp.size)
      if (!proved) throw damaged(cp.size)
      const { proof } = proved
      const tlogProof = [
        'c2sp.org/tlog-proof@v1',
        `extra ${entry.body.toString('base64')}`,
        `index ${index}`,
        ...proof.map((h) => h.toString('base64')),
        '',
        cp.note,
      ].join('\n')
      return {
        index,
        entry: publish(entry),
        proof: proof.map(hex),
        checkpoint: cp.note,
        size: cp.size,
        tlogProof,
      }
    },

    async hashTile(level, index, width) {
      const treeLevel = level * TILE_HEIGHT
      const available = Math.floor((await store.size(db)) / 2 ** treeLevel) - index * TILE_WIDTH
      if (width > available) return null
      const hashes = await store.nodeRange(db, treeLevel, index * TILE_WIDTH, width)
      return hashes.length === width ? hashes : null
    },

    async entryBundle(index, width) {
      const available = (await store.size(db)) - index * TILE_WIDTH
      if (width > available) return null
      const rows = await store.entryRange(db, index * TILE_WIDTH, width)
      return rows.length === width ? rows.map((r) => r.body) : null
    },

    async report() {
      const cp = await latest()
      if (reportCache?.checkpointId === cp.id) return reportCache.report
      // Entries never change, so only those added since the last count are read. A smaller
      // checkpoint than counted means another database or a rewrite: count again from zero.
      if (cp.size < counted.size) counted = { size: 0, days: new Map() }
      if (cp.size > counted.size) {
        const rows = await store.reportCounts(db, counted.size, cp.size)
        const days = new Map(counted.days)
        for (const r of rows) {
          const key = `${r.day}\u0000${r.type}\u0000${r.detail ?? ''}`
          const had = days.get(key)
          days.set(key, had ? { ...had, count: had.count + r.count } : r)
        }
        counted = { size: cp.size, days }
      }
      const report = buildReport(
        [...counted.days.values()],
        toCheckpoint(cp),
        (await loadSigner()).verifierKey,
      )
      reportCache = { checkpointId: cp.id, report }
      return report
    },

    salts: (index) => store.secret(db, index),
  }
}

const zeroCounts = (): Record<EntryType, number> =>
  Object.fromEntries(ENTRY_TYPES.map((t) => [t, 0])) as Record<EntryType, number>

const DAY_MS = 86_400_000

/** The UTC day, or the Monday of the ISO week, that `at` falls in, as `YYYY-MM-DD`. */
function periodStart(at: Date, period: 'day' | 'week'): string {
  const day = Math.floor(at.getTime() / DAY_MS) * DAY_MS
  // 1970-01-01 was a Thursday: days since the epoch + 3, mod 7, counts days since Monday.
  const sinceMonday = period === 'week' ? (((day / DAY_MS + 3) % 7) + 7) % 7 : 0
  return new Date(day - sinceMonday * DAY_MS).toISOString().slice(0, 10)
}

/** Days while the log spans at most this long up to its checkpoint; ISO weeks after. */
const DAILY_SPAN_MS = 62 * DAY_MS

function buildReport(
  days: store.ReportCountRow[],
  checkpoint: Checkpoint,
  verifierKey: string,
): Report {
  const first = days.map((d) => d.day).sort()[0]
  const period: Report['period'] =
    first === undefined || checkpoint.createdAt.getTime() - Date.parse(first) <= DAILY_SPAN_MS
      ? 'day'
      : 'week'
  const totals = zeroCounts()
  const outcomes = new Map<string, number>()
  const reasons = new Map<string, number>()
  const byBucket = new Map<string, Record<EntryType, number>>()
  const add = (m: Map<string, number>, k: string | null, n: number) =>
    m.set(k ?? 'unspecified', (m.get(k ?? 'unspecified') ?? 0) + n)
  for (const r of days) {
    totals[r.type] += r.count
    if (r.type === 'determination.made') add(outcomes, r.detail, r.count)
    if (r.type === 'partner.refused') add(reasons, r.detail, r.count)
    const bucket = periodStart(new Date(`${r.day}T00:00:00Z`), period)
    const counts = byBucket.get(bucket) ?? zeroCounts()
    counts[r.type] += r.count
    byBucket.set(bucket, counts)
  }
  const series: Report['series'] = []
  if (first !== undefined) {
    const step = (period === 'week' ? 7 : 1) * DAY_MS
    const starts = [...byBucket.keys(), periodStart(checkpoint.createdAt, period)].sort()
    const last = Date.parse(starts[starts.length - 1]!)
    for (let t = Date.parse(starts[0]!); t <= last; t += step) {
      const start = new Date(t).toISOString().slice(0, 10)
      series.push({ start, counts: byBucket.get(start) ?? zeroCounts() })
    }
  }
  const sorted = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  return {
    size: checkpoint.size,
    period,
    totals,
    determinationsByOutcome: sorted(outcomes).map(([outcome, count]) => ({ outcome, count })),
    refusalsByReason: sorted(reasons).map(([reasonCategory, count]) => ({ reasonCategory, count })),
    series,
    checkpoint,
    verifierKey,
  }
}
