/** In-app notifications: other capabilities tell an organisation something; its members list and read them. */
import type { Principal } from '../accounts/model.ts'
import type { Clock } from '../platform/clock.ts'
import type { Db, Queryable } from '../platform/db/db.ts'
import { notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import type { Notification, NotificationList, NotifyInput } from './model.ts'
import * as store from './store.ts'

export interface NotificationsDeps {
  db: Pick<Db, 'query'>
  clock: Clock
}

export interface NotificationsService {
  /**
   * Records a notification for `orgId`, once per `dedupeKey`: true if this call created it,
   * false if it existed. Pass the caller's transaction so the notification commits with the
   * change it reports.
   *
   * @example
   * await notifications.notify({ orgId, kind: 'program.window_opens', subjectType: 'submission',
   *   subjectId: sub.id, title, body, dedupeKey: `…` }, tx)
   */
  notify(input: NotifyInput, tx?: Queryable): Promise<boolean>
  /** The notifications of the organisation `actor` acts for, newest first. */
  list(
    actor: Principal,
    opts?: { unreadOnly?: boolean; limit?: number; offset?: number },
  ): Promise<NotificationList>
  /** Marks one of the actor's organisation's notifications read; 404 for anyone else's. */
  markRead(actor: Principal, id: string): Promise<Notification>
}

export function createNotificationsService(deps: NotificationsDeps): NotificationsService {
  const { db, clock } = deps
  return {
    notify(input, tx) {
      return store.insert(tx ?? db, { ...input, id: newId('ntf'), createdAt: clock.now() })
    },

    async list(actor, opts = {}) {
      const unreadOnly = opts.unreadOnly ?? false
      const items = await store.list(db, actor.orgId, {
        unreadOnly,
        limit: opts.limit ?? 50,
        offset: opts.offset ?? 0,
      })
      const { total, unread } = await store.counts(db, actor.orgId, unreadOnly)
      return { items, total, unread }
    },

    async markRead(actor, id) {
      const n = await store.markRead(db, actor.orgId, id, clock.now())
      if (!n) throw notFound('notification', id)
      return n
    },
  }
}
