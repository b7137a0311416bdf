/** SQL of the controlled benchmark: policy versions and approvals. */
import type { Envelope } from '../platform/crypto/envelope.ts'
import type { Queryable } from '../platform/db/db.ts'
import type { Approval, Category, PolicyDocument } from './policy.ts'

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

// ── the item vault ───────────────────────────────────────────────────────────────────────────

export interface BundleRow {
  id: string
  name: string
  version: string
  importedBy: string
  importedAt: Date
}

export interface TaskRow {
  id: string
  bundleId: string
  key: string
  name: string
  categories: Partial<Record<Category, number>>
  config: Record<string, unknown>
  items: number
  retired: number
}

export async function insertBundle(
  q: Queryable,
  b: BundleRow & { canaries: Envelope },
): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO benchmark_bundle (id, name, version, canaries, imported_by, imported_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name, version) DO NOTHING`,
    [b.id, b.name, b.version, JSON.stringify(b.canaries), b.importedBy, b.importedAt],
  )
  return r.rowCount === 1
}

export async function insertTask(
  q: Queryable,
  t: Omit<TaskRow, 'items' | 'retired'>,
): Promise<void> {
  await q.query(
    `INSERT INTO benchmark_task (id, bundle_id, key, name, categories, config)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [t.id, t.bundleId, t.key, t.name, JSON.stringify(t.categories), JSON.stringify(t.config)],
  )
}

export async function insertItems(
  q: Queryable,
  items: Array<{
    id: string
    taskId: string
    key: string
    ordinal: number
    content: Envelope
    sha256: Buffer
  }>,
): Promise<void> {
  if (items.length === 0) return
  await q.query(
    `INSERT INTO benchmark_item (id, task_id, key, ordinal, content, content_sha256)
     SELECT r.id, r.task_id, r.key, r.ordinal, r.content, decode(r.sha, 'hex')
       FROM jsonb_to_recordset($1::jsonb)
         AS r(id text, task_id text, key text, ordinal integer, content jsonb, sha text)`,
    [
      JSON.stringify(
        items.map((i) => ({
          id: i.id,
          task_id: i.taskId,
          key: i.key,
          ordinal: i.ordinal,
          content: i.content,
          sha: i.sha256.toString('hex'),
        })),
      ),
    ],
  )
}

export async function bundles(q: Queryable): Promise<BundleRow[]> {
  const r = await q.query<BundleRow>(
    `SELECT id, name, version, imported_by AS "importedBy", imported_at AS "importedAt"
       FROM benchmark_bundle ORDER BY imported_at DESC, id`,
  )
  return r.rows
}

export async function tasks(q: Queryable, bundleIds?: readonly string[]): Promise<TaskRow[]> {
  const r = await q.query<TaskRow>(
    `SELECT t.id, t.bundle_id AS "bundleId", t.key, t.name, t.categories, t.config,
            count(i.id)::int AS items, count(i.retired_at)::int AS retired
       FROM benchmark_task t LEFT JOIN benchmark_item i ON i.task_id = t.id
      ${bundleIds ? 'WHERE t.bundle_id = ANY($1)' : ''}
      GROUP BY t.id ORDER BY t.bundle_id, t.key`,
    bundleIds ? [bundleIds] : [],
  )
  return r.rows
}

export interface ItemRow {
  id: string
  taskId: string
  key: string
  ordinal: number
  content: Envelope
  retiredAt: Date | null
  retireReason: string | null
}

const ITEM_COLUMNS = `id, task_id AS "taskId", key, ordinal, content, retired_at AS "retiredAt",
  retire_reason AS "retireReason"`

export async function item(q: Queryable, id: string): Promise<ItemRow | null> {
  const r = await q.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM benchmark_item WHERE id = $1`, [id])
  return r.rows[0] ?? null
}

export async function itemsOfTask(
  q: Queryable,
  taskId: string,
  opts: { active?: boolean } = {},
): Promise<ItemRow[]> {
  const r = await q.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM benchmark_item
      WHERE task_id = $1 ${opts.active ? 'AND retired_at IS NULL' : ''} ORDER BY ordinal`,
    [taskId],
  )
  return r.rows
}

export async function bundleCanaries(q: Queryable, bundleId: string): Promise<Envelope | null> {
  const r = await q.query<{ canaries: Envelope }>(
    `SELECT canaries FROM benchmark_bundle WHERE id = $1`,
    [bundleId],
  )
  return r.rows[0]?.canaries ?? null
}

/** Every envelope of the vault, a page at a time, for re-wrapping under a new key. */
export async function envelopesPage(
  q: Queryable,
  table: 'benchmark_item' | 'benchmark_bundle',
  after: string,
  limit: number,
): Promise<Array<{ id: string; env: Envelope }>> {
  const column = table === 'benchmark_item' ? 'content' : 'canaries'
  const r = await q.query<{ id: string; env: Envelope }>(
    `SELECT id, ${column} AS env FROM ${table} WHERE id > $1 ORDER BY id LIMIT $2`,
    [after, limit],
  )
  return r.rows
}

