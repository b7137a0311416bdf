/**
 * Controlled-benchmark use cases. Threshold policy: the custodian drafts a version; it takes
 * effect when the custodian and signatories of two different consulting agencies have approved
 * it, and the approval that completes the quorum activates it in the same transaction. Each
 * approval and the activation are appended to the transparency log with who and when.
 */
import type { Principal } from '../accounts/model.ts'
import type { Clock } from '../platform/clock.ts'
import type { Db } from '../platform/db/db.ts'
import { AppError, ErrorCodes, forbidden, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import type { TranslogService } from '../translog/service.ts'
import {
  type Approval,
  type PolicyDocument,
  type QuorumState,
  quorum,
  ZPolicyDocument,
} from './policy.ts'
import * as store from './store.ts'

export interface BenchmarkDeps {
  db: Db
  clock: Clock
  translog: TranslogService
}

export interface PolicyView extends store.PolicyRow {
  approvals: store.ApprovalRow[]
  quorum: QuorumState
}

export interface BenchmarkService {
  createPolicy(by: Principal, document: unknown): Promise<PolicyView>
  approvePolicy(by: Principal, policyId: string): Promise<PolicyView>
  policies(by: Principal): Promise<PolicyView[]>
  policy(by: Principal, id: string): Promise<PolicyView>
  /** The version in force at `at` (a determination uses the one in force when its run started). */
  policyInForce(at: Date): Promise<store.PolicyRow | null>
}

/** Who may read policy versions: program staff, the agencies that sign them, and labs (thresholds are not secret). */
const POLICY_READERS = [
  'admin',
  'program_officer',
  'benchmark_custodian',
  'auditor',
  'agency_signatory',
  'lab_member',
] as const

function approverRole(p: Principal): Approval['role'] | null {
  if (p.orgKind === 'program' && p.roles.includes('benchmark_custodian'))
    return 'benchmark_custodian'
  if (p.orgKind === 'agency' && p.roles.includes('agency_signatory')) return 'agency_signatory'
  return null
}

export function createBenchmarkService(deps: BenchmarkDeps): BenchmarkService {
  const { db, clock, translog } = deps

  async function view(rows: store.PolicyRow[]): Promise<PolicyView[]> {
    const all = await store.approvals(
      db,
      rows.map((r) => r.id),
    )
    return rows.map((r) => {
      const approvals = all.filter((a) => a.policyId === r.id)
      return { ...r, approvals, quorum: quorum(approvals) }
    })
  }

  function assertReader(by: Principal) {
    if (!by.roles.some((r) => (POLICY_READERS as readonly string[]).includes(r)))
      throw forbidden('Reading threshold policies needs a program, agency or lab role.')
  }

  async function one(by: Principal, id: string): Promise<PolicyView> {
    assertReader(by)
    const row = await store.policy(db, id)
    // Labs see versions that have been in force, not drafts under negotiation.
    if (!row || (row.state === 'draft' && by.orgKind === 'lab'))
      throw notFound('policy version', id)
    return (await view([row]))[0]!
  }

  return {
    async createPolicy(by, input) {
      if (!(by.orgKind === 'program' && by.roles.includes('benchmark_custodian')))
        throw forbidden('Only the benchmark custodian drafts threshold policy versions.')
      const parsed = ZPolicyDocument.safeParse(input)
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({
          path: ['document', ...i.path].join('.'),
          message: i.message,
        }))
        throw new AppError(ErrorCodes.EW_VALIDATION, {
          detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
          errors,
        })
      }
      const document: PolicyDocument = parsed.data
      const id = newId('pol')
      await db.transaction(async (tx) => {
        const version = await store.nextVersion(tx)
        await store.insertPolicy(tx, {
          id,
          version,
          document,
          createdBy: by.personId,
          at: clock.now(),
        })
      })
      return one(by, id)
    },

    async approvePolicy(by, policyId) {
      const role = approverRole(by)
      if (!role)
        throw forbidden(
          'Policy versions are approved by the benchmark custodian (acting for the program) and by consulting-agency signatories (acting for their agency).',
        )
      await db.transaction(async (tx) => {
        const row = await store.policy(tx, policyId, { lock: true })
        if (!row) throw notFound('policy version', policyId)
        if (row.state !== 'draft')
          throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
            detail: `Policy version ${row.version} is ${row.state}; only a draft can be approved. Draft a new version to change the policy.`,
          })
        const existing = await store.approvals(tx, [policyId])
        if (existing.some((a) => a.personId === by.personId))
          throw new AppError(ErrorCodes.EW_CONFLICT, {
            detail: `You already approved policy version ${row.version}; the two-person rule counts each person once.`,
          })
        const at = clock.now()
        const approval: Approval = { personId: by.personId, orgId: by.orgId, role }
        const after = quorum([...existing, approval])
        const { index } = await translog.append(tx, {
          type: 'threshold_policy.approved',
          subjects: [
            { kind: 'policy', id: policyId },
            { kind: 'organisation', id: by.orgId },
          ],
          actor: { orgId: by.orgId, role, personId: by.personId },
          at: at.toISOString(),
          data: {
            version: row.version,
            approvals: existing.length + 1,
            quorumMet: after.met,
          },
        })
        const inserted = await store.insertApproval(tx, {
          policyId,
          personId: by.personId,
          orgId: by.orgId,
          role,
          at,
          logIndex: index,
        })
        if (!inserted)
          throw new AppError(ErrorCodes.EW_CONFLICT, {
            detail: `You already approved policy version ${row.version}.`,
          })
        if (!after.met) return
        const superseded = await store.supersedeActive(tx, at)
        const activated = await translog.append(tx, {
          type: 'threshold_policy.activated',
          subjects: [{ kind: 'policy', id: policyId }],
          actor: { orgId: by.orgId, role, personId: by.personId },
          at: at.toISOString(),
          data: {
            version: row.version,
            supersedes: superseded,
            approvers: [...existing, approval].map((a) => ({
              personId: a.personId,
              orgId: a.orgId,
              role: a.role,
            })),
            thresholds: {
              composite: row.document.composite.threshold,
              ...Object.fromEntries(
                Object.entries(row.document.categories).map(([c, r]) => [c, r!.threshold]),
              ),
            },
          },
        })
        await store.activate(tx, policyId, at, activated.index)
      })
      return one(by, policyId)
    },

    async policies(by) {
      assertReader(by)
      const rows = (await store.policies(db)).filter(
        (r) => !(r.state === 'draft' && by.orgKind === 'lab'),
      )
      return view(rows)
    },

    policy: one,

    policyInForce: (at) => store.policyInForce(db, at),
  }
}
