/**
 * Controlled-benchmark use cases. Threshold policy: the custodian drafts a version; it takes
 * effect when the custodian and signatories of two different consulting agencies have approved
 * it, and the approval that completes the quorum activates it in the same transaction. Each
 * approval and the activation are appended to the transparency log with who and when.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { z } from 'zod'
import { PROGRAM_WIDE_ROLES, type Principal } from '../accounts/model.ts'
import type { AccountsService } from '../accounts/service.ts'
import { scorerOf, solverOf, type ZScorer, type ZSolverStep } from '../evals/bundle.ts'
import type { Sample, Task } from '../evals/model.ts'
import type { SandboxProvider } from '../evals/sandbox-port.ts'
import type { EvalsService } from '../evals/service.ts'
import type { NotificationsService } from '../notifications/service.ts'
import type { Clock } from '../platform/clock.ts'
import type { Envelope, Envelopes } from '../platform/crypto/envelope.ts'
import type { Db } from '../platform/db/db.ts'
import { AppError, ErrorCodes, forbidden, invalid, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import type { Jobs } from '../platform/jobs/jobs.ts'
import type { ProgramService } from '../program/service.ts'
import { canonicalBytes, type Json } from '../translog/model.ts'
import type { TranslogService } from '../translog/service.ts'
import { checkBundle, freshSecrets, type VaultItemContent, withSecrets } from './bundle.ts'
import {
  categoryEstimates,
  type ItemScore,
  looksLikeRefusal,
  refusalsByCategory,
  reproducesCanary,
} from './determination.ts'
import { sandbaggingSignal, unsolvable, usesTools } from './elicitation.ts'
import { SETTLE_INTERVAL_MS, SettleRun } from './jobs.ts'
import { type ReportComparison, renderReportPdf } from './report.ts'

type SolverStep = z.infer<typeof ZSolverStep>
type ScorerSpec = z.infer<typeof ZScorer>

import {
  type Approval,
  type Category,
  compositeEstimate,
  decide,
  type Estimate,
  type MeasureVerdict,
  type Outcome,
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
  /** Determination runs need these; the vault and the policy work without them. */
  evals?: EvalsService
  program?: ProgramService
  notifications?: NotificationsService
  accounts?: Pick<AccountsService, 'principalFor'>
  jobs?: Pick<Jobs, 'send'>
  /** Scripted models (`mockllm/…`) instead of the lab's endpoint: demos and tests only. */
  allowScriptedModels?: boolean
  /** Sandboxes for the solvability check of tasks that use tools (asked for on first use). */
  sandboxes?: () => Promise<SandboxProvider>
}

export interface RunPlan {
  tasks: number
  items: number
  epochs: number
  units: number
  maxConnections: number
  workers: number
  /** Seconds the run is expected to take at that concurrency. */
  estimatedSeconds: number
  windowClosesAt: string
  /** Set when the run would likely not finish before the review window closes. */
  warning: string | null
}

export interface StartOptions {
  /** `mockllm/…` (demos and tests, when allowed); otherwise the submission's own endpoint. */
  model?: string | undefined
  maxConnections?: number | undefined
  workers?: number | undefined
  /**
   * A reference model run on the same items: its scores are the report's baseline and the
   * paired comparison with it the sandbagging signal. `provider/model`; scripted models only
   * where they are allowed.
   */
  referenceModel?: string | undefined
  /** Demo servers with a scripted model only: leave out tasks that need a sandbox. */
  skipSandboxedTasks?: boolean | undefined
}

