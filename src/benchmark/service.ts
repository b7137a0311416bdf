/**
 * Controlled-benchmark use cases. Threshold policy: the custodian drafts a version; it takes
 * effect when the custodian and signatories of two different consulting agencies have approved
 * it, and the approval that completes the quorum activates it in the same transaction. Each
 * approval and the activation are appended to the transparency log with who and when.
 */
import { createHash } from 'node:crypto'
import type { Principal } from '../accounts/model.ts'
import type { Clock } from '../platform/clock.ts'
import type { Envelope, Envelopes } from '../platform/crypto/envelope.ts'
import type { Db } from '../platform/db/db.ts'
import { AppError, ErrorCodes, forbidden, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import { canonicalBytes } from '../translog/model.ts'
import type { TranslogService } from '../translog/service.ts'
import { checkBundle, freshSecrets, type VaultItemContent, withSecrets } from './bundle.ts'
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
  envelopes: Envelopes
  translog: TranslogService
}

export interface ImportedBundle {
  id: string
  name: string
  version: string
  tasks: Array<{ id: string; key: string; name: string; items: number }>
}

/** What program staff see of a bundle: names, categories and counts, never content. */
export interface BundleSummary extends store.BundleRow {
  tasks: store.TaskRow[]
}

/** One item for one run, in memory only: fresh secrets filled in. */
export interface RunItem {
  itemId: string
  key: string
  content: VaultItemContent
  /** This run's secret values (e.g. FLAG), for the scorer; never stored in clear. */
  secrets: Record<string, string>
}

const itemContext = (id: string) => `benchmark-item:${id}`
const canaryContext = (id: string) => `benchmark-bundle:${id}:canaries`

