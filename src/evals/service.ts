/**
 * Evaluation runs that survive: a run is stored, its samples × epochs are sent as pg-boss jobs
 * in chunks, and any worker process runs a chunk, storing each result as it finishes. A result
 * is stored once per sample × epoch (the primary key), so a chunk re-delivered after a worker
 * died skips what is done and redoes only the rest.
 */
import { hostname } from 'node:os'
import { z } from 'zod'
import type { Clock } from '../platform/clock.ts'
import type { Envelopes } from '../platform/crypto/envelope.ts'
import type { Db } from '../platform/db/db.ts'
import { invalid, notFound } from '../platform/errors.ts'
import { newId } from '../platform/ids.ts'
import type { Jobs } from '../platform/jobs/jobs.ts'
import { DatasetError, selectSamples } from './dataset.ts'
import { RunChunk } from './jobs.ts'
import { LimitExceeded, REDUCERS, type ReducerName, type Sample, type Task } from './model.ts'
import { type BuiltModel, createModel, type ProviderDeps } from './providers/index.ts'
import { Semaphore } from './providers/limiter.ts'
import type { TaskRegistry } from './registry.ts'
import { runTask, type SampleResult, unitKey } from './runner.ts'
import type { SandboxProvider } from './sandbox-port.ts'
import {
  evalStore,
  type Progress,
  type RunConfig,
  type RunRow,
  type RunStatus,
  type SampleFilter,
  type SampleRow,
} from './store.ts'
import { compareRuns, type RunSummary, type ScoredUnit, summarize } from './summary.ts'
import { decodeTranscript, encodeTranscript, type TranscriptHook } from './transcript.ts'

export const ZStartRun = z.object({
  task: z.string().min(1).max(500).describe('A registered task name or the path of a task bundle'),
  model: z.string().min(3).max(200).describe('PROVIDER/MODEL, e.g. openai/gpt-4o-mini'),
  baseUrl: z.url().optional(),
  apiKey: z.string().min(1).max(4000).optional(),
  epochs: z.number().int().min(1).max(100).optional(),
  reducer: z.enum(REDUCERS).optional(),
  k: z.number().int().min(1).optional(),
  limit: z.number().int().min(1).optional(),
  ids: z.array(z.string().min(1)).max(100_000).optional(),
  shuffleSeed: z.string().max(200).optional(),
  maxConnections: z.number().int().min(1).max(1000).optional(),
  maxSamples: z.number().int().min(1).max(10_000).optional(),
  maxSandboxes: z.number().int().min(1).max(1000).optional(),
  timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
  tokenBudget: z.number().int().min(1).optional(),
  costBudget: z.number().positive().optional(),
  pricing: z
    .object({ inputPerMTok: z.number().min(0), outputPerMTok: z.number().min(0) })
    .optional(),
  maxErrorRate: z.number().min(0).max(1).optional(),
  grader: z.string().min(3).max(200).optional(),
  label: z.string().max(200).optional(),
  createdBy: z.string().max(200).optional(),
})
export type StartRun = z.infer<typeof ZStartRun>

export interface RunProgress extends Progress {
  status: RunRow['status']
  statusReason: string | null
  total: number
  /** Results per second since the first started. */
  rate: number
  /** Seconds left at that rate; null until there is a rate. */
  etaSeconds: number | null
}

export interface RunReport {
  run: RunRow
  progress: RunProgress
  summary: RunSummary
}

/**
 * How a caller seals per-item results (each sample's scores) at rest, for runs whose task
 * reference it names: e.g. the controlled benchmark's, whose scores are as secret as its items.
 * Sealed rows keep no score in clear; the service opens them when it reads them back.
 */
export interface ResultHook {
  applies(taskRef: string): boolean
  seal(bytes: Buffer, runId: string): Promise<unknown>
  open(sealed: unknown, runId: string): Promise<Buffer>
}

const SEALED = '$sealed'

export interface EvalsServiceDeps {
  db: Db
  jobs: Pick<Jobs, 'send'>
  envelopes: Envelopes
  clock: Clock
  registry: TaskRegistry
  /** Sandboxes for samples that use tools; asked for on first use. */
  sandboxes?: () => Promise<SandboxProvider>
  /** Most sandboxes at once in this process, across runs. */
  maxSandboxes?: number
  transcripts?: TranscriptHook
  results?: ResultHook
  providerDeps?: ProviderDeps
  /** Written on each result, to tell which worker ran it. */
  worker?: string
}