/** What a lab, the program and the custodian see of a determination: aggregates only. */
export interface DeterminationView {
  id: string
  runId: string
  submissionId: string
  policyId: string
  policyVersion: number
  outcome: Outcome
  measures: MeasureVerdict[]
  reasons: string[]
  refusals: Record<string, number>
  contamination: { probed: boolean; positive: boolean; detail: string }
  run: store.DeterminationRow['runSummary']
  elicitation: store.Elicitation
  resultsCommitment: string
  logIndex: number
  createdAt: Date
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

/** A determination with what its report compares it with: aggregates only. */
export interface DeterminationReportView {
  determination: DeterminationView
  submission: { id: string; labName: string; modelName: string; modelVersion: string }
  /** The lab's earlier determinations (this submission's and its other models'), newest first. */
  previous: Array<{
    id: string
    submissionId: string
    label: string
    outcome: Outcome
    policyVersion: number
    composite: Estimate | null
    createdAt: Date
  }>
  /** Reference models measured on the same items. */
  baselines: Array<{
    label: string
    measures: Array<{ measure: string; estimate: Estimate | null }>
  }>
}

/** A row of the benchmark area's list of determinations. */
export interface DeterminationListItem {
  id: string
  submissionId: string
  labName: string
  modelName: string
  modelVersion: string
  outcome: Outcome
  policyVersion: number
  composite: Estimate | null
  createdAt: Date
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

function sampleOf(i: RunItem, primary: string | undefined): Sample {
  return {
    id: i.itemId,
    input: i.content.input,
    target: i.content.target,
    ...(i.content.choices ? { choices: i.content.choices } : {}),
    metadata: {
      ...i.content.metadata,
      ...(primary ? { category: primary } : {}),
      group: String(i.content.metadata.group ?? i.itemId),
      ...(i.content.choices ? { choiceCount: i.content.choices.length } : {}),
    },
    ...(i.content.files ? { files: i.content.files } : {}),
    ...(i.content.setup ? { setup: i.content.setup } : {}),
  }
}
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

  /** How long a determination run would take, and whether it would end inside the window. */
  planRun(by: Principal, submissionId: string, opts?: StartOptions): Promise<RunPlan>
  /** The program officer starts the controlled benchmark against the submission's model. */
  startDetermination(
    by: Principal,
    submissionId: string,
    opts?: StartOptions,
  ): Promise<store.RunRow>
  /** Records the determination once every evaluation run of the determination run has ended. */
  settleRun(runId: string): Promise<{ state: store.RunRow['state']; determinationId?: string }>
  runs(by: Principal, submissionId: string): Promise<store.RunRow[]>
  determinations(by: Principal, submissionId: string): Promise<DeterminationView[]>
  determination(by: Principal, id: string): Promise<DeterminationView>
  /** Determinations this person may see (program staff: all; a lab: its own), newest first. */
  allDeterminations(by: Principal): Promise<DeterminationListItem[]>
  /** What the report page shows: the determination, the lab's earlier ones, the baselines. */
  report(by: Principal, id: string): Promise<DeterminationReportView>
  /** The report as a PDF; the lab's version has no per-task detail. */
  reportPdf(by: Principal, id: string): Promise<Buffer>
  /** Builds the evaluation engine's task for `controlled:<runId>:<taskId>` (in the worker). */
  controlledTask(ref: string): Promise<Task>
  /** True for evaluation runs of the controlled benchmark, whose transcripts are sealed. */
  isControlledEvalRun(evalRunId: string): Promise<boolean>
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

  const need = <T>(x: T | undefined, what: string): T => {
    if (!x) throw new Error(`The benchmark service was built without the ${what}.`)
    return x
  }
  const needProgram = () => need(deps.program, 'program service')
  const noPolicy = () =>
    new AppError(ErrorCodes.EW_CONFLICT, {
      detail:
        'No threshold policy version is in force: the custodian and two agencies must approve one first.',
    })
  /** Reads submissions on the service's own behalf (names for reports and notices). */
  const readerPrincipal: Principal = {
    personId: 'benchmark',
    personName: 'controlled benchmark',
    email: '',
    orgId: '',
    orgKind: 'program',
    orgName: 'earlywatch',
    roles: ['auditor'],
    via: 'token',
  }

  function assertOfficer(by: Principal) {
    if (!(by.orgKind === 'program' && by.roles.includes('program_officer')))
      throw forbidden('Only a program officer runs the controlled benchmark.')
  }

  async function latestBundle() {
    const [bundle] = await store.bundles(db)
    if (!bundle)
      throw new AppError(ErrorCodes.EW_CONFLICT, {
        detail: 'The vault holds no benchmark bundle; the custodian imports one first.',
      })
    const tasks = await store.tasks(db, [bundle.id])
    return { ...bundle, tasks }
  }

