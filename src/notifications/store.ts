/** SQL for in-app notifications. */
import type { Queryable } from '../platform/db/db.ts'
import type { Notification, NotifyInput } from './model.ts'

interface NotificationRow {
  id: string
  org_id: string
  kind: string
  subject_type: string
  subject_id: string
  title: string
  body: string
  link: string | null
  created_at: Date
  read_at: Date | null
}

const toNotification = (r: NotificationRow): Notification => ({
  id: r.id,
  orgId: r.org_id,
  kind: r.kind,
  subjectType: r.subject_type,
  subjectId: r.subject_id,
  title: r.title,
  body: r.body,
  link: r.link,
  createdAt: r.created_at,
  readAt: r.read_at,
})

const COLUMNS = 'id, org_id, kind, subject_type, subject_id, title, body, link, created_at, read_at'

/** Inserts unless a notification with the same dedupe key exists; true when this call created it. */
export async function insert(
  q: Queryable,
  row: NotifyInput & { id: string; createdAt: Date },
): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO notification (id, org_id, kind, subject_type, subject_id, title, body, link, created_at, dedupe_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [
      row.id,
      row.orgId,
      row.kind,
      row.subjectType,
      row.subjectId,
      row.title,
      row.body,
      row.link ?? null,
      row.createdAt,
      row.dedupeKey,
    ],
  )
  return r.rowCount === 1
}

export async function list(
  q: Queryable,
  orgId: string,
  opts: { unreadOnly: boolean; limit: number; offset: number },
): Promise<Notification[]> {
  const r = await q.query<NotificationRow>(
    `SELECT ${COLUMNS} FROM notification
      WHERE org_id = $1 AND ($2::boolean IS FALSE OR read_at IS NULL)
      ORDER BY created_at DESC, id DESC
      LIMIT $3 OFFSET $4`,
    [orgId, opts.unreadOnly, opts.limit, opts.offset],
  )
  return r.rows.map(toNotification)
}

export async function counts(
  q: Queryable,
  orgId: string,
  unreadOnly: boolean,
): Promise<{ total: number; unread: number }> {
  const r = await q.query<{ total: number; unread: number }>(
    `SELECT count(*) FILTER (WHERE $2::boolean IS FALSE OR read_at IS NULL)::int AS total,
            count(*) FILTER (WHERE read_at IS NULL)::int AS unread
       FROM notification WHERE org_id = $1`,
    [orgId, unreadOnly],
  )
  return r.rows[0] ?? { total: 0, unread: 0 }
}

/** Marks read (keeping the first read time); null when the organisation has no such notification. */
export async function markRead(
  q: Queryable,
  orgId: string,
  id: string,
  at: Date,
): Promise<Notification | null> {
  const r = await q.query<NotificationRow>(
    `UPDATE notification SET read_at = COALESCE(read_at, $3)
      WHERE id = $1 AND org_id = $2
      RETURNING ${COLUMNS}`,
    [id, orgId, at],
  )
  return r.rows[0] ? toNotification(r.rows[0]) : null
}
