/** The log service against a real database: sequencing, stored tree, commitments, append-only tables, checkpoints and proofs. */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { fixedClock, systemClock } from '../platform/clock.ts'
import type { Db } from '../platform/db/db.ts'
import { isAppError } from '../platform/errors.ts'
import { testBackend, testRuntime } from '../platform/testing.ts'
import { openCheckpoint } from './checkpoint.ts'
import { registerTranslogJobs, SignCheckpoint, TRANSLOG_JOBS } from './jobs.ts'
import { leafHash, rootOf, verifyConsistency, verifyInclusion } from './merkle.ts'
import { canonicalBytes, type NewEntry, opens } from './model.ts'
import { parseVerifierKey } from './note.ts'
import { createTranslogService } from './service.ts'

const ORIGIN = 'earlywatch.test/log'

async function setup(t: TestContext) {
  const clock = fixedClock('2026-11-02T00:00:00Z')
  const rt = await testRuntime(t, { clock })
  await rt.jobs.register(...TRANSLOG_JOBS)
  const translog = createTranslogService({
    db: rt.db,
    clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    origin: ORIGIN,
  })
  return { rt, clock, translog }
}

function entry(n: number, over: Partial<NewEntry> = {}): NewEntry {
  return {
    type: 'submission.registered',
    subjects: [{ kind: 'submission', id: `sub_${String(n).padStart(20, '0')}` }],
    actor: { orgId: 'org_lab', role: 'lab_member', personId: 'per_1' },
    at: '2026-11-02T00:00:00.000Z',
    data: { n, modelName: 'Atlas' },
    ...over,
  }
}

const hexes = (xs: string[]) => xs.map((x) => Buffer.from(x, 'hex'))

async function leafHashes(db: Db): Promise<Buffer[]> {
  const r = await db.query<{ leaf_hash: Uint8Array }>(
    'SELECT leaf_hash FROM translog_entry ORDER BY idx',
  )
  return r.rows.map((x) => Buffer.from(x.leaf_hash))
}

const rejectsWith = (p: Promise<unknown>, code: string, field?: string) =>
  assert.rejects(p, (err: unknown) => {
    assert.ok(isAppError(err), `expected an AppError, got ${String(err)}`)
    assert.equal(err.code, code, err.detail)
    if (field) assert.equal(err.errors?.[0]?.path, field)
    return true
  })

test('appends one by one and in batches give gap-free indexes and the tree rootOf computes', async (t) => {
  const { rt, translog } = await setup(t)
  const got: number[] = []
  for (let i = 0; i < 5; i++)
    got.push((await rt.db.transaction((tx) => translog.append(tx, entry(i)))).index)
  const batch = await rt.db.transaction((tx) =>
    translog.appendMany(
      tx,
      Array.from({ length: 30 }, (_, k) => entry(5 + k)),
    ),
  )
  got.push(...batch.map((b) => b.index))
  assert.deepEqual(
    got,
    Array.from({ length: 35 }, (_, i) => i),
  )
  assert.equal(await translog.size(), 35)

  const leaves = await leafHashes(rt.db)
  const { checkpoint } = await translog.checkpoint()
  assert.equal(checkpoint?.root, rootOf(leaves).toString('hex'))

  // The stored bytes are the canonical JSON of the entry, and the leaf hash is over them.
  const e = await translog.entry(7)
  const body = Buffer.from(e.body, 'base64')
  assert.deepEqual(body, canonicalBytes(e.entry))
  assert.equal(e.leafHash, leafHash(body).toString('hex'))
  assert.equal(e.entry.data.n, 7)

  // A restarted process (a new service) carries on from the stored nodes, re-hashing nothing.
  const restarted = createTranslogService({
    db: rt.db,
    clock: rt.clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    origin: ORIGIN,
  })
  await rt.db.transaction((tx) => restarted.append(tx, entry(35)))
  const next = await restarted.checkpoint()
  assert.equal(next.checkpoint?.root, rootOf(await leafHashes(rt.db)).toString('hex'))
})

test('a rolled-back transaction gives its index back', async (t) => {
  const { rt, translog } = await setup(t)
  await rt.db.transaction((tx) => translog.append(tx, entry(0)))
  await assert.rejects(
    rt.db.transaction(async (tx) => {
      await translog.append(tx, entry(1))
      throw new Error('the decision failed')
    }),
    /the decision failed/,
  )
  const { index } = await rt.db.transaction((tx) => translog.append(tx, entry(2)))
  assert.equal(index, 1)
  assert.equal(await translog.size(), 2)
})

