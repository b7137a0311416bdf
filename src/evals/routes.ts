/** HTTP routes of the evaluation engine: runs, their live progress, scores, samples, transcripts and exports (for the web UI and scripts). */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Role } from '../accounts/model.ts'
import { forbidden } from '../platform/errors.ts'
import { requirePrincipal } from '../platform/http/access.ts'
import { writeInspectLog } from './inspect.ts'
import type { EvalsService } from './service.ts'
import { ZStartRun } from './service.ts'

/** Transcripts hold item-level content: only the program's evaluation staff read them. */
export const EVAL_READERS: readonly Role[] = ['admin', 'program_officer', 'benchmark_custodian']
const EVAL_RUNNERS: readonly Role[] = ['program_officer', 'benchmark_custodian']
const tags = ['evals']

const ZRunId = z
  .string()
  .regex(/^run_[0-9a-z]{8,40}$/, 'must be a run id such as run_0123456789abcdef')
const ZParams = z.object({ id: ZRunId }).strict()

const ZRun = z.object({
  id: z.string(),
  taskRef: z.string(),
  taskName: z.string(),
  taskVersion: z.number().int(),
  model: z.string(),
  baseUrl: z.string().nullable(),
  config: z.record(z.string(), z.unknown()),
  epochs: z.number().int(),
  totalUnits: z.number().int(),
  status: z.enum(['running', 'completed', 'failed', 'stopped']),
  statusReason: z.string().nullable(),
  label: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
})

const runView = <T extends { sampleIds: string[] }>(r: T) => {
  const { sampleIds: _ids, ...rest } = r
  return rest as Omit<T, 'sampleIds' | 'config'> & { config: Record<string, unknown> }
}

const ZSamplesQuery = z
  .object({
    category: z.string().max(200).optional(),
    outcome: z.enum(['correct', 'incorrect', 'error', 'limit']).optional(),
    epoch: z.coerce.number().int().min(1).optional(),
    q: z.string().trim().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict()

export function evalsRoutes(deps: {
  evals: EvalsService
  /**
   * Runs whose per-sample results and transcripts only the benchmark custodian may read (the
   * controlled benchmark's); everyone else with access sees the run's aggregates.
   */
  restricted?: (runId: string) => Promise<boolean>
}): FastifyPluginAsync {
  const { evals } = deps
  const perSample = async (req: FastifyRequest, runId: string) => {
    if (!deps.restricted || !(await deps.restricted(runId))) return
    if (!requirePrincipal(req).roles.includes('benchmark_custodian'))
      throw forbidden(
        `Run ${runId} is a controlled benchmark run: its per-item results and transcripts are for the benchmark custodian; its aggregates are on the run page.`,
      )
  }
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()
    const read = { access: { roles: EVAL_READERS } }

    app.get(
      '/evals/runs',
      {
        config: read,
        schema: {
          tags,
          summary: 'Evaluation runs, newest first, with their progress',
          querystring: z
            .object({
              task: z.string().max(200).optional(),
              limit: z.coerce.number().int().min(1).max(200).default(50),
              offset: z.coerce.number().int().min(0).default(0),
            })
            .strict(),
          response: {
            200: z.object({
              items: z.array(ZRun.extend({ done: z.number().int(), errors: z.number().int() })),
              total: z.number().int(),
            }),
          },
        },
      },
      async (req) => {
        requirePrincipal(req)
        const page = await evals.listRuns(req.query)
        const items = await Promise.all(
          page.items.map(async (r) => {
            const p = await evals.progress(r.id)
            return { ...runView(r), done: p.done, errors: p.errors }
          }),
        )
        return { items, total: page.total }
      },
    )

    app.post(
      '/evals/runs',
      {
        config: { access: { roles: EVAL_RUNNERS } },
        schema: {
          tags,
          summary: 'Start a run: its samples go to the workers as jobs',
          body: ZStartRun.omit({ createdBy: true }).strict(),
          response: { 201: ZRun },
        },
      },
      async (req, reply) => {
        const p = requirePrincipal(req)
        const run = await evals.startRun({ ...req.body, createdBy: p.email || p.personId })
        return reply.status(201).send(runView(run))
      },
    )

    app.get(
      '/evals/tasks',
      {
        config: read,
        schema: {
          tags,
          summary: 'Tasks known by name',
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  name: z.string(),
                  description: z.string(),
                  suite: z.string().optional(),
                }),
              ),
            }),
          },
        },
      },
      async () => ({ items: evals.tasks() }),
    )

    app.get(
      '/evals/runs/:id',
      {
        config: read,
        schema: {
          tags,
          summary:
            'A run with its progress and statistics: per scorer mean, SE, 95% CIs, and per category',
          params: ZParams,
        },
      },
      async (req) => {
        const r = await evals.report(req.params.id)
        return { ...r, run: runView(r.run), categories: await evals.categories(req.params.id) }
      },
    )

    app.get(
      '/evals/runs/:id/progress',
      {
        config: read,
        schema: {
          tags,
          summary: 'Live progress: done/total, rate, ETA, tokens, errors',
          params: ZParams,
        },
      },
      async (req) => evals.progress(req.params.id),
    )

    app.post(
      '/evals/runs/:id/stop',
      {
        config: { access: { roles: EVAL_RUNNERS } },
        schema: {
          tags,
          summary: 'Stop a running run; finished samples stay',
          params: ZParams,
          response: { 200: ZRun },
        },
      },
      async (req) => runView(await evals.stopRun(req.params.id)),
    )

    app.get(
      '/evals/runs/:id/samples',
      {
        config: read,
        schema: {
          tags,
          summary: 'Sample results, filtered and paged',
          params: ZParams,
          querystring: ZSamplesQuery,
        },
      },
      async (req) => {
        await perSample(req, req.params.id)
        return evals.samples(req.params.id, req.query)
      },
    )

    app.get(
      '/evals/runs/:id/samples/:sampleId/:epoch',
      {
        config: read,
        schema: {
          tags,
          summary:
            "One sample's full transcript: messages, tool calls and outputs, scores with explanations, timing, tokens, errors",
          params: z
            .object({
              id: ZRunId,
              sampleId: z.string().min(1).max(500),
              epoch: z.coerce.number().int().min(1),
            })
            .strict(),
        },
      },
      async (req) => {
        await perSample(req, req.params.id)
        return evals.transcript(req.params.id, req.params.sampleId, req.params.epoch)
      },
    )

    app.get(
      '/evals/runs/:id/export',
      {
        config: read,
        schema: {
          tags,
          summary: 'The run as JSON with every transcript, or as an Inspect .eval log file',
          params: ZParams,
          querystring: z.object({ format: z.enum(['json', 'inspect']).default('json') }).strict(),
        },
      },
      async (req, reply) => {
        await perSample(req, req.params.id)
        const doc = await evals.exportRun(req.params.id)
        if (req.query.format === 'inspect') {
          return reply
            .header('content-type', 'application/zip')
            .header('content-disposition', `attachment; filename="${req.params.id}.eval"`)
            .send(writeInspectLog(doc))
        }
        return reply
          .header('content-disposition', `attachment; filename="${req.params.id}.json"`)
          .send({ ...doc, run: runView(doc.run) })
      },
    )

    app.get(
      '/evals/compare',
      {
        config: read,
        schema: {
          tags,
          summary: 'Paired comparison of two runs on the samples both scored',
          querystring: z.object({ a: ZRunId, b: ZRunId }).strict(),
        },
      },
      async (req) => {
        const c = await evals.compare(req.query.a, req.query.b)
        return { ...c, a: runView(c.a), b: runView(c.b) }
      },
    )
  }
}