export async function replaceEnvelope(
  q: Queryable,
  table: 'benchmark_item' | 'benchmark_bundle',
  id: string,
  before: Envelope,
  after: Envelope,
): Promise<boolean> {
  const column = table === 'benchmark_item' ? 'content' : 'canaries'
  // Only if unchanged since read: a concurrent rotation never has its work overwritten.
  const r = await q.query(`UPDATE ${table} SET ${column} = $3 WHERE id = $1 AND ${column} = $2`, [
    id,
    JSON.stringify(before),
    JSON.stringify(after),
  ])
  return r.rowCount === 1
}

export async function retireItem(
  q: Queryable,
  id: string,
  by: string,
  reason: string,
  at: Date,
): Promise<boolean> {
  const r = await q.query(
    `UPDATE benchmark_item SET retired_at = $4, retired_by = $2, retire_reason = $3
      WHERE id = $1 AND retired_at IS NULL`,
    [id, by, reason, at],
  )
  return r.rowCount === 1
}

export async function recordExposures(
  q: Queryable,
  rows: Array<{ itemId: string; labOrgId: string; submissionId: string; runId: string; at: Date }>,
): Promise<void> {
  if (rows.length === 0) return
  await q.query(
    `INSERT INTO benchmark_exposure (item_id, lab_org_id, submission_id, run_id, shown_at)
     SELECT r.item_id, r.lab, r.sub, r.run, r.at
       FROM jsonb_to_recordset($1::jsonb) AS r(item_id text, lab text, sub text, run text, at timestamptz)
     ON CONFLICT DO NOTHING`,
    [
      JSON.stringify(
        rows.map((x) => ({
          item_id: x.itemId,
          lab: x.labOrgId,
          sub: x.submissionId,
          run: x.runId,
          at: x.at,
        })),
      ),
    ],
  )
}

export interface ExposureRow {
  itemId: string
  itemKey: string
  taskName: string
  labOrgId: string
  labName: string
  submissionId: string
  runId: string
  shownAt: Date
}

export async function exposures(
  q: Queryable,
  filter: { labOrgId?: string; itemId?: string },
): Promise<ExposureRow[]> {
  const r = await q.query<ExposureRow>(
    `SELECT e.item_id AS "itemId", i.key AS "itemKey", t.name AS "taskName",
            e.lab_org_id AS "labOrgId", o.name AS "labName", e.submission_id AS "submissionId",
            e.run_id AS "runId", e.shown_at AS "shownAt"
       FROM benchmark_exposure e
       JOIN benchmark_item i ON i.id = e.item_id
       JOIN benchmark_task t ON t.id = i.task_id
       JOIN organisation o ON o.id = e.lab_org_id
      WHERE ($1::text IS NULL OR e.lab_org_id = $1) AND ($2::text IS NULL OR e.item_id = $2)
      ORDER BY e.shown_at DESC, e.item_id
      LIMIT 5000`,
    [filter.labOrgId ?? null, filter.itemId ?? null],
  )
  return r.rows
}

// ── determination runs and determinations ────────────────────────────────────────────────────

export interface RunRow {
  id: string
  submissionId: string
  labOrgId: string
  policyId: string
  bundleId: string
  model: string
  state: 'running' | 'determined' | 'failed'
  stateReason: string | null
  plan: Record<string, unknown>
  startedBy: string
  startedOrgId: string
  startedAt: Date
  finishedAt: Date | null
  /** One evaluation run per task, for the submission's model and, if asked, a reference model. */
  tasks: Array<{ taskId: string; evalRunId: string; role: 'subject' | 'reference' }>
}

const RUN_COLUMNS = `r.id, r.submission_id AS "submissionId", r.lab_org_id AS "labOrgId",
  r.policy_id AS "policyId", r.bundle_id AS "bundleId", r.model, r.state, r.state_reason AS "stateReason",
  r.plan, r.started_by AS "startedBy", r.started_org_id AS "startedOrgId", r.started_at AS "startedAt",
  r.finished_at AS "finishedAt",
  COALESCE((SELECT jsonb_agg(jsonb_build_object('taskId', t.task_id, 'evalRunId', t.eval_run_id, 'role', t.role) ORDER BY t.role DESC, t.task_id)
              FROM benchmark_run_task t WHERE t.run_id = r.id), '[]'::jsonb) AS tasks`

export async function insertRun(
  q: Queryable,
  r: Omit<RunRow, 'state' | 'stateReason' | 'finishedAt' | 'tasks'>,
): Promise<void> {
  await q.query(
    `INSERT INTO benchmark_run (id, submission_id, lab_org_id, policy_id, bundle_id, model, state,
       plan, started_by, started_org_id, started_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9, $10)`,
    [
      r.id,
      r.submissionId,
      r.labOrgId,
      r.policyId,
      r.bundleId,
      r.model,
      JSON.stringify(r.plan),
      r.startedBy,
      r.startedOrgId,
      r.startedAt,
    ],
  )
}

