/** HTTP routes of the controlled benchmark: threshold policy versions and their approvals. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { requirePrincipal } from '../platform/http/access.ts'
import { ID_PATTERN } from '../platform/ids.ts'
import { ZPolicyDocument } from './policy.ts'
import type { BenchmarkService } from './service.ts'

const tags = ['benchmark']
const ZParams = z.object({ id: z.string().regex(ID_PATTERN, 'must be a policy id') }).strict()

const ZApproval = z.object({
  personId: z.string(),
  personName: z.string(),
  orgId: z.string(),
  orgName: z.string(),
  role: z.enum(['benchmark_custodian', 'agency_signatory']),
  approvedAt: z.date(),
  logIndex: z.number().int().describe('The transparency-log entry recording the approval'),
})

export const ZPolicyView = z.object({
  id: z.string(),
  version: z.number().int(),
  document: ZPolicyDocument,
  state: z.enum(['draft', 'active', 'superseded']),
  createdBy: z.string(),
  createdAt: z.date(),
  activatedAt: z.date().nullable(),
  supersededAt: z.date().nullable(),
  activationLogIndex: z.number().int().nullable(),
  approvals: z.array(ZApproval),
  quorum: z.object({
    met: z.boolean(),
    custodian: z.boolean(),
    agencies: z.number().int(),
    missing: z.array(z.string()).describe('What the version still needs before it takes effect'),
  }),
})

const ZTask = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  categories: z.record(z.string(), z.number()).describe('Capability category → weight'),
  config: z
    .record(z.string(), z.unknown())
    .describe('Solver, scorer, epochs: configuration, not content'),
  items: z.number().int(),
  retired: z.number().int(),
})

const ZBundleSummary = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  importedBy: z.string(),
  importedAt: z.date(),
  tasks: z.array(ZTask),
})

const ZItemParams = z.object({ id: z.string().regex(ID_PATTERN, 'must be an item id') }).strict()

/** Most a bundle upload may be: items and their files travel inline. */
const BUNDLE_BODY_LIMIT = 64 * 1024 * 1024

const ZEst = z.object({ mean: z.number(), low: z.number(), high: z.number(), n: z.number().int() })

const ZMeasure = z.object({
  measure: z.string().describe('A capability category, or composite'),
  threshold: z.number(),
  estimate: ZEst.nullable(),
  position: z.enum(['above', 'below', 'straddles', 'insufficient', 'unmeasured']),
  samplesNeeded: z.number().int().optional(),
  note: z.string(),
})

export const ZDetermination = z.object({
  id: z.string(),
  runId: z.string(),
  submissionId: z.string(),
  policyId: z.string(),
  policyVersion: z.number().int(),
  outcome: z.enum(['covered', 'not_covered', 'inconclusive']),
  measures: z.array(ZMeasure),
  reasons: z.array(z.string()),
  refusals: z.record(z.string(), z.number()),
  contamination: z.object({ probed: z.boolean(), positive: z.boolean(), detail: z.string() }),
  run: z.object({
    samples: z.number().int(),
    epochs: z.number().int(),
    errors: z.number().int(),
    startedAt: z.string(),
    finishedAt: z.string(),
    model: z.string(),
  }),
  elicitation: z
    .object({
      solvability: z
        .object({
          checked: z.number().int(),
          passed: z.number().int(),
          tasks: z.number().int(),
          at: z.string(),
        })
        .optional()
        .describe('Every item’s reference solution passed before the run started'),
      reference: z
        .object({
          model: z.string(),
          measures: z.array(z.object({ measure: z.string(), estimate: ZEst.nullable() })),
          paired: z.object({
            n: z.number().int(),
            diff: z.number(),
            low: z.number(),
            high: z.number(),
            p: z.number(),
          }),
          flagged: z.boolean(),
          note: z.string(),
        })
        .optional()
        .describe('A reference model on the same items: baseline and sandbagging signal'),
      skippedTasks: z.array(z.string()).optional(),
    })
    .describe('Evidence the model was really tried'),
  resultsCommitment: z
    .string()
    .describe('Salted SHA-256 of the per-item results; the log entry carries the same value'),
  logIndex: z.number().int(),
  createdAt: z.date(),
})

