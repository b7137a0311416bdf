/** The public report: figures counted from the entries a signed checkpoint covers, over HTTP. */
import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { createHttpApp, createServices } from '../app.ts'
import { DAY_MS, fixedClock } from '../platform/clock.ts'
import { testRuntime } from '../platform/testing.ts'
import type { EntryType, Json, NewEntry } from './model.ts'

// A Wednesday: its ISO week starts on Monday 2026-11-02.
const START = '2026-11-04T10:00:00Z'

async function build(t: TestContext) {
  const clock = fixedClock(START)
  const rt = await testRuntime(t, { clock })
  const services = await createServices(rt)
  const app = await createHttpApp(rt, services)
  t.after(() => app.close())
  const append = (entries: NewEntry[]) =>
    rt.db.transaction((tx) => services.translog.appendMany(tx, entries))
  const report = async () => {
    const res = await app.inject({ method: 'GET', url: '/api/log/report' })
    assert.equal(res.statusCode, 200, res.body)
    return res.json()
  }
  return { clock, services, append, report }
}

const entry = (type: EntryType, daysAfterStart: number, data: Record<string, Json> = {}) =>
  ({
    type,
    subjects: [{ kind: 'submission', id: 'sub_1' }],
    actor: { orgId: 'org_program', role: 'program_officer' },
    at: new Date(Date.parse(START) + daysAfterStart * DAY_MS).toISOString(),
    data,
  }) satisfies NewEntry

test('counts by type, per day, by outcome and reason, of the entries the checkpoint covers', async (t) => {
  const { clock, services, append, report } = await build(t)

  const empty = await report()
  assert.equal(empty.size, 0)
  assert.deepEqual(empty.series, [])
  assert.equal(empty.totals['determination.made'], 0)
  assert.equal(empty.totals['advisory.published'], 0, 'types nothing appends yet count as zero')

  await append([
    entry('submission.registered', 0),
    entry('submission.registered', 0),
    entry('submission.withdrawn', 2),
    entry('determination.made', 2, { outcome: 'covered' }),
    entry('determination.made', 3, { outcome: 'not_covered' }),
    entry('determination.made', 3, { outcome: 'covered' }),
    entry('determination.made', 3),
    entry('partner.refused', 3, { reasonCategory: 'conflict_of_interest' }),
    entry('partner.approved', 3),
  ])
  clock.advance(4 * DAY_MS)
  await services.translog.checkpoint()
  // Appended after the checkpoint: not counted until the next one covers it.
  await append([entry('grant.issued', 4)])

  const r = await report()
  assert.equal(r.size, 9)
  assert.equal(r.period, 'day')
  assert.equal(r.checkpoint.size, 9)
  assert.match(r.checkpoint.root, /^[0-9a-f]{64}$/)
  assert.match(r.checkpoint.note, /\n9\n/)
  assert.match(r.verifierKey, /^[^+]+\+[0-9a-f]{8}\+/)
  assert.equal(r.totals['submission.registered'], 2)
  assert.equal(r.totals['submission.withdrawn'], 1)
  assert.equal(r.totals['determination.made'], 4)
  assert.equal(r.totals['grant.issued'], 0)
  assert.deepEqual(r.determinationsByOutcome, [
    { outcome: 'covered', count: 2 },
    { outcome: 'not_covered', count: 1 },
    { outcome: 'unspecified', count: 1 },
  ])
  assert.deepEqual(r.refusalsByReason, [{ reasonCategory: 'conflict_of_interest', count: 1 }])
  // Contiguous days from the first entry to the checkpoint's day, quiet days as zeros.
  assert.deepEqual(
    r.series.map((p: { start: string }) => p.start),
    ['2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08'],
  )
  assert.equal(r.series[0].counts['submission.registered'], 2)
  assert.equal(r.series[1].counts['submission.registered'], 0)
  assert.equal(r.series[3].counts['determination.made'], 3)

  await services.translog.checkpoint()
  assert.equal((await report()).totals['grant.issued'], 1, 'the next checkpoint counts it')
})

test('a log older than 62 days is counted per ISO week, starting on Mondays', async (t) => {
  const { clock, services, append, report } = await build(t)
  await append([
    entry('submission.registered', 0),
    entry('submission.registered', 4), // Sunday 2026-11-08, still the first week
    entry('grant.issued', 5), // Monday 2026-11-09
    entry('grant.revoked', 70),
  ])
  clock.advance(70 * DAY_MS)
  await services.translog.checkpoint()

  const r = await report()
  assert.equal(r.period, 'week')
  assert.equal(r.series[0].start, '2026-11-02')
  assert.equal(r.series[0].counts['submission.registered'], 2)
  assert.equal(r.series[1].start, '2026-11-09')
  assert.equal(r.series[1].counts['grant.issued'], 1)
  assert.equal(r.series.length, 11, 'every week from the first entry to the checkpoint')
  assert.equal(r.series.at(-1).counts['grant.revoked'], 1)
})