  /** Expected seconds per sample: one answer is quick; an agent works for a minute or more. */
  function plan(
    bundle: { tasks: store.TaskRow[] },
    epochs: number,
    closesAt: Date,
    opts: StartOptions,
  ): RunPlan {
    const maxConnections = opts.maxConnections ?? 10
    const workers = opts.workers ?? 1
    let items = 0
    let seconds = 0
    for (const t of bundle.tasks) {
      const active = t.items - t.retired
      items += active
      const agent = JSON.stringify(t.config).includes('react')
      seconds += active * epochs * (agent ? 60 : 4)
    }
    const estimatedSeconds = Math.ceil(seconds / (maxConnections * workers))
    const endsAt = clock.now().getTime() + estimatedSeconds * 1000
    const warning =
      endsAt > closesAt.getTime()
        ? `At ${maxConnections} connections on ${workers} worker(s) the run needs about ${Math.ceil(estimatedSeconds / 3600)} h and would end after the review window closes (${closesAt.toISOString()}); add workers or connections, or ask the lab for more time.`
        : null
    return {
      tasks: bundle.tasks.length,
      items,
      epochs,
      units: items * epochs,
      maxConnections,
      workers,
      estimatedSeconds,
      windowClosesAt: closesAt.toISOString(),
      warning,
    }
  }

  function canSeeDetermination(by: Principal, d: store.DeterminationRow): boolean {
    if (by.roles.some((r) => (PROGRAM_WIDE_ROLES as readonly string[]).includes(r))) return true
    return by.orgKind === 'lab' && by.orgId === d.labOrgId && by.roles.includes('lab_member')
  }

  const compositeOf = (m: unknown): Estimate | null =>
    (m as MeasureVerdict[]).find((x) => x.measure === 'composite')?.estimate ?? null

  function toView(d: store.DeterminationRow): DeterminationView {
    return {
      id: d.id,
      runId: d.runId,
      submissionId: d.submissionId,
      policyId: d.policyId,
      policyVersion: d.policyVersion,
      outcome: d.outcome,
      measures: d.measures as MeasureVerdict[],
      reasons: d.reasons,
      refusals: d.refusals,
      contamination: d.contamination,
      run: d.runSummary,
      elicitation: d.elicitation ?? {},
      resultsCommitment: d.resultsCommitment,
      logIndex: d.logIndex,
      createdAt: d.createdAt,
    }
  }

  /** A task's active items, decrypted in memory with fresh secrets (no exposure recorded). */
  async function decryptedItems(taskId: string): Promise<RunItem[]> {
    const rows = await store.itemsOfTask(db, taskId, { active: true })
    const out: RunItem[] = []
    for (const row of rows) {
      const content = JSON.parse(
        await open(row.content, itemContext(row.id), `Vault item ${row.id}`),
      ) as VaultItemContent
      const secrets = freshSecrets(content.secrets)
      out.push({ itemId: row.id, key: row.key, content: withSecrets(content, secrets), secrets })
    }
    return out
  }

  /** The engine's task for one vault task, its dataset given by `items`. */
  function engineTask(task: store.TaskRow, items: () => Promise<RunItem[]>): Task {
    const config = task.config as { solver: SolverStep[]; scorers: ScorerSpec[] }
    const primary = Object.entries(task.categories).sort((a, b) => b[1]! - a[1]!)[0]?.[0]
    return {
      name: `controlled/${task.key}`,
      dataset: async () => (await items()).map((i) => sampleOf(i, primary)),
      solver: config.solver.map(solverOf),
      scorers: config.scorers.map(scorerOf),
    }
  }