test('confidential fields are published only as commitments that the private salts open', async (t) => {
  const { rt, translog } = await setup(t)
  const { index } = await rt.db.transaction((tx) =>
    translog.append(
      tx,
      entry(0, { confidential: { endpointUrl: 'https://api.lab.example/v1', modelId: 'atlas-3' } }),
    ),
  )
  const e = await translog.entry(index)
  const body = Buffer.from(e.body, 'base64').toString('utf8')
  assert.ok(!body.includes('api.lab.example'), 'the endpoint URL is not published')
  assert.ok(!body.includes('atlas-3'), 'the model id is not published')
  const salts = await translog.salts(index)
  assert.ok(salts)
  assert.ok(opens(e.entry.commitments!.modelId!, Buffer.from(salts.modelId!, 'hex'), 'atlas-3'))
  assert.ok(
    !opens(e.entry.commitments!.modelId!, Buffer.from(salts.modelId!, 'hex'), 'atlas-4'),
    'another value does not open the commitment',
  )
})

test('entries, nodes and checkpoints refuse UPDATE and DELETE at the database', async (t) => {
  const { rt, translog } = await setup(t)
  await rt.db.transaction((tx) => translog.append(tx, entry(0)))
  await translog.checkpoint()
  for (const sql of [
    `UPDATE translog_entry SET type = 'grant.revoked'`,
    'DELETE FROM translog_entry',
    'UPDATE translog_node SET hash = hash',
    'DELETE FROM translog_node',
    `UPDATE translog_checkpoint SET note = ''`,
    'DELETE FROM translog_checkpoint',
    'TRUNCATE translog_entry CASCADE',
  ]) {
    await assert.rejects(rt.db.query(sql), /append-only/, sql)
  }
})

test('checkpoints: signed with the published key, only when the tree grew, and all kept', async (t) => {
  const { rt, translog } = await setup(t)
  await translog.init()
  const empty = await translog.latestCheckpoint()
  assert.equal(empty.size, 0)
  const vkey = parseVerifierKey(await translog.verifierKey())
  assert.equal(vkey.name, ORIGIN)

  await rt.db.transaction((tx) => translog.appendMany(tx, [entry(0), entry(1), entry(2)]))
  const first = await translog.checkpoint()
  assert.equal(first.signed, true)
  const opened = openCheckpoint(first.checkpoint!.note, [vkey])
  assert.equal(opened.size, 3)
  assert.equal(Buffer.from(opened.root).toString('hex'), first.checkpoint!.root)

  assert.equal((await translog.checkpoint()).signed, false, 'nothing new, nothing signed')
  const { total } = await translog.checkpoints({ limit: 10, offset: 0 })
  assert.equal(total, 2)

  // The key survives a new service instance (a restart): same verifier key.
  const again = createTranslogService({
    db: rt.db,
    clock: rt.clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    origin: ORIGIN,
  })
  assert.equal(await again.verifierKey(), vkey.verifierKey)

  // Entries whose checkpoint job never ran are signed when a process starts.
  await rt.db.transaction((tx) => translog.append(tx, entry(3)))
  await again.init()
  assert.equal((await again.latestCheckpoint()).size, 4)
})

