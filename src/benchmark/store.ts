/** SQL of the controlled benchmark: policy versions and approvals. */
import type { Queryable } from '../platform/db/db.ts'
import type { Approval, PolicyDocument } from './policy.ts'

export type PolicyState = 'draft' | 'active' | 'superseded'

export interface PolicyRow {
  id: string
  version: number
  document: PolicyDocument
  state: PolicyState
  createdBy: string
  createdAt: Date
  activatedAt: Date | null
  supersededAt: Date | null
  activationLogIndex: number | null
}

export interface ApprovalRow extends Approval {
  policyId: string
  personName: string
  orgName: string
  approvedAt: Date
  logIndex: number
}

const POLICY_COLUMNS = `id, version, document, state, created_by AS "createdBy", created_at AS "createdAt",
  activated_at AS "activatedAt", superseded_at AS "supersededAt", activation_log_index AS "activationLogIndex"`

export async function nextVersion(q: Queryable): Promise<number> {
  // Serialises concurrent drafts: the unique version index would refuse the loser anyway.
  await q.query(`LOCK TABLE benchmark_policy IN SHARE ROW EXCLUSIVE MODE`)
  const r = await q.query<{ v: number | null }>(`SELECT max(version) AS v FROM benchmark_policy`)
  return (r.rows[0]?.v ?? 0) + 1
}

export async function insertPolicy(
  q: Queryable,
  p: { id: string; version: number; document: PolicyDocument; createdBy: string; at: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO benchmark_policy (id, version, document, state, created_by, created_at)
     VALUES ($1, $2, $3, 'draft', $4, $5)`,
    [p.id, p.version, JSON.stringify(p.document), p.createdBy, p.at],
  )
}

export async function policy(
  q: Queryable,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<PolicyRow | null> {
  const r = await q.query<PolicyRow>(
    `SELECT ${POLICY_COLUMNS} FROM benchmark_policy WHERE id = $1${opts.lock ? ' FOR UPDATE' : ''}`,
    [id],
  )
  return r.rows[0] ?? null
}

export async function policies(q: Queryable): Promise<PolicyRow[]> {
  const r = await q.query<PolicyRow>(
    `SELECT ${POLICY_COLUMNS} FROM benchmark_policy ORDER BY version DESC`,
  )
  return r.rows
}

/** The version in force at `at`: activated by then and not yet superseded. */
export async function policyInForce(q: Queryable, at: Date): Promise<PolicyRow | null> {
  const r = await q.query<PolicyRow>(
    `SELECT ${POLICY_COLUMNS} FROM benchmark_policy
      WHERE activated_at <= $1 AND (superseded_at IS NULL OR superseded_at > $1)
      ORDER BY activated_at DESC LIMIT 1`,
    [at],
  )
  return r.rows[0] ?? null
}

export async function approvals(
  q: Queryable,
  policyIds: readonly string[],
): Promise<ApprovalRow[]> {
  if (policyIds.length === 0) return []
  const r = await q.query<ApprovalRow>(
    `SELECT a.policy_id AS "policyId", a.person_id AS "personId", a.org_id AS "orgId", a.role,
            p.name AS "personName", o.name AS "orgName", a.approved_at AS "approvedAt",
            a.log_index AS "logIndex"
       FROM benchmark_policy_approval a
       JOIN person p ON p.id = a.person_id
       JOIN organisation o ON o.id = a.org_id
      WHERE a.policy_id = ANY($1)
      ORDER BY a.approved_at, a.person_id`,
    [policyIds],
  )
  return r.rows
}

/** False when this person already approved this version (in any role). */
export async function insertApproval(
  q: Queryable,
  a: {
    policyId: string
    personId: string
    orgId: string
    role: Approval['role']
    at: Date
    logIndex: number
  },
): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO benchmark_policy_approval (policy_id, person_id, org_id, role, approved_at, log_index)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [a.policyId, a.personId, a.orgId, a.role, a.at, a.logIndex],
  )
  return r.rowCount === 1
}

export async function supersedeActive(q: Queryable, at: Date): Promise<string | null> {
  const r = await q.query<{ id: string }>(
    `UPDATE benchmark_policy SET state = 'superseded', superseded_at = $1
      WHERE state = 'active' RETURNING id`,
    [at],
  )
  return r.rows[0]?.id ?? null
}

export async function activate(
  q: Queryable,
  id: string,
  at: Date,
  logIndex: number,
): Promise<void> {
  await q.query(
    `UPDATE benchmark_policy SET state = 'active', activated_at = $2, activation_log_index = $3
      WHERE id = $1`,
    [id, at, logIndex],
  )
}