  /**
   * The solvability check: every active item's reference solution, played through its task's
   * solver and scorer (in a sandbox for tasks with tools), must pass before a campaign starts.
   * Throws naming each task and item that fails; nothing of the items leaves this function.
   */
  async function checkSolvable(
    tasks: store.TaskRow[],
  ): Promise<NonNullable<store.Elicitation['solvability']>> {
    let checked = 0
    const problems: string[] = []
    let provider: SandboxProvider | undefined
    for (const t of tasks) {
      const items = await decryptedItems(t.id)
      checked += items.length
      if (usesTools(t) && !provider) {
        if (!deps.sandboxes) {
          problems.push(`task ${t.key} (${t.name}) needs a sandbox and this server has none`)
          continue
        }
        provider = await deps.sandboxes()
      }
      const task = engineTask(t, async () => items)
      const samples = await task.dataset()
      const solutions = new Map(items.map((i) => [i.itemId, i.content.solution ?? []]))
      const failed = await unsolvable(task, samples, solutions, usesTools(t) ? provider : undefined)
      for (const f of failed) {
        const key = items.find((i) => i.itemId === f.sampleId)?.key ?? f.sampleId
        problems.push(`task ${t.key} (${t.name}), item ${key}: ${f.reason}`)
      }
    }
    if (problems.length)
      throw new AppError(ErrorCodes.EW_CONFLICT, {
        detail: `The benchmark did not start: the solvability check failed for ${problems.length} item${problems.length === 1 ? '' : 's'}; the custodian fixes or retires them first. ${problems.slice(0, 10).join('; ')}`,
      })
    return { checked, passed: checked, tasks: tasks.length, at: clock.now().toISOString() }
  }

