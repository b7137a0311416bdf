/** The request-log buffer: batches, the timer, the size trigger, retries after a failed write, and the flush on close. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLogger } from '../platform/log.ts'
import { createRequestLog } from './request-log.ts'
import type { RequestRecord } from './store.ts'

const log = createLogger('silent')

let seq = 0
const row = (grantId = 'grt_a', tokens = 3): RequestRecord => ({
  at: new Date('2026-11-23T10:00:00Z'),
  grantId,
  partnerOrgId: 'org_p',
  submissionId: 'sub_s',
  endpoint: 'chat.completions',
  model: 'm',
  streamed: false,
  status: 200,
  errorCode: null,
  inputTokens: tokens,
  outputTokens: 0,
  tokensEstimated: false,
  latencyMs: 1,
  ttfbMs: 1,
  requestId: `req-${++seq}`,
  prompt: null,
  completion: null,
})

/** A sink that records each batch; `fail` makes the next writes throw. */
function sink() {
  const batches: string[][] = []
  const s = {
    batches,
    fail: 0,
    async write(rows: readonly RequestRecord[]) {
      if (s.fail > 0) {
        s.fail--
        throw new Error('database unavailable')
      }
      batches.push(rows.map((r) => r.requestId))
    },
    written: () => batches.flat(),
  }
  return s
}

const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5))
  assert.ok(cond(), 'condition not reached')
}

test('rows are written in batches of at most batchRows, in order, by the timer', async (t) => {
  const db = sink()
  const rl = createRequestLog({ write: db.write, log, flushMs: 10, batchRows: 4 })
  t.after(() => rl.close())
  const ids = Array.from({ length: 3 }, () => row()).map((r) => {
    rl.record(r)
    return r.requestId
  })
  // 1. Below a batch: nothing is written until the timer fires.
  assert.equal(db.batches.length, 0)
  assert.equal(rl.pending(), 3)
  await waitFor(() => db.written().length === 3)
  assert.deepEqual(db.batches, [ids])
  assert.equal(rl.pending(), 0)
})

test('a full batch is written at once; a flush writes the rest in batches, one statement each', async (t) => {
  const db = sink()
  // The timer is far away: only the size trigger and flush() write.
  const rl = createRequestLog({ write: db.write, log, flushMs: 60_000, batchRows: 4 })
  t.after(() => rl.close())
  const rows = Array.from({ length: 10 }, () => row())
  for (const r of rows.slice(0, 4)) rl.record(r)
  await waitFor(() => db.batches.length === 1)
  assert.deepEqual(
    db.batches[0],
    rows.slice(0, 4).map((r) => r.requestId),
  )
  for (const r of rows.slice(4)) rl.record(r)
  await rl.flush()
  assert.deepEqual(
    db.batches.map((b) => b.length),
    [4, 4, 2],
  )
  assert.deepEqual(
    db.written(),
    rows.map((r) => r.requestId),
  )
})

test('a failed write keeps its rows, in order, for the next flush; tokens not yet written are counted', async (t) => {
  const db = sink()
  const rl = createRequestLog({ write: db.write, log, flushMs: 60_000, batchRows: 100 })
  t.after(() => rl.close())
  const first = [row('grt_a', 5), row('grt_b', 7)]
  for (const r of first) rl.record(r)
  db.fail = 1
  await rl.flush()
  assert.equal(db.written().length, 0)
  assert.equal(rl.pending(), 2)
  assert.equal(rl.pendingTokens('grt_a'), 5)
  const later = row('grt_a', 11)
  rl.record(later)
  assert.equal(rl.pendingTokens('grt_a'), 16)
  await rl.flush()
  assert.deepEqual(
    db.written(),
    [...first, later].map((r) => r.requestId),
  )
  assert.equal(rl.pendingTokens('grt_a'), 0)
})

test('close writes every buffered row, even while a flush is running', async (t) => {
  let release!: () => void
  const gate = new Promise<void>((r) => {
    release = r
  })
  const written: string[] = []
  const rl = createRequestLog({
    async write(rows) {
      await gate
      written.push(...rows.map((r) => r.requestId))
    },
    log,
    flushMs: 60_000,
    batchRows: 2,
  })
  t.after(() => rl.close())
  const rows = Array.from({ length: 5 }, () => row())
  // Two rows start a write that hangs; three more arrive meanwhile.
  for (const r of rows) rl.record(r)
  const closing = rl.close()
  release()
  await closing
  assert.deepEqual(
    written,
    rows.map((r) => r.requestId),
  )
  assert.equal(rl.pending(), 0)
})

test('beyond maxRows the oldest rows are dropped, not the newest', async (t) => {
  const db = sink()
  const rl = createRequestLog({ write: db.write, log, flushMs: 60_000, batchRows: 100, maxRows: 3 })
  t.after(() => rl.close())
  const rows = Array.from({ length: 5 }, () => row())
  for (const r of rows) rl.record(r)
  await rl.flush()
  assert.deepEqual(
    db.written(),
    rows.slice(2).map((r) => r.requestId),
  )
})