test('appends request one checkpoint job until it runs', async (t) => {
  const { rt, translog } = await setup(t)
  const queued = async () =>
    Number(
      (
        await rt.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${testBackend === 'postgres' ? `${rt.settings.databaseSchema}_boss` : 'pgboss'}.job WHERE name = $1 AND state < 'active'`,
          [SignCheckpoint.name],
        )
      ).rows[0]?.n,
    )
  for (let i = 0; i < 4; i++) await rt.db.transaction((tx) => translog.append(tx, entry(i)))
  assert.equal(await queued(), 1, 'a burst of appends waits for one checkpoint job')
  await translog.checkpoint()
  await rt.db.transaction((tx) => translog.append(tx, entry(9)))
  assert.equal(await queued(), 2, 'after signing, the next append asks again')
})

test('inclusion and consistency proofs verify for every index and size', async (t) => {
  const { rt, translog } = await setup(t)
  const n = 21
  await rt.db.transaction((tx) =>
    translog.appendMany(
      tx,
      Array.from({ length: n }, (_, k) => entry(k)),
    ),
  )
  const leaves = await leafHashes(rt.db)
  for (let size = 1; size <= n; size++) {
    const root = rootOf(leaves.slice(0, size))
    for (let index = 0; index < size; index++) {
      const p = await translog.inclusionProof({ index, size })
      assert.equal(p.root, root.toString('hex'))
      verifyInclusion(leaves[index]!, index, size, hexes(p.proof), root)
    }
    for (const from of [0, 1, Math.floor(size / 2), size]) {
      const c = await translog.consistencyProof(from, size)
      verifyConsistency(from, size, hexes(c.proof), rootOf(leaves.slice(0, from)), root)
    }
  }
  // By leaf hash, against the latest signed checkpoint.
  await translog.checkpoint()
  const byHash = await translog.inclusionProof({ leafHash: leaves[4]!.toString('hex') })
  assert.equal(byHash.index, 4)
  assert.equal(byHash.size, n)
})

test('the warmed proof cache holds levels 4 and up, and proofs from it verify', async (t) => {
  const { rt, translog } = await setup(t)
  const n = 70
  await rt.db.transaction((tx) =>
    translog.appendMany(
      tx,
      Array.from({ length: n }, (_, k) => entry(k)),
    ),
  )
  // 70 leaves: four complete 16-leaf subtrees (level 4), two of 32, one of 64.
  const warmed = await translog.warmProofCache()
  assert.equal(warmed.nodes, 4 + 2 + 1)
  assert.ok(warmed.bytes > 0)
  const leaves = await leafHashes(rt.db)
  for (const size of [17, 33, 64, 65, 70]) {
    const root = rootOf(leaves.slice(0, size))
    for (const index of [0, 15, 16, size - 1]) {
      const p = await translog.inclusionProof({ index, size })
      assert.equal(p.root, root.toString('hex'))
      verifyInclusion(leaves[index]!, index, size, hexes(p.proof), root)
    }
    for (const from of [1, 16, 31, size].filter((f) => f <= size)) {
      const c = await translog.consistencyProof(from, size)
      verifyConsistency(from, size, hexes(c.proof), rootOf(leaves.slice(0, from)), root)
    }
  }
})

test('proofs beyond the tree, or of entries not yet signed, are refused with a clear 4xx', async (t) => {
  const { rt, translog } = await setup(t)
  await translog.init()
  await rt.db.transaction((tx) => translog.appendMany(tx, [entry(0), entry(1)]))
  await rejectsWith(translog.inclusionProof({ index: 0, size: 3 }), 'EW_VALIDATION', 'size')
  await rejectsWith(translog.inclusionProof({ index: 5, size: 2 }), 'EW_NOT_FOUND')
  await rejectsWith(translog.consistencyProof(1, 3), 'EW_VALIDATION', 'to')
  await rejectsWith(translog.consistencyProof(2, 1), 'EW_VALIDATION', 'from')
  await rejectsWith(translog.inclusionProof({ index: 1 }), 'EW_CONFLICT')
  await rejectsWith(translog.receipt(1), 'EW_CONFLICT')
  await translog.checkpoint()
  const r = await translog.receipt(1)
  assert.equal(r.size, 2)
})

test('a worker runs the checkpoint job the appends asked for', async (t) => {
  const rt = await testRuntime(t)
  await rt.jobs.register(...TRANSLOG_JOBS)
  const translog = createTranslogService({
    db: rt.db,
    clock: systemClock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    origin: ORIGIN,
    checkpointIntervalMs: 200,
  })
  registerTranslogJobs(rt.jobs, translog)
  await rt.jobs.startWorking({ pollingIntervalSeconds: 0.5 })
  await rt.db.transaction((tx) => translog.appendMany(tx, [entry(0), entry(1)]))
  const deadline = Date.now() + 30_000
  let size = -1
  while (Date.now() < deadline) {
    size = (await translog.checkpoints({ limit: 1, offset: 0 })).items[0]?.size ?? -1
    if (size === 2) break
    await new Promise((r) => setTimeout(r, 200))
  }
  assert.equal(size, 2, 'the job signed a checkpoint of both entries')
})

test('a log cannot be renamed: a new origin on an existing log stops start-up, naming the setting', async (t) => {
  const { rt, clock, translog } = await setup(t)
  await rt.db.transaction((tx) => translog.append(tx, entry(0)))
  await translog.checkpoint()
  const renamed = createTranslogService({
    db: rt.db,
    clock,
    jobs: rt.jobs,
    envelopes: rt.envelopes,
    origin: 'new-host.example/log',
  })
  await rt.db.transaction((tx) => renamed.append(tx, entry(1)))
  await assert.rejects(renamed.checkpoint(), /EARLYWATCH_LOG_ORIGIN=earlywatch\.test\/log/)
  const { rows } = await rt.db.query<{ n: number }>('SELECT count(*)::int AS n FROM translog_key')
  assert.equal(rows[0]!.n, 1, 'no second key was made')
})