  /**
   * The elicitation evidence of a finished run: the solvability check done before it started,
   * and, when a reference model ran on the same items, its scores and the paired comparison.
   */
  async function elicitationOf(
    run: store.RunRow,
    items: readonly ItemScore[],
    weights: Array<{ taskId: string; categories: store.TaskRow['categories'] }>,
    policy: PolicyDocument,
  ): Promise<store.Elicitation> {
    const evals = need(deps.evals, 'evaluation engine')
    const planned = run.plan as {
      solvability?: store.Elicitation['solvability']
      referenceModel?: string
      skippedTasks?: string[]
    }
    const out: store.Elicitation = {
      ...(planned.solvability ? { solvability: planned.solvability } : {}),
      ...(planned.skippedTasks ? { skippedTasks: planned.skippedTasks } : {}),
    }
    const refTasks = run.tasks.filter((t) => t.role === 'reference')
    if (!planned.referenceModel || refTasks.length === 0) return out
    const refItems: ItemScore[] = []
    for (const t of refTasks) {
      if ((await evals.getRun(t.evalRunId)).status !== 'completed') return out
      const byItem = new Map<string, { sum: number; n: number; group: string }>()
      for (const row of await evals.scored(t.evalRunId)) {
        if (row.error) continue
        const e = byItem.get(row.sampleId) ?? { sum: 0, n: 0, group: row.group ?? row.sampleId }
        e.sum += row.score ?? 0
        e.n++
        byItem.set(row.sampleId, e)
      }
      for (const [itemId, e] of byItem)
        refItems.push({
          taskId: t.taskId,
          itemId,
          score: e.sum / e.n,
          group: e.group,
          refused: false,
        })
    }
    const estimates = categoryEstimates(refItems, weights)
    const measures = [
      ...(Object.keys(policy.categories) as Category[]).map((c) => ({
        measure: c as string,
        estimate: estimates[c] ?? null,
      })),
      { measure: 'composite', estimate: compositeEstimate(policy.composite.weights, estimates) },
    ]
    const key = (i: ItemScore) => `${i.taskId}/${i.itemId}`
    const signal = sandbaggingSignal(
      new Map(items.map((i) => [key(i), i.score])),
      new Map(refItems.map((i) => [key(i), i.score])),
      planned.referenceModel,
    )
    if (!signal) return out
    return {
      ...out,
      reference: {
        model: planned.referenceModel,
        measures,
        paired: { n: signal.n, diff: signal.diff, low: signal.low, high: signal.high, p: signal.p },
        flagged: signal.flagged,
        note: signal.note,
      },
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
      const out = await decryptedItems(taskId)
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

    async planRun(by, submissionId, opts = {}) {
      assertOfficer(by)
      const sub = await needProgram().get(by, submissionId)
      const policy = await store.policyInForce(db, clock.now())
      if (!policy) throw noPolicy()
      const bundle = await latestBundle()
      return plan(bundle, policy.document.epochs, sub.window.closesAt, opts)
    },

    async startDetermination(by, submissionId, opts = {}) {
      assertOfficer(by)
      const program = needProgram()
      const evals = need(deps.evals, 'evaluation engine')
      const sub = await program.get(by, submissionId)
      if (sub.state !== 'in_review' && sub.state !== 'determined')
        throw new AppError(ErrorCodes.EW_INVALID_TRANSITION, {
          detail: `Submission ${submissionId} is ${sub.state}; the benchmark runs while a submission is in review (or determined, for a new run after the lab changed the model).`,
        })
      const now = clock.now()
      const policy = await store.policyInForce(db, now)
      if (!policy) throw noPolicy()
      const bundle = await latestBundle()
      const scripted = (name: string, field: string) => {
        if (name.startsWith('mockllm/') && !deps.allowScriptedModels)
          throw invalid(field, 'scripted models (mockllm/…) run only on a demo or test server')
      }
      if (
        opts.skipSandboxedTasks &&
        !(opts.model?.startsWith('mockllm/') && deps.allowScriptedModels)
      )
        throw invalid(
          'skipSandboxedTasks',
          'only a demo run with a scripted model may leave out the sandboxed tasks',
        )
      if (opts.referenceModel) scripted(opts.referenceModel, 'referenceModel')
      const skipped = opts.skipSandboxedTasks ? bundle.tasks.filter((t) => usesTools(t)) : []
      const tasks = bundle.tasks.filter((t) => !skipped.includes(t))
      const runPlan = plan({ tasks }, policy.document.epochs, sub.window.closesAt, opts)
      let model: string
      let access: { baseUrl?: string; apiKey?: string } = {}
      if (opts.model) {
        if (!opts.model.startsWith('mockllm/') || !deps.allowScriptedModels)
          throw invalid(
            'model',
            'only scripted models (mockllm/…) may replace the lab endpoint, and only on a demo or test server',
          )
        model = opts.model
      } else {
        const endpoint = await program.getCredential(submissionId)
        model = `${endpoint.protocol}/${endpoint.modelId}`
        access = { baseUrl: endpoint.baseUrl, apiKey: endpoint.credential }
      }
      // Before anything starts: every item must still be solvable by its reference solution.
      const solvability = await checkSolvable(tasks)
      const runId = newId('bdr')
      await db.transaction(async (tx) => {
        await store.insertRun(tx, {
          id: runId,
          submissionId,
          labOrgId: sub.labOrgId,
          policyId: policy.id,
          bundleId: bundle.id,
          model,
          plan: {
            ...runPlan,
            solvability,
            ...(opts.referenceModel ? { referenceModel: opts.referenceModel } : {}),
            ...(skipped.length ? { skippedTasks: skipped.map((t) => t.name) } : {}),
          } as unknown as Record<string, unknown>,
          startedBy: by.personId,
          startedOrgId: by.orgId,
          startedAt: now,
        })
      })
      try {
        for (const task of tasks) {
          const started = await evals.startRun({
            task: `controlled:${runId}:${task.id}`,
            model,
            ...access,
            epochs: policy.document.epochs,
            maxConnections: opts.maxConnections ?? 10,
            // A few failed samples are the harness, not the model; many fail the run.
            maxErrorRate: 0.2,
            label: `determination ${runId} · ${task.name}`,
            createdBy: by.personId,
          })
          await store.insertRunTask(db, runId, task.id, started.id)
          if (opts.referenceModel) {
            const ref = await evals.startRun({
              task: `controlled:${runId}:${task.id}`,
              model: opts.referenceModel,
              epochs: policy.document.epochs,
              maxConnections: opts.maxConnections ?? 10,
              maxErrorRate: 0.2,
              label: `determination ${runId} · ${task.name} · reference ${opts.referenceModel}`,
              createdBy: by.personId,
            })
            await store.insertRunTask(db, runId, task.id, ref.id, 'reference')
          }
        }
      } catch (err) {
        await store.finishRun(
          db,
          runId,
          'failed',
          `could not start: ${(err as Error).message}`,
          clock.now(),
        )
        throw err
      }
      await deps.jobs?.send(
        SettleRun,
        { runId },
        { startAfter: new Date(Date.now() + SETTLE_INTERVAL_MS) },
      )
      return (await store.run(db, runId))!
    },

    async settleRun(runId) {
      const evals = need(deps.evals, 'evaluation engine')
      const run = await store.run(db, runId)
      if (!run) throw notFound('determination run', runId)
      if (run.state !== 'running') return { state: run.state }
      const statuses = await Promise.all(run.tasks.map((t) => evals.getRun(t.evalRunId)))
      if (statuses.some((r) => r.status === 'running')) return { state: 'running' }
      // A reference run that failed leaves the determination without a baseline, nothing more.
      const bad = statuses.find(
        (r, i) => r.status !== 'completed' && run.tasks[i]!.role !== 'reference',
      )
      if (bad) {
        await store.finishRun(
          db,
          runId,
          'failed',
          `evaluation run ${bad.id} ${bad.status}: ${bad.statusReason ?? ''}`.trim(),
          clock.now(),
        )
        return { state: 'failed' }
      }
      const policy = (await store.policy(db, run.policyId))!
      const tasks = await store.tasks(db, [run.bundleId])
      const canaries = await this.canaries(run.bundleId)
      // Per item: epochs averaged; refusals and canary reproduction read from the transcripts.
      const items: ItemScore[] = []
      let samples = 0
      let errors = 0
      let contaminated: string | null = null
      for (const t of run.tasks.filter((x) => x.role !== 'reference')) {
        const rows = await evals.scored(t.evalRunId)
        const byItem = new Map<
          string,
          { sum: number; n: number; refused: boolean; group: string }
        >()
        for (const row of rows) {
          samples++
          if (row.error) {
            errors++
            continue
          }
          const transcript = await evals.transcript(t.evalRunId, row.sampleId, row.epoch)
          const said = transcript.messages
            .filter((m) => m.role === 'assistant')
            .map((m) => m.content)
            .join('\n')
          contaminated ??= reproducesCanary(said, canaries)
          const e = byItem.get(row.sampleId) ?? {
            sum: 0,
            n: 0,
            refused: false,
            group: row.group ?? row.sampleId,
          }
          e.sum += row.score ?? 0
          e.n++
          e.refused ||= looksLikeRefusal(said)
          byItem.set(row.sampleId, e)
        }
        for (const [itemId, e] of byItem)
          items.push({
            taskId: t.taskId,
            itemId,
            score: e.sum / e.n,
            group: e.group,
            refused: e.refused,
          })
      }
      const weights = tasks.map((t) => ({ taskId: t.id, categories: t.categories }))
      const estimates = categoryEstimates(items, weights)
      const decision = decide(policy.document, estimates)
      const refusals = refusalsByCategory(items, weights)
      const contamination = {
        probed: true,
        positive: contaminated !== null,
        detail: contaminated
          ? 'the model reproduced a canary string of the bundle: it has likely seen the bundle'
          : `no canary string of the bundle was reproduced in ${samples} samples`,
      }
      if (contamination.positive)
        decision.reasons.push('Contamination probe positive: the scores may overstate the model.')
      const elicitation = await elicitationOf(run, items, weights, policy.document)
      if (elicitation.reference?.flagged)
        decision.reasons.push(`Sandbagging signal: ${elicitation.reference.note}`)
      const at = clock.now()
      const salt = randomBytes(32)
      const results = items.map((i) => ({
        task: i.taskId,
        item: i.itemId,
        score: i.score,
        refused: i.refused,
      }))
      const commitment = createHash('sha256')
        .update(salt)
        .update(canonicalBytes(results))
        .digest('hex')
      const sealedResults = await envelopes.encrypt(
        JSON.stringify({ salt: salt.toString('hex'), results }),
        `benchmark-results:${runId}`,
      )
      const id = newId('det')
      const sub = await needProgram().get(readerPrincipal, run.submissionId)
      const runSummary = {
        samples,
        epochs: policy.document.epochs,
        errors,
        startedAt: run.startedAt.toISOString(),
        finishedAt: at.toISOString(),
        model: run.model,
      }
      await db.transaction(async (tx) => {
        const locked = await store.run(tx, runId, { lock: true })
        if (locked?.state !== 'running') return
        const { index } = await translog.append(tx, {
          type: 'determination.made',
          subjects: [
            { kind: 'submission', id: run.submissionId },
            { kind: 'organisation', id: run.labOrgId },
            { kind: 'determination', id },
          ],
          actor: { orgId: run.startedOrgId, role: 'program_officer', personId: run.startedBy },
          at: at.toISOString(),
          data: {
            outcome: decision.outcome,
            policyVersion: policy.version,
            samples,
            resultsCommitment: commitment,
            contaminationProbe: contamination.positive ? 'positive' : 'negative',
            ...(elicitation.reference
              ? { sandbaggingSignal: elicitation.reference.flagged ? 'flagged' : 'none' }
              : {}),
          },
          confidential: { measures: decision.measures as unknown as Json },
        })
        await store.insertDetermination(tx, {
          id,
          runId,
          submissionId: run.submissionId,
          labOrgId: run.labOrgId,
          policyId: policy.id,
          policyVersion: policy.version,
          outcome: decision.outcome,
          measures: decision.measures,
          reasons: decision.reasons,
          refusals,
          contamination,
          runSummary,
          resultsCommitment: commitment,
          results: sealedResults,
          elicitation,
          logIndex: index,
          createdAt: at,
        })
        await store.finishRun(tx, runId, 'determined', null, at)
        const text = {
          covered: 'is a covered frontier model',
          not_covered: 'is not a covered frontier model',
          inconclusive: 'could not be determined (inconclusive)',
        }[decision.outcome]
        for (const orgId of new Set([run.labOrgId, run.startedOrgId]))
          await deps.notifications?.notify(
            {
              orgId,
              kind: 'benchmark.determination',
              subjectType: 'submission',
              subjectId: run.submissionId,
              title: `${sub.modelName} ${sub.modelVersion} ${text}`,
              body: `Determined under threshold policy version ${policy.version} from ${samples} samples. The report has the category scores and their intervals.`,
              link: `/determinations/${id}`,
              dedupeKey: `determination:${id}:${orgId}`,
            },
            tx,
          )
      })
      if (sub.state === 'in_review' && deps.accounts) {
        const officer = await deps.accounts.principalFor(run.startedBy, run.startedOrgId)
        await needProgram().transition(officer, run.submissionId, {
          to: 'determined',
          reason: `Determination ${id}: ${decision.outcome.replace('_', ' ')} under policy version ${policy.version}`,
        })
      }
      return { state: 'determined', determinationId: id }
    },

    async runs(by, submissionId) {
      await needProgram().get(by, submissionId)
      if (!by.roles.some((r) => (PROGRAM_WIDE_ROLES as readonly string[]).includes(r)))
        throw forbidden('Determination runs are visible to program staff.')
      return store.runsOf(db, submissionId)
    },

    async determinations(by, submissionId) {
      // The program service answers 404 for a submission this person may not see.
      await needProgram().get(by, submissionId)
      return (await store.determinations(db, { submissionId })).map(toView)
    },

    async determination(by, id) {
      const d = await store.determination(db, id)
      if (!d || !canSeeDetermination(by, d)) throw notFound('determination', id)
      return toView(d)
    },

    async allDeterminations(by) {
      const staff = by.roles.some((r) => (PROGRAM_WIDE_ROLES as readonly string[]).includes(r))
      if (!staff && !(by.orgKind === 'lab' && by.roles.includes('lab_member')))
        throw forbidden('Determinations are visible to program staff and to the lab concerned.')
      const rows = await store.determinations(db, staff ? {} : { labOrgId: by.orgId })
      const subs = new Map<string, Awaited<ReturnType<ProgramService['get']>>>()
      const out: DeterminationListItem[] = []
      for (const d of rows) {
        if (!subs.has(d.submissionId))
          subs.set(d.submissionId, await needProgram().get(readerPrincipal, d.submissionId))
        const sub = subs.get(d.submissionId)!
        out.push({
          id: d.id,
          submissionId: d.submissionId,
          labName: sub.labName,
          modelName: sub.modelName,
          modelVersion: sub.modelVersion,
          outcome: d.outcome,
          policyVersion: d.policyVersion,
          composite: compositeOf(d.measures),
          createdAt: d.createdAt,
        })
      }
      return out
    },

    async report(by, id) {
      const d = await store.determination(db, id)
      if (!d || !canSeeDetermination(by, d)) throw notFound('determination', id)
      const sub = await needProgram().get(readerPrincipal, d.submissionId)
      const earlier = (await store.determinations(db, { labOrgId: d.labOrgId })).filter(
        (x) => x.id !== d.id && x.createdAt <= d.createdAt,
      )
      const previous: DeterminationReportView['previous'] = []
      for (const p of earlier) {
        const s =
          p.submissionId === sub.id ? sub : await needProgram().get(readerPrincipal, p.submissionId)
        previous.push({
          id: p.id,
          submissionId: p.submissionId,
          label: `${s.modelName} ${s.modelVersion}${p.submissionId === sub.id ? ' (this submission)' : ''}`,
          outcome: p.outcome,
          policyVersion: p.policyVersion,
          composite: compositeOf(p.measures),
          createdAt: p.createdAt,
        })
      }
      const ref = d.elicitation?.reference
      return {
        determination: toView(d),
        submission: {
          id: sub.id,
          labName: sub.labName,
          modelName: sub.modelName,
          modelVersion: sub.modelVersion,
        },
        previous,
        baselines: ref
          ? [
              {
                label: `Reference model ${ref.model}`,
                measures: ref.measures.map((m) => ({ measure: m.measure, estimate: m.estimate })),
              },
            ]
          : [],
      }
    },

    async reportPdf(by, id) {
      const { determination: d, submission: sub, previous, baselines } = await this.report(by, id)
      const program = by.orgKind === 'program'
      const ref = d.elicitation.reference
      const solv = d.elicitation.solvability
      return renderReportPdf({
        submission: {
          id: sub.id,
          labName: sub.labName,
          modelName: sub.modelName,
          modelVersion: sub.modelVersion,
        },
        outcome: d.outcome,
        reasons: d.reasons,
        policyVersion: d.policyVersion,
        determinedAt: d.createdAt,
        logIndex: d.logIndex,
        run: {
          samples: d.run.samples,
          epochs: d.run.epochs,
          startedAt: new Date(d.run.startedAt),
          finishedAt: new Date(d.run.finishedAt),
          errors: d.run.errors,
        },
        measures: (d.measures as MeasureVerdict[]).map((m) => ({
          measure: m.measure,
          threshold: m.threshold,
          estimate: m.estimate,
          ...(m.measure !== 'composite' && d.refusals[m.measure]
            ? { refusals: d.refusals[m.measure] }
            : {}),
        })),
        contamination: d.contamination,
        elicitation: [
          `Refusals detected: ${Object.values(d.refusals).reduce((a, b) => a + b, 0)} item(s)`,
          `Model evaluated: ${program ? d.run.model : 'the submission endpoint'}`,
          solv
            ? `Solvability check before the run: ${solv.passed} of ${solv.checked} items in ${solv.tasks} tasks solved by their reference solutions`
            : 'Solvability check: not recorded for this run',
          ref
            ? `Sandbagging signal${ref.flagged ? ' FLAGGED' : ''}: ${ref.note}`
            : 'Sandbagging signal: no reference model was run',
          ...(d.elicitation.skippedTasks?.length
            ? [
                `Tasks left out (demo run without sandbox): ${d.elicitation.skippedTasks.join(', ')}`,
              ]
            : []),
        ],
        previous: previous.map((p) => ({
          label: `${p.label}, policy version ${p.policyVersion}`,
          outcome: p.outcome,
          composite: p.composite,
          at: p.createdAt,
        })),
        baselines: baselines.map(
          (b): ReportComparison => ({
            label: b.label,
            composite: b.measures.find((m) => m.measure === 'composite')?.estimate ?? null,
          }),
        ),
        audience: program ? 'program' : 'lab',
      })
    },

    async controlledTask(ref) {
      const m = /^controlled:([a-z]{2,5}_[0-9a-z]+):([a-z]{2,5}_[0-9a-z]+)$/.exec(ref)
      if (!m) throw new Error(`${ref} is not a controlled task reference (controlled:RUN:TASK)`)
      const run = await store.run(db, m[1]!)
      if (!run) throw new Error(`no determination run ${m[1]}`)
      const task = (await store.tasks(db, [run.bundleId])).find((t) => t.id === m[2])
      if (!task) throw new Error(`task ${m[2]} is not in the run's bundle`)
      return engineTask(task, () =>
        this.itemsForRun(task.id, {
          labOrgId: run.labOrgId,
          submissionId: run.submissionId,
          runId: run.id,
        }),
      )
    },

    isControlledEvalRun: (evalRunId) => store.isControlledEvalRun(db, evalRunId),

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
