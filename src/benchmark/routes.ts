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
  }
}