const ZRunOptions = z
  .object({
    model: z
      .string()
      .max(200)
      .optional()
      .describe('A scripted model (mockllm/…) instead of the lab endpoint: demo servers only'),
    maxConnections: z.number().int().min(1).max(1000).optional(),
    workers: z.number().int().min(1).max(1000).optional(),
    referenceModel: z
      .string()
      .min(3)
      .max(200)
      .optional()
      .describe('A reference model run on the same items: baseline and sandbagging signal'),
    skipSandboxedTasks: z
      .boolean()
      .optional()
      .describe('Demo servers with a scripted model only: leave out tasks that need a sandbox'),
  })
  .strict()
  .nullish()

const ZPlan = z.object({
  tasks: z.number().int(),
  items: z.number().int(),
  epochs: z.number().int(),
  units: z.number().int(),
  maxConnections: z.number().int(),
  workers: z.number().int(),
  estimatedSeconds: z.number().int(),
  windowClosesAt: z.string(),
  warning: z.string().nullable(),
})

const ZRun = z.object({
  id: z.string(),
  submissionId: z.string(),
  policyId: z.string(),
  bundleId: z.string(),
  model: z.string(),
  state: z.enum(['running', 'determined', 'failed']),
  stateReason: z.string().nullable(),
  plan: z.record(z.string(), z.unknown()),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  tasks: z.array(
    z.object({ taskId: z.string(), evalRunId: z.string(), role: z.enum(['subject', 'reference']) }),
  ),
})

const ZSubParams = z
  .object({ id: z.string().regex(ID_PATTERN, 'must be a submission id') })
  .strict()
const ZDetParams = z
  .object({ id: z.string().regex(ID_PATTERN, 'must be a determination id') })
  .strict()
const PROGRAM_STAFF = ['admin', 'program_officer', 'benchmark_custodian', 'auditor'] as const

const READERS = [
  'admin',
  'program_officer',
  'benchmark_custodian',
  'auditor',
  'agency_signatory',
  'lab_member',
] as const