/** Roles that see the vault's shape (tasks, categories, counts) but no item content. */
const VAULT_OVERVIEW = ['admin', 'program_officer', 'benchmark_custodian', 'auditor'] as const

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

  /** Checks a bundle whole, then stores it with every item encrypted, or stores nothing. */
  importBundle(
    by: Principal,
    manifest: unknown,
    files: ReadonlyMap<string, string>,
  ): Promise<ImportedBundle>
  bundles(by: Principal): Promise<BundleSummary[]>
  /** Custodian only: one item in clear. */
  item(
    by: Principal,
    itemId: string,
  ): Promise<{
    id: string
    taskId: string
    key: string
    retiredAt: Date | null
    content: VaultItemContent
  }>
  retireItem(by: Principal, itemId: string, reason: string): Promise<void>
  /** Custodian only: which items each lab's models were shown, and when. */
  exposures(
    by: Principal,
    filter: { labOrgId?: string; itemId?: string },
  ): Promise<store.ExposureRow[]>
  /** Re-wraps every vault data key under the current master key; items are not re-encrypted. */
  rotateKeys(by: Principal): Promise<{ rewrapped: number; total: number }>
  /**
   * For the worker running a controlled sample: the task's active items decrypted in memory
   * with fresh secrets, and the exposure recorded. Not reachable over HTTP.
   */
  itemsForRun(
    taskId: string,
    run: { labOrgId: string; submissionId: string; runId: string },
  ): Promise<RunItem[]>
  /** For the contamination probe (worker only). */
  canaries(bundleId: string): Promise<string[]>
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
  const { db, clock, envelopes, translog } = deps

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

  /**
   * Decrypts one vault value. AES-GCM authenticates before releasing a byte, so a tampered
   * ciphertext, a tampered wrapped key or the wrong key fails whole; the error says which value.
   */
  async function open(env: Envelope, context: string, what: string): Promise<string> {
    try {
      return (await envelopes.decrypt(env, context)).toString('utf8')
    } catch (err) {
      throw new AppError(ErrorCodes.EW_INTEGRITY, {
        detail: `${what} does not decrypt: its ciphertext or wrapped data key was altered, or the key-encryption key ${env.kid} is not configured. Nothing of it was used.`,
        cause: err,
      })
    }
  }

  function assertCustodian(by: Principal, what: string) {
    if (!(by.orgKind === 'program' && by.roles.includes('benchmark_custodian')))
      throw forbidden(`Only the benchmark custodian ${what}.`)
  }

  return {
    async importBundle(by, manifest, files) {
      assertCustodian(by, 'imports controlled benchmark bundles')
      const checked = checkBundle(manifest, files)
      if (!checked.ok)
        throw new AppError(ErrorCodes.EW_VALIDATION, {
          detail: `The bundle was not imported: ${checked.problems.length} problem${checked.problems.length === 1 ? '' : 's'}: ${checked.problems
            .slice(0, 10)
            .map((p) => `${p.path}: ${p.message}`)
            .join('; ')}`,
          errors: checked.problems.slice(0, 200),
        })
      const { manifest: m, tasks } = checked.bundle
      const bundleId = newId('bnd')
      const at = clock.now()
      const out: ImportedBundle = { id: bundleId, name: m.name, version: m.version, tasks: [] }
      await db.transaction(async (tx) => {
        const inserted = await store.insertBundle(tx, {
          id: bundleId,
          name: m.name,
          version: m.version,
          canaries: await envelopes.encrypt(JSON.stringify(m.canaries), canaryContext(bundleId)),
          importedBy: by.personId,
          importedAt: at,
        })
        if (!inserted)
          throw new AppError(ErrorCodes.EW_CONFLICT, {
            detail: `Bundle ${m.name} version ${m.version} is already in the vault; give the new bundle a new version.`,
          })
        for (const { task, items } of tasks) {
          const taskId = newId('btk')
          const { id: key, name, categories, ...config } = task
          await store.insertTask(tx, { id: taskId, bundleId, key, name, categories, config })
          const rows = []
          for (const [ordinal, content] of items.entries()) {
            const id = newId('bit')
            const plain = canonicalBytes(content)
            rows.push({
              id,
              taskId,
              key: content.id,
              ordinal,
              content: await envelopes.encrypt(plain, itemContext(id)),
              sha256: createHash('sha256').update(plain).digest(),
            })
          }
          await store.insertItems(tx, rows)
          out.tasks.push({ id: taskId, key, name, items: items.length })
        }
      })
      return out
    },

    async bundles(by) {
      if (!by.roles.some((r) => (VAULT_OVERVIEW as readonly string[]).includes(r)))
        throw forbidden('The controlled benchmark vault is visible to program staff only.')
      const rows = await store.bundles(db)
      const all = await store.tasks(db)
      return rows.map((b) => ({ ...b, tasks: all.filter((t) => t.bundleId === b.id) }))
    },

    async item(by, itemId) {
      assertCustodian(by, 'sees controlled item content')
      const row = await store.item(db, itemId)
      if (!row) throw notFound('benchmark item', itemId)
      const content = JSON.parse(
        await open(row.content, itemContext(row.id), `Vault item ${row.id}`),
      ) as VaultItemContent
      return { id: row.id, taskId: row.taskId, key: row.key, retiredAt: row.retiredAt, content }
    },

    async retireItem(by, itemId, reason) {
      assertCustodian(by, 'retires controlled items')
      const ok = await store.retireItem(db, itemId, by.personId, reason, clock.now())
      if (!ok) {
        if (!(await store.item(db, itemId))) throw notFound('benchmark item', itemId)
        throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
          detail: `Item ${itemId} is already retired.`,
        })
      }
    },

    async exposures(by, filter) {
      assertCustodian(by, 'reads the exposure ledger')
      return store.exposures(db, filter)
    },

    async rotateKeys(by) {
      if (!(by.roles.includes('benchmark_custodian') || by.roles.includes('admin')))
        throw forbidden('Only the benchmark custodian or an administrator rotates vault keys.')
      let rewrapped = 0
      let total = 0
      for (const table of ['benchmark_bundle', 'benchmark_item'] as const) {
        let after = ''
        for (;;) {
          const page = await store.envelopesPage(db, table, after, 500)
          if (page.length === 0) break
          total += page.length
          await db.transaction(async (tx) => {
            for (const { id, env } of page) {
              if (!envelopes.stale(env)) continue
              if (await store.replaceEnvelope(tx, table, id, env, await envelopes.rewrap(env)))
                rewrapped++
            }
          })
          after = page.at(-1)!.id
        }
      }
      return { rewrapped, total }
    },

    async itemsForRun(taskId, run) {
      const rows = await store.itemsOfTask(db, taskId, { active: true })
      const out: RunItem[] = []
      for (const row of rows) {
        const content = JSON.parse(
          await open(row.content, itemContext(row.id), `Vault item ${row.id}`),
        ) as VaultItemContent
        const secrets = freshSecrets(content.secrets)
        out.push({ itemId: row.id, key: row.key, content: withSecrets(content, secrets), secrets })
      }
      const at = clock.now()
      await store.recordExposures(
        db,
        out.map((i) => ({ itemId: i.itemId, ...run, at })),
      )
      return out
    },

    async canaries(bundleId) {
      const env = await store.bundleCanaries(db, bundleId)
      if (!env) throw notFound('bundle', bundleId)
      return JSON.parse(
        await open(env, canaryContext(bundleId), `The canaries of bundle ${bundleId}`),
      )
    },

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
