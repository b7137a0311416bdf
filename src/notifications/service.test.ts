/** Notifications against a real database: idempotent delivery, per-organisation lists, read state. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createAccountsService } from '../accounts/service.ts'
import { seedMember } from '../accounts/testing.ts'
import { fixedClock } from '../platform/clock.ts'
import { isAppError } from '../platform/errors.ts'
import { testRuntime } from '../platform/testing.ts'
import type { NotifyInput } from './model.ts'
import { createNotificationsService } from './service.ts'

async function setup(t: import('node:test').TestContext) {
  const clock = fixedClock('2026-11-02T00:00:00Z')
  const rt = await testRuntime(t, { clock })
  const accounts = createAccountsService({ db: rt.db, clock, settings: rt.settings })
  const notifications = createNotificationsService({ db: rt.db, clock })
  const a = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  const b = await seedMember(accounts, { kind: 'lab', roles: ['lab_member'] })
  return { rt, clock, notifications, a, b }
}

const notice = (orgId: string, n: number): NotifyInput => ({
  orgId,
  kind: 'test.notice',
  subjectType: 'submission',
  subjectId: `sub_${String(n).padStart(12, '0')}`,
  title: `Notice ${n}`,
  body: `Body ${n}`,
  link: `/submissions/sub_${n}`,
  dedupeKey: `test:${orgId}:${n}`,
})

test('a repeated delivery of the same notice is a no-op', async (t) => {
  const { notifications, a } = await setup(t)
  assert.equal(await notifications.notify(notice(a.org.id, 1)), true)
  assert.equal(await notifications.notify(notice(a.org.id, 1)), false)
  const list = await notifications.list(a.principal)
  assert.equal(list.total, 1)
  assert.equal(list.items[0]!.link, '/submissions/sub_1')
})

test('notify joins the caller’s transaction: rolled back with it', async (t) => {
  const { rt, notifications, a } = await setup(t)
  await assert.rejects(
    rt.db.transaction(async (tx) => {
      await notifications.notify(notice(a.org.id, 1), tx)
      throw new Error('the change failed')
    }),
    /the change failed/,
  )
  assert.equal((await notifications.list(a.principal)).total, 0)
})

test('each organisation sees its own, newest first, paged, with unread counts', async (t) => {
  const { notifications, clock, a, b } = await setup(t)
  for (let n = 1; n <= 5; n++) {
    clock.advance(60_000)
    await notifications.notify(notice(a.org.id, n))
  }
  await notifications.notify(notice(b.org.id, 99))

  const page = await notifications.list(a.principal, { limit: 2, offset: 0 })
  assert.deepEqual(
    page.items.map((n) => n.title),
    ['Notice 5', 'Notice 4'],
  )
  assert.equal(page.total, 5)
  assert.equal(page.unread, 5)
  assert.deepEqual(
    (await notifications.list(b.principal)).items.map((n) => n.title),
    ['Notice 99'],
  )

  const read = await notifications.markRead(a.principal, page.items[0]!.id)
  assert.deepEqual(read.readAt, clock.now())
  clock.advance(60_000)
  const again = await notifications.markRead(a.principal, page.items[0]!.id)
  assert.deepEqual(again.readAt, read.readAt, 'the first read time is kept')

  const unread = await notifications.list(a.principal, { unreadOnly: true })
  assert.equal(unread.total, 4)
  assert.equal(unread.unread, 4)
  assert.ok(unread.items.every((n) => n.readAt === null))

  await assert.rejects(notifications.markRead(b.principal, page.items[1]!.id), (err: unknown) => {
    assert.ok(isAppError(err, 'EW_NOT_FOUND'))
    return true
  })
  assert.equal(
    (await notifications.list(a.principal)).unread,
    4,
    'another organisation cannot mark ours read',
  )
})