export function benchmarkRoutes(deps: { benchmark: BenchmarkService }): FastifyPluginAsync {
  const { benchmark } = deps
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()

    app.get(
      '/benchmark/policies',
      {
        config: { access: { roles: [...READERS] } },
        schema: {
          tags,
          summary: 'Threshold policy versions, newest first (labs see versions that took effect)',
          response: { 200: z.object({ items: z.array(ZPolicyView) }) },
        },
      },
      async (req) => ({ items: await benchmark.policies(requirePrincipal(req)) }),
    )

    app.post(
      '/benchmark/policies',
      {
        config: { access: { roles: ['benchmark_custodian'] } },
        schema: {
          tags,
          summary: 'Draft a new threshold policy version (takes effect after three approvals)',
          body: z.object({ document: z.unknown() }).strict(),
          response: { 201: ZPolicyView },
        },
      },
      async (req, reply) =>
        reply
          .status(201)
          .send(await benchmark.createPolicy(requirePrincipal(req), req.body.document)),
    )

    app.get(
      '/benchmark/policies/:id',
      {
        config: { access: { roles: [...READERS] } },
        schema: {
          tags,
          summary: 'One policy version',
          params: ZParams,
          response: { 200: ZPolicyView },
        },
      },
      async (req) => benchmark.policy(requirePrincipal(req), req.params.id),
    )

    app.post(
      '/benchmark/policies/:id/approvals',
      {
        config: { access: { roles: ['benchmark_custodian', 'agency_signatory'] } },
        schema: {
          tags,
          summary:
            'Approve a draft version; the approval completing the quorum (custodian + two agencies) activates it',
          params: ZParams,
          response: { 200: ZPolicyView },
        },
      },
      async (req) => benchmark.approvePolicy(requirePrincipal(req), req.params.id),
    )

    app.post(
      '/submissions/:id/determination-runs/plan',
      {
        config: { access: { roles: ['program_officer'] } },
        schema: {
          tags,
          summary:
            'Estimate a determination run: size, duration, and whether it ends inside the review window',
          params: ZSubParams,
          body: ZRunOptions,
          response: { 200: ZPlan },
        },
      },
      async (req) => benchmark.planRun(requirePrincipal(req), req.params.id, req.body ?? {}),
    )

    app.post(
      '/submissions/:id/determination-runs',
      {
        config: { access: { roles: ['program_officer'] } },
        schema: {
          tags,
          summary:
            'Run the controlled benchmark against the submission’s model; a determination follows',
          params: ZSubParams,
          body: ZRunOptions,
          response: { 202: ZRun },
        },
      },
      async (req, reply) =>
        reply
          .status(202)
          .send(
            await benchmark.startDetermination(
              requirePrincipal(req),
              req.params.id,
              req.body ?? {},
            ),
          ),
    )

    app.get(
      '/submissions/:id/determination-runs',
      {
        config: { access: { roles: [...PROGRAM_STAFF] } },
        schema: {
          tags,
          summary: 'Determination runs of a submission, newest first',
          params: ZSubParams,
          response: { 200: z.object({ items: z.array(ZRun) }) },
        },
      },
      async (req) => ({ items: await benchmark.runs(requirePrincipal(req), req.params.id) }),
    )

    app.get(
      '/submissions/:id/determinations',
      {
        config: { access: { roles: [...PROGRAM_STAFF, 'lab_member'] } },
        schema: {
          tags,
          summary: 'Every determination of a submission (none is ever overwritten), newest first',
          params: ZSubParams,
          response: { 200: z.object({ items: z.array(ZDetermination) }) },
        },
      },
      async (req) => ({
        items: await benchmark.determinations(requirePrincipal(req), req.params.id),
      }),
    )

    app.get(
      '/determinations/:id',
      {
        config: { access: { roles: [...PROGRAM_STAFF, 'lab_member'] } },
        schema: {
          tags,
          summary: 'One determination: outcome, category intervals against thresholds, evidence',
          params: ZDetParams,
          response: { 200: ZDetermination },
        },
      },
      async (req) => benchmark.determination(requirePrincipal(req), req.params.id),
    )

    app.get(
      '/benchmark/determinations',
      {
        config: { access: { roles: [...PROGRAM_STAFF, 'lab_member'] } },
        schema: {
          tags,
          summary: 'Determinations you may see (a lab: its own), newest first',
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.string(),
                  submissionId: z.string(),
                  labName: z.string(),
                  modelName: z.string(),
                  modelVersion: z.string(),
                  outcome: z.enum(['covered', 'not_covered', 'inconclusive']),
                  policyVersion: z.number().int(),
                  composite: ZEst.nullable(),
                  createdAt: z.date(),
                }),
              ),
            }),
          },
        },
      },
      async (req) => ({ items: await benchmark.allDeterminations(requirePrincipal(req)) }),
    )

    app.get(
      '/determinations/:id/report',
      {
        config: { access: { roles: [...PROGRAM_STAFF, 'lab_member'] } },
        schema: {
          tags,
          summary:
            'The determination report: the determination, the lab’s earlier determinations and the baselines (aggregates only)',
          params: ZDetParams,
          response: {
            200: z.object({
              determination: ZDetermination,
              submission: z.object({
                id: z.string(),
                labName: z.string(),
                modelName: z.string(),
                modelVersion: z.string(),
              }),
              previous: z.array(
                z.object({
                  id: z.string(),
                  submissionId: z.string(),
                  label: z.string(),
                  outcome: z.enum(['covered', 'not_covered', 'inconclusive']),
                  policyVersion: z.number().int(),
                  composite: ZEst.nullable(),
                  createdAt: z.date(),
                }),
              ),
              baselines: z.array(
                z.object({
                  label: z.string(),
                  measures: z.array(z.object({ measure: z.string(), estimate: ZEst.nullable() })),
                }),
              ),
            }),
          },
        },
      },
      async (req) => benchmark.report(requirePrincipal(req), req.params.id),
    )

    app.get(
      '/determinations/:id/report.pdf',
      {
        config: { access: { roles: [...PROGRAM_STAFF, 'lab_member'] } },
        schema: {
          tags,
          summary: 'The determination report as a PDF (the lab’s version has no per-task detail)',
          params: ZDetParams,
        },
      },
      async (req, reply) => {
        const pdf = await benchmark.reportPdf(requirePrincipal(req), req.params.id)
        return reply
          .header('content-type', 'application/pdf')
          .header(
            'content-disposition',
            `attachment; filename="determination-${req.params.id}.pdf"`,
          )
          .send(pdf)
      },
    )

    app.get(
      '/benchmark/bundles',
      {
        config: {
          access: { roles: ['admin', 'program_officer', 'benchmark_custodian', 'auditor'] },
        },
        schema: {
          tags,
          summary:
            'Controlled bundles in the vault: tasks, categories and item counts (never content)',
          response: { 200: z.object({ items: z.array(ZBundleSummary) }) },
        },
      },
      async (req) => ({ items: await benchmark.bundles(requirePrincipal(req)) }),
    )

    app.post(
      '/benchmark/bundles',
      {
        bodyLimit: BUNDLE_BODY_LIMIT,
        config: { access: { roles: ['benchmark_custodian'] } },
        schema: {
          tags,
          summary:
            'Import a controlled bundle: checked whole, every item encrypted under its own data key',
          body: z
            .object({
              manifest: z.unknown().describe('The bundle manifest (see docs/benchmark.md)'),
              files: z
                .record(z.string().max(500), z.string())
                .default({})
                .describe('Files the manifest refers to by path, as text'),
            })
            .strict(),
          response: {
            201: z.object({
              id: z.string(),
              name: z.string(),
              version: z.string(),
              tasks: z.array(
                z.object({
                  id: z.string(),
                  key: z.string(),
                  name: z.string(),
                  items: z.number().int(),
                }),
              ),
            }),
          },
        },
      },
      async (req, reply) =>
        reply
          .status(201)
          .send(
            await benchmark.importBundle(
              requirePrincipal(req),
              req.body.manifest,
              new Map(Object.entries(req.body.files)),
            ),
          ),
    )

    app.get(
      '/benchmark/items/:id',
      {
        config: { access: { roles: ['benchmark_custodian'] } },
        schema: {
          tags,
          summary: 'One controlled item in clear (custodian only)',
          params: ZItemParams,
          response: {
            200: z.object({
              id: z.string(),
              taskId: z.string(),
              key: z.string(),
              retiredAt: z.date().nullable(),
              content: z.record(z.string(), z.unknown()),
            }),
          },
        },
      },
      async (req) => {
        const item = await benchmark.item(requirePrincipal(req), req.params.id)
        return { ...item, content: item.content as unknown as Record<string, unknown> }
      },
    )

    app.post(
      '/benchmark/items/:id/retire',
      {
        config: { access: { roles: ['benchmark_custodian'] } },
        schema: {
          tags,
          summary: 'Retire an exposed item: later runs no longer show it',
          params: ZItemParams,
          body: z.object({ reason: z.string().trim().min(1).max(2000) }).strict(),
          response: { 204: z.null() },
        },
      },
      async (req, reply) => {
        await benchmark.retireItem(requirePrincipal(req), req.params.id, req.body.reason)
        return reply.status(204).send(null)
      },
    )

    app.get(
      '/benchmark/exposures',
      {
        config: { access: { roles: ['benchmark_custodian'] } },
        schema: {
          tags,
          summary: 'The exposure ledger: which items each lab’s models were shown, and when',
          querystring: z
            .object({
              labOrgId: z.string().regex(ID_PATTERN).optional(),
              itemId: z.string().regex(ID_PATTERN).optional(),
            })
            .strict(),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  itemId: z.string(),
                  itemKey: z.string(),
                  taskName: z.string(),
                  labOrgId: z.string(),
                  labName: z.string(),
                  submissionId: z.string(),
                  runId: z.string(),
                  shownAt: z.date(),
                }),
              ),
            }),
          },
        },
      },
      async (req) => ({ items: await benchmark.exposures(requirePrincipal(req), req.query) }),
    )

    app.post(
      '/benchmark/keys/rotate',
      {
        config: { access: { roles: ['benchmark_custodian', 'admin'] } },
        schema: {
          tags,
          summary:
            'Re-wrap every vault data key under the current master key (after rotating EARLYWATCH_MASTER_KEY)',
          response: { 200: z.object({ rewrapped: z.number().int(), total: z.number().int() }) },
        },
      },
      async (req) => benchmark.rotateKeys(requirePrincipal(req)),
    )
  }
}