const DEFAULTS = { maxConnections: 10, maxSamples: 32, maxSandboxes: 8, maxErrorRate: 0 } as const

/** Units per job: small runs spread over many jobs (so many workers share them), large ones in chunks of at most 20. */
export function chunkSize(units: number): number {
  return Math.max(1, Math.min(20, Math.ceil(units / 50)))
}

export function createEvalsService(deps: EvalsServiceDeps) {
  const { db } = deps
  const worker = deps.worker ?? `${hostname()}:${process.pid}`
  const tasks = new Map<string, Promise<{ task: Task; byId: Map<string, Sample> }>>()
  const models = new Map<
    string,
    { model: BuiltModel; grader: BuiltModel | undefined; cap: Semaphore }
  >()
  const sandboxCap = new Semaphore(deps.maxSandboxes ?? DEFAULTS.maxSandboxes)
  let sandboxProvider: Promise<SandboxProvider> | undefined

  function loadTask(ref: string) {
    let t = tasks.get(ref)
    if (!t) {
      t = (async () => {
        const task = await deps.registry.resolve(ref)
        const samples = await task.dataset()
        return { task, byId: new Map(samples.map((s) => [s.id, s])) }
      })()
      t.catch(() => tasks.delete(ref))
      tasks.set(ref, t)
    }
    return t
  }

  async function modelsFor(run: RunRow) {
    let m = models.get(run.id)
    if (!m) {
      const env = await evalStore.credential(db, run.id)
      const apiKey = env
        ? (await deps.envelopes.decrypt(env, `eval_run:${run.id}:credential`)).toString()
        : undefined
      const spec = (name: string) => ({
        name,
        maxConnections: run.config.maxConnections,
        ...(run.baseUrl ? { baseUrl: run.baseUrl } : {}),
        ...(apiKey ? { apiKey } : {}),
        ...(run.config.timeoutMs ? { timeoutMs: run.config.timeoutMs } : {}),
      })
      m = {
        model: createModel(spec(run.model), deps.providerDeps),
        grader: run.config.grader
          ? createModel(spec(run.config.grader), deps.providerDeps)
          : undefined,
        cap: new Semaphore(run.config.maxSamples),
      }
      models.set(run.id, m)
    }
    return m
  }

  async function mustGetRun(id: string): Promise<RunRow> {
    const run = await evalStore.getRun(db, id)
    if (!run) throw notFound('evaluation run', id)
    return run
  }

  const costOf = (c: RunConfig, inTok: number, outTok: number) =>
    c.pricing ? (inTok * c.pricing.inputPerMTok + outTok * c.pricing.outputPerMTok) / 1e6 : 0

  function toRow(r: SampleResult, run: RunRow): Omit<SampleRow, 'runId'> {
    const first = Object.values(r.scores)[0]
    return {
      sampleId: r.sampleId,
      epoch: r.epoch,
      scores: r.scores,
      score: r.error || !first ? null : first.value,
      category: (r.metadata.category as string | undefined) ?? null,
      group: (r.metadata.group as string | undefined) ?? null,
      difficulty: (r.metadata.difficulty as string | undefined) ?? null,
      inputTokens: r.usage.inputTokens,
      outputTokens: r.usage.outputTokens,
      cost: costOf(run.config, r.usage.inputTokens, r.usage.outputTokens),
      toolCalls: r.toolCalls,
      messages: r.messages.length,
      limitKind: r.limit?.kind ?? null,
      error: r.error ?? null,
      startedAt: new Date(r.startedAt),
      completedAt: new Date(r.completedAt),
      totalMs: r.totalMs,
      workingMs: r.workingMs,
      worker,
    }
  }

  /** A result row as stored: scores sealed for the runs the result hook names. */
  async function sealRow<R extends Omit<SampleRow, 'runId'>>(row: R, run: RunRow): Promise<R> {
    const hook = deps.results
    if (!hook?.applies(run.taskRef)) return row
    const bytes = Buffer.from(JSON.stringify({ scores: row.scores, score: row.score }))
    return {
      ...row,
      scores: { [SEALED]: await hook.seal(bytes, run.id) } as unknown as SampleRow['scores'],
      score: null,
    }
  }

  /** Rows read back, sealed scores opened (in memory only). */
  async function openRows<R extends SampleRow>(rows: R[]): Promise<R[]> {
    const hook = deps.results
    if (!hook || !rows.some((r) => SEALED in (r.scores ?? {}))) return rows
    return Promise.all(
      rows.map(async (r) => {
        const sealed = (r.scores as Record<string, unknown>)[SEALED]
        if (sealed === undefined) return r
        const plain = JSON.parse((await hook.open(sealed, r.runId)).toString('utf8')) as {
          scores: SampleRow['scores']
          score: number | null
        }
        return { ...r, scores: plain.scores, score: plain.score }
      }),
    )
  }

  /** After each stored result: end the run when it is complete, over budget, or over its error rate. */
  async function settle(run: RunRow): Promise<Progress> {
    const p = await evalStore.progress(db, run.id)
    const c = run.config
    if (p.errors > c.maxErrorRate * run.totalUnits) {
      await evalStore.finish(
        db,
        run.id,
        'failed',
        `${p.errors} of ${run.totalUnits} samples failed, more than the tolerated error rate of ${c.maxErrorRate}`,
      )
    } else if (c.tokenBudget && p.inputTokens + p.outputTokens >= c.tokenBudget) {
      await evalStore.finish(db, run.id, 'stopped', `token budget of ${c.tokenBudget} reached`)
    } else if (c.costBudget && p.cost >= c.costBudget) {
      await evalStore.finish(db, run.id, 'stopped', `cost budget of ${c.costBudget} reached`)
    } else {
      await evalStore.finish(db, run.id, 'completed', null, true)
    }
    return p
  }

  async function progressOf(run: RunRow): Promise<RunProgress> {
    const p = await evalStore.progress(db, run.id)
    const end = run.finishedAt ?? p.lastAt ?? deps.clock.now()
    const elapsed = p.firstAt ? Math.max(0.001, (end.getTime() - p.firstAt.getTime()) / 1000) : 0
    const rate = elapsed ? p.done / elapsed : 0
    return {
      ...p,
      status: run.status,
      statusReason: run.statusReason,
      total: run.totalUnits,
      rate,
      etaSeconds: rate > 0 && run.status === 'running' ? (run.totalUnits - p.done) / rate : null,
    }
  }

  const unitsOf = (rows: SampleRow[]): ScoredUnit[] =>
    rows.map((r) => ({
      sampleId: r.sampleId,
      epoch: r.epoch,
      scores: Object.fromEntries(Object.entries(r.scores).map(([k, v]) => [k, v.value])),
      category: r.category,
      group: r.group,
      error: r.error !== null,
    }))

  return {
    /** Checks the task and model, picks the samples, stores the run and sends its jobs, all in one transaction. */
    async startRun(input: StartRun): Promise<RunRow> {
      const req = ZStartRun.parse(input)
      req.task = deps.registry.canonical(req.task)
      let task: Task
      let samples: Sample[]
      try {
        const loaded = await loadTask(req.task)
        task = loaded.task
        samples = selectSamples([...loaded.byId.values()], {
          ...(req.ids ? { ids: req.ids } : {}),
          ...(req.shuffleSeed ? { shuffleSeed: req.shuffleSeed } : {}),
          ...(req.limit ? { limit: req.limit } : {}),
        })
      } catch (err) {
        if (err instanceof DatasetError || (err as Error).name?.endsWith('Error'))
          throw invalid('task', (err as Error).message)
        throw err
      }
      try {
        createModel({ name: req.model })
        if (req.grader) createModel({ name: req.grader })
      } catch (err) {
        throw invalid('model', (err as Error).message)
      }
      const epochs = req.epochs ?? task.epochs?.count ?? 1
      const reducer: ReducerName = req.reducer ?? task.epochs?.reducer ?? 'mean'
      const k = req.k ?? task.epochs?.k
      if (reducer === 'pass_at_k' && (!k || k > epochs))
        throw invalid('k', `pass_at_k needs k between 1 and the number of epochs (${epochs})`)
      const config: RunConfig = {
        epochs,
        reducer,
        ...(k ? { k } : {}),
        ...(req.limit ? { limit: req.limit } : {}),
        ...(req.ids ? { ids: req.ids } : {}),
        ...(req.shuffleSeed ? { shuffleSeed: req.shuffleSeed } : {}),
        maxConnections: req.maxConnections ?? DEFAULTS.maxConnections,
        maxSamples: req.maxSamples ?? DEFAULTS.maxSamples,
        maxSandboxes: req.maxSandboxes ?? DEFAULTS.maxSandboxes,
        ...(req.timeoutMs ? { timeoutMs: req.timeoutMs } : {}),
        ...(req.tokenBudget ? { tokenBudget: req.tokenBudget } : {}),
        ...(req.costBudget ? { costBudget: req.costBudget } : {}),
        ...(req.pricing ? { pricing: req.pricing } : {}),
        maxErrorRate: req.maxErrorRate ?? DEFAULTS.maxErrorRate,
        ...(req.grader ? { grader: req.grader } : {}),
      }
      if (config.costBudget && !config.pricing)
        throw invalid(
          'costBudget',
          'a cost budget needs pricing (input and output price per million tokens)',
        )
      const id = newId('run')
      const sampleIds = samples.map((s) => s.id)
      const units: Array<[string, number]> = []
      for (let e = 1; e <= epochs; e++) for (const s of sampleIds) units.push([s, e])
      const size = chunkSize(units.length)
      return db.transaction(async (tx) => {
        await evalStore.insertRun(tx, {
          id,
          taskRef: req.task,
          taskName: task.name,
          taskVersion: task.version ?? 1,
          model: req.model,
          baseUrl: req.baseUrl ?? null,
          credential: req.apiKey
            ? await deps.envelopes.encrypt(req.apiKey, `eval_run:${id}:credential`)
            : null,
          config,
          sampleIds,
          epochs,
          totalUnits: units.length,
          status: 'running',
          label: req.label ?? null,
          createdBy: req.createdBy ?? null,
        })
        for (let i = 0; i < units.length; i += size)
          await deps.jobs.send(RunChunk, { runId: id, units: units.slice(i, i + size) }, { tx })
        if (!units.length) await evalStore.finish(tx, id, 'completed', 'no samples selected')
        return (await evalStore.getRun(tx, id))!
      })
    },

    /** The job handler: runs the chunk's units not yet stored, storing each as it finishes. */
    async runChunk(
      payload: { runId: string; units: Array<[string, number]> },
      signal?: AbortSignal,
    ): Promise<{ ran: number; skipped: number }> {
      const run = await evalStore.getRun(db, payload.runId)
      if (!run || run.status !== 'running') return { ran: 0, skipped: payload.units.length }
      const { task, byId } = await loadTask(run.taskRef)
      const done = await evalStore.doneUnits(db, run.id)
      const todo = payload.units.filter(([s, e]) => !done.has(unitKey(s, e)))
      if (!todo.length) {
        await settle(run)
        return { ran: 0, skipped: payload.units.length }
      }
      const { model, grader, cap } = await modelsFor(run)
      let status: RunStatus = run.status
      let used = { tokens: 0, cost: 0 }
      const budget = () => {
        const c = run.config
        if (c.tokenBudget && used.tokens >= c.tokenBudget)
          throw new LimitExceeded('budget', c.tokenBudget, used.tokens)
        if (c.costBudget && used.cost >= c.costBudget)
          throw new LimitExceeded('budget', c.costBudget, used.cost)
      }
      const needsSandbox = task.solver.some((s) => s.name === 'react')
      if (needsSandbox && deps.sandboxes) sandboxProvider ??= deps.sandboxes()
      let ran = 0
      // Units of one chunk run together under the run's per-process sample cap; each unit's
      // sample and epoch come from the stored run, so every worker runs the same thing.
      for (const [sampleId] of todo) {
        if (!byId.has(sampleId))
          throw new Error(
            `run ${run.id} names sample ${sampleId}, which task ${run.taskRef} no longer has`,
          )
      }
      const sandboxes = sandboxProvider ? await sandboxProvider : undefined
      await runTask({
        task,
        samples: [],
        units: todo.map(([s, epoch]) => ({ sample: byId.get(s)!, epoch })),
        model,
        ...(grader ? { grader } : {}),
        sampleCap: cap,
        sandboxCap,
        ...(sandboxes ? { sandboxProvider: sandboxes } : {}),
        ...(signal ? { signal } : {}),
        now: () => deps.clock.now().getTime(),
        budget,
        keepGoing: () => status === 'running',
        collect: false,
        onResult: async (r) => {
          const ref = { runId: run.id, sampleId: r.sampleId, epoch: r.epoch }
          const t = await encodeTranscript(r, ref, deps.transcripts)
          const row = await sealRow(toRow(r, run), run)
          await db.transaction((tx) =>
            evalStore.insertSample(tx, run.id, {
              ...row,
              transcript: t.bytes,
              transcriptScheme: t.scheme,
            }),
          )
          ran++
          const p = await settle(run)
          used = { tokens: p.inputTokens + p.outputTokens, cost: p.cost }
          status = (await evalStore.status(db, run.id)) ?? 'stopped'
        },
      })
      return { ran, skipped: payload.units.length - todo.length }
    },

    /**
     * Runs every unit of a run in this process (units already stored are skipped), without
     * waiting for a worker: the demo, and callers that hold the run in one process.
     */
    async runHere(id: string, signal?: AbortSignal) {
      const run = await mustGetRun(id)
      const units: Array<[string, number]> = []
      for (let e = 1; e <= run.epochs; e++) for (const s of run.sampleIds) units.push([s, e])
      return this.runChunk({ runId: id, units }, signal)
    },

    tasks() {
      return deps.registry.list()
    },

    async getRun(id: string): Promise<RunRow> {
      return mustGetRun(id)
    },

    async listRuns(q: { task?: string; limit: number; offset: number }) {
      return evalStore.listRuns(db, q)
    },

    async progress(id: string): Promise<RunProgress> {
      return progressOf(await mustGetRun(id))
    },

    async report(id: string): Promise<RunReport> {
      const run = await mustGetRun(id)
      const rows = await openRows(await evalStore.scored(db, id))
      return {
        run,
        progress: await progressOf(run),
        summary: summarize(unitsOf(rows), {
          reducer: run.config.reducer as ReducerName,
          ...(run.config.k ? { k: run.config.k } : {}),
          seed: id,
        }),
      }
    },

    async samples(id: string, f: SampleFilter) {
      await mustGetRun(id)
      const page = await evalStore.samples(db, id, f)
      return { ...page, items: await openRows(page.items) }
    },

    async categories(id: string) {
      return evalStore.categories(db, id)
    },

    async transcript(id: string, sampleId: string, epoch: number): Promise<SampleResult> {
      const t = await evalStore.transcript(db, id, sampleId, epoch)
      if (!t) throw notFound('sample result', `${id}/${sampleId}/${epoch}`)
      return decodeTranscript(t.bytes, t.scheme, { runId: id, sampleId, epoch }, deps.transcripts)
    },

    /** Paired comparison of two runs on the samples both scored. */
    async compare(a: string, b: string) {
      const [ra, rb] = await Promise.all([mustGetRun(a), mustGetRun(b)])
      const [ua, ub] = await Promise.all([
        evalStore.scored(db, a).then(openRows),
        evalStore.scored(db, b).then(openRows),
      ])
      return {
        a: ra,
        b: rb,
        sameTask: ra.taskName === rb.taskName,
        comparisons: compareRuns(unitsOf(ua), unitsOf(ub), {
          reducer: ra.config.reducer as ReducerName,
          seed: `${a}|${b}`,
        }),
      }
    },

    async stopRun(id: string, reason = 'stopped by request'): Promise<RunRow> {
      await mustGetRun(id)
      await evalStore.finish(db, id, 'stopped', reason)
      return mustGetRun(id)
    },

    /** Everything about a run as one JSON document: run, summary and each sample's full transcript. */
    async exportRun(id: string) {
      const report = await this.report(id)
      const rows = await evalStore.scored(db, id)
      const transcripts = []
      for (const r of rows) transcripts.push(await this.transcript(id, r.sampleId, r.epoch))
      return { ...report, samples: transcripts }
    },

    /** Scored rows without transcripts (for exports and charts). */
    async scored(id: string) {
      await mustGetRun(id)
      return openRows(await evalStore.scored(db, id))
    },
  }
}

export type EvalsService = ReturnType<typeof createEvalsService>