export async function insertRunTask(
  q: Queryable,
  runId: string,
  taskId: string,
  evalRunId: string,
  role: 'subject' | 'reference' = 'subject',
) {
  await q.query(
    `INSERT INTO benchmark_run_task (run_id, task_id, eval_run_id, role) VALUES ($1, $2, $3, $4)`,
    [runId, taskId, evalRunId, role],
  )
}

export async function run(
  q: Queryable,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<RunRow | null> {
  if (opts.lock) await q.query(`SELECT 1 FROM benchmark_run WHERE id = $1 FOR UPDATE`, [id])
  const r = await q.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM benchmark_run r WHERE r.id = $1`, [
    id,
  ])
  return r.rows[0] ?? null
}

export async function runsOf(q: Queryable, submissionId: string): Promise<RunRow[]> {
  const r = await q.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM benchmark_run r WHERE r.submission_id = $1 ORDER BY r.started_at DESC`,
    [submissionId],
  )
  return r.rows
}

export async function runningRuns(q: Queryable): Promise<string[]> {
  const r = await q.query<{ id: string }>(`SELECT id FROM benchmark_run WHERE state = 'running'`)
  return r.rows.map((x) => x.id)
}

/** Whether an evaluation run belongs to the controlled benchmark (its transcripts are sealed). */
export async function isControlledEvalRun(q: Queryable, evalRunId: string): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM benchmark_run_task WHERE eval_run_id = $1`, [evalRunId])
  return r.rows.length > 0
}

export async function finishRun(
  q: Queryable,
  id: string,
  state: 'determined' | 'failed',
  reason: string | null,
  at: Date,
): Promise<void> {
  await q.query(
    `UPDATE benchmark_run SET state = $2, state_reason = $3, finished_at = $4 WHERE id = $1 AND state = 'running'`,
    [id, state, reason, at],
  )
}

export interface DeterminationRow {
  id: string
  runId: string
  submissionId: string
  labOrgId: string
  policyId: string
  policyVersion: number
  outcome: 'covered' | 'not_covered' | 'inconclusive'
  measures: unknown
  reasons: string[]
  refusals: Record<string, number>
  contamination: { probed: boolean; positive: boolean; detail: string }
  runSummary: {
    samples: number
    epochs: number
    errors: number
    startedAt: string
    finishedAt: string
    model: string
  }
  resultsCommitment: string
  results: Envelope
  /** Evidence the model was really tried: solvability check, reference model, paired comparison. */
  elicitation: Elicitation
  logIndex: number
  createdAt: Date
}

export interface Elicitation {
  solvability?: { checked: number; passed: number; tasks: number; at: string }
  reference?: {
    model: string
    /** The reference model's scores (aggregates only), measured on the same items. */
    measures: Array<{
      measure: string
      estimate: { mean: number; low: number; high: number; n: number } | null
    }>
    /** Submission model − reference model on the items both scored. */
    paired: { n: number; diff: number; low: number; high: number; p: number }
    /** The model scored significantly below the reference: a sign of sandbagging. */
    flagged: boolean
    note: string
  }
  /** Tasks left out of a demo run because they need a sandbox. */
  skippedTasks?: string[]
}

const DET_COLUMNS = `id, run_id AS "runId", submission_id AS "submissionId", lab_org_id AS "labOrgId",
  policy_id AS "policyId", policy_version AS "policyVersion", outcome, measures, reasons, refusals,
  contamination, run_summary AS "runSummary", results_commitment AS "resultsCommitment", results,
  elicitation, log_index AS "logIndex", created_at AS "createdAt"`

export async function insertDetermination(q: Queryable, d: DeterminationRow): Promise<void> {
  await q.query(
    `INSERT INTO benchmark_determination (id, run_id, submission_id, lab_org_id, policy_id,
       policy_version, outcome, measures, reasons, refusals, contamination, run_summary,
       results_commitment, results, log_index, created_at, elicitation)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
    [
      d.id,
      d.runId,
      d.submissionId,
      d.labOrgId,
      d.policyId,
      d.policyVersion,
      d.outcome,
      JSON.stringify(d.measures),
      JSON.stringify(d.reasons),
      JSON.stringify(d.refusals),
      JSON.stringify(d.contamination),
      JSON.stringify(d.runSummary),
      d.resultsCommitment,
      JSON.stringify(d.results),
      d.logIndex,
      d.createdAt,
      JSON.stringify(d.elicitation),
    ],
  )
}

export async function determination(q: Queryable, id: string): Promise<DeterminationRow | null> {
  const r = await q.query<DeterminationRow>(
    `SELECT ${DET_COLUMNS} FROM benchmark_determination WHERE id = $1`,
    [id],
  )
  return r.rows[0] ?? null
}

export async function determinations(
  q: Queryable,
  filter: { submissionId?: string; labOrgId?: string },
): Promise<DeterminationRow[]> {
  const r = await q.query<DeterminationRow>(
    `SELECT ${DET_COLUMNS} FROM benchmark_determination
      WHERE ($1::text IS NULL OR submission_id = $1) AND ($2::text IS NULL OR lab_org_id = $2)
      ORDER BY created_at DESC LIMIT 500`,
    [filter.submissionId ?? null, filter.labOrgId ?? null],
  )
  return r.rows
}
