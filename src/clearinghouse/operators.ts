/**
 * Which operator organisations a disclosure case allows to receive its embargoed (TLP:AMBER or
 * stricter) advisory through their inventories: the current list and the history of decisions.
 * SQL only; the service decides who may set it.
 */
import type { Queryable } from '../platform/db/db.ts'

export interface OperatorsDecision {
  id: number
  at: Date
  orgIds: string[]
  reason: string
  actorPersonId: string
  actorOrgId: string
}

export interface AllowedOperators {
  caseId: string
  orgIds: string[]
  history: OperatorsDecision[]
}

export async function allowedOrgIds(q: Queryable, caseId: string): Promise<string[]> {
  const r = await q.query<{ org_id: string }>(
    'SELECT org_id FROM ch_case_operator WHERE case_id = $1 ORDER BY org_id',
    [caseId],
  )
  return r.rows.map((x) => x.org_id)
}

/** Replaces the list and records the decision, in the caller's transaction. */
export async function replaceAllowed(
  q: Queryable,
  d: {
    caseId: string
    orgIds: string[]
    reason: string
    personId: string
    orgId: string
    at: Date
  },
): Promise<void> {
  await q.query('DELETE FROM ch_case_operator WHERE case_id = $1', [d.caseId])
  for (const orgId of d.orgIds)
    await q.query(
      'INSERT INTO ch_case_operator (case_id, org_id, added_by, added_at) VALUES ($1, $2, $3, $4)',
      [d.caseId, orgId, d.personId, d.at],
    )
  await q.query(
    `INSERT INTO ch_case_operator_event (case_id, at, org_ids, reason, actor_person_id, actor_org_id)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [d.caseId, d.at, d.orgIds, d.reason, d.personId, d.orgId],
  )
}

export async function decisions(q: Queryable, caseId: string): Promise<OperatorsDecision[]> {
  const r = await q.query<{
    id: string
    at: Date
    org_ids: string[]
    reason: string
    actor_person_id: string
    actor_org_id: string
  }>(
    `SELECT id, at, org_ids, reason, actor_person_id, actor_org_id
       FROM ch_case_operator_event WHERE case_id = $1 ORDER BY id`,
    [caseId],
  )
  return r.rows.map((x) => ({
    id: Number(x.id),
    at: x.at,
    orgIds: x.org_ids,
    reason: x.reason,
    actorPersonId: x.actor_person_id,
    actorOrgId: x.actor_org_id,
  }))
}
