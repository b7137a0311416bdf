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
