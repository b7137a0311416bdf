/** HTTP routes of the program registry: submissions, their review windows, timelines and state changes. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { PROGRAM_WIDE_ROLES, type Role } from '../accounts/model.ts'
import { requirePrincipal } from '../platform/http/access.ts'
import { ID_PATTERN } from '../platform/ids.ts'
import {
  DEFAULT_OFFERED_DAYS,
  MAX_WINDOW_DAYS,
  PROTOCOLS,
  parseTimestamp,
  SORT_KEYS,
  SUBMISSION_STATES,
  TIMESTAMP_EXAMPLE,
} from './model.ts'
import type { ProgramService } from './service.ts'

const ZId = z.string().regex(ID_PATTERN, 'must be a submission id such as sub_0123456789abcdef')
const ZState = z.enum(SUBMISSION_STATES)

/** Checked here for a clear 400 naming the body field; the service parses it again for other callers. */
const ZTimestamp = z
  .string()
  .max(40)
  .superRefine((value, ctx) => {
    const r = parseTimestamp(value)
    if (!r.ok) ctx.addIssue({ code: 'custom', message: r.message })
  })
  .meta({
    format: 'date-time',
    description: `ISO 8601 with a UTC offset, e.g. ${TIMESTAMP_EXAMPLE}; stored as UTC`,
    examples: [TIMESTAMP_EXAMPLE],
  })

const ZReason = z.string().trim().min(1).max(2000)
const ZRevision = z
  .number()
  .int()
  .min(1)
  .describe(
    'The revision you last read; the change is refused with 409 if the submission has moved on',
  )

export const ZWindow = z.object({
  opensAt: z.date(),
  closesAt: z.date(),
  days: z.number().describe('Length in days, to one decimal place'),
  phase: z.enum(['upcoming', 'open', 'closed']),
  daysLeft: z.number().int().describe('Whole days until it closes, rounded up; 0 once closed'),
})

export const ZSubmission = z.object({
  id: z.string(),
  labOrgId: z.string(),
  labName: z.string(),
  modelName: z.string(),
  modelVersion: z.string(),
  description: z.string(),
  intendedCapabilities: z.array(z.string()),
  endpoint: z.object({
    baseUrl: z.string(),
    protocol: z.enum(PROTOCOLS),
    modelId: z.string(),
    hasCredential: z
      .boolean()
      .describe('The credential itself is write-only; false once destroyed on withdrawal'),
  }),
  offeredDays: z.number().int(),
  partnerReleaseAt: z.date().nullable(),
  publicReleaseAt: z.date().nullable(),
  acceptedAt: z.date().nullable(),
  state: ZState,
  window: ZWindow.describe(
    'Before acceptance, the earliest window that acceptance now would give; phase is then upcoming',
  ),
  credentialDestroyedAt: z.date().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  revision: z.number().int(),
})

/** What a decision answers: the submission, and where the transparency log recorded the decision. */
export const ZDecision = ZSubmission.extend({
  logIndex: z
    .number()
    .int()
    .describe(
      'Index of the decision’s transparency-log entry: /api/log/entries/{logIndex}/receipt',
    ),
})

export const ZRegisterRequest = z
  .object({
    modelName: z.string().trim().min(1).max(200),
    modelVersion: z.string().trim().min(1).max(100),
    description: z.string().trim().max(10_000).default(''),
    intendedCapabilities: z.array(z.string().trim().min(1).max(200)).max(50).default([]),
    endpoint: z
      .object({
        baseUrl: z
          .url({
            protocol: /^https?$/,
            error: 'must be an http(s) URL such as https://api.example.com/v1',
          })
          .max(2048),
        protocol: z.enum(PROTOCOLS),
        modelId: z.string().trim().min(1).max(200),
        credential: z
          .string()
          .min(1)
          .max(8192)
          .describe('API key for the endpoint. Write-only: encrypted at rest, never returned'),
      })
      .strict(),
    offeredDays: z
      .number()
      .int()
      .min(1)
      .max(MAX_WINDOW_DAYS)
      .default(DEFAULT_OFFERED_DAYS)
      .describe(`Days of access before the release (at most ${MAX_WINDOW_DAYS})`),
    partnerReleaseAt: ZTimestamp.nullable()
      .optional()
      .describe('Planned release to trusted partners'),
    publicReleaseAt: ZTimestamp.nullable().optional().describe('Planned public release'),
  })
  .strict()
export type RegisterRequest = z.infer<typeof ZRegisterRequest>

export const ZListQuery = z
  .object({
    state: ZState.optional(),
    labOrgId: z
      .string()
      .regex(ID_PATTERN, 'must be an organisation id')
      .optional()
      .describe('One lab (program staff); lab members always see only their own'),
    q: z
      .string()
      .trim()
      .max(200)
      .optional()
      .describe('Text in model name, version, description or lab'),
    sort: z.enum(SORT_KEYS).default('createdAt'),
    order: z.enum(['asc', 'desc']).default('desc'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict()

const ZAcceptRequest = z
  .object({ reason: ZReason.optional(), revision: ZRevision.optional() })
  .strict()
  // Fastify hands a request without a body over as null; accepting needs nothing more.
  .nullish()

const ZTransitionRequest = z
  .object({
    to: z.enum(['determined', 'partner_access', 'released']),
    reason: ZReason.optional(),
    revision: ZRevision.optional(),
  })
  .strict()

const ZRescheduleRequest = z
  .object({
    partnerReleaseAt: ZTimestamp.nullable()
      .optional()
      .describe('New partner release; null: none planned any more'),
    publicReleaseAt: ZTimestamp.nullable()
      .optional()
      .describe('New public release; null: none planned any more'),
    reason: ZReason.optional(),
    revision: ZRevision.optional(),
  })
  .strict()

const ZWithdrawRequest = z.object({ reason: ZReason }).strict()

export const ZEvent = z.object({
  id: z.number().int(),
  at: z.date(),
  kind: z.string(),
  actor: z
    .object({
      personId: z.string(),
      personName: z.string(),
      orgId: z.string(),
      orgName: z.string(),
    })
    .nullable(),
  fromState: ZState.nullable(),
  toState: ZState.nullable(),
  reason: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  logIndex: z
    .number()
    .int()
    .nullable()
    .describe('The transparency-log entry recording this change'),
})

const ZParams = z.object({ id: ZId }).strict()

const READERS: readonly Role[] = [...PROGRAM_WIDE_ROLES, 'lab_member']
const tags = ['program']

export function programRoutes(deps: { program: ProgramService }): FastifyPluginAsync {
  const { program } = deps
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()

    app.get(
      '/submissions',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags,
          summary: 'Submissions you may see: program staff all, a lab its own',
          querystring: ZListQuery,
          response: { 200: z.object({ items: z.array(ZSubmission), total: z.number().int() }) },
        },
      },
      async (req) => program.list(requirePrincipal(req), req.query),
    )

    app.post(
      '/submissions',
      {
        config: { access: { roles: ['lab_member'] } },
        schema: {
          tags,
          summary: 'Register a model submission for your lab',
          body: ZRegisterRequest,
          response: { 201: ZDecision },
        },
      },
      async (req, reply) => {
        const s = await program.register(requirePrincipal(req), req.body)
        return reply.status(201).send(s)
      },
    )

    app.get(
      '/submissions/:id',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags,
          summary: 'One submission',
          params: ZParams,
          response: { 200: ZSubmission },
        },
      },
      async (req) => program.get(requirePrincipal(req), req.params.id),
    )

    app.get(
      '/submissions/:id/events',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags,
          summary: 'The timeline: every change, who made it, when and why',
          params: ZParams,
          response: { 200: z.object({ items: z.array(ZEvent) }) },
        },
      },
      async (req) => ({ items: await program.events(requirePrincipal(req), req.params.id) }),
    )

    app.post(
      '/submissions/:id/accept',
      {
        config: { access: { roles: ['program_officer'] } },
        schema: {
          tags,
          summary: 'Accept a submission: submitted → in_review; the review window opens',
          params: ZParams,
          body: ZAcceptRequest,
          response: { 200: ZDecision },
        },
      },
      async (req) => program.accept(requirePrincipal(req), req.params.id, req.body ?? {}),
    )

    app.post(
      '/submissions/:id/transition',
      {
        config: { access: { roles: ['program_officer', 'lab_member'] } },
        schema: {
          tags,
          summary:
            'Record progress: determined and partner_access (program officer), released (the lab, from any earlier state)',
          params: ZParams,
          body: ZTransitionRequest,
          response: { 200: ZDecision },
        },
      },
      async (req) => program.transition(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/submissions/:id/reschedule',
      {
        config: { access: { roles: ['lab_member'] } },
        schema: {
          tags,
          summary: 'Move release dates, earlier or later; the review window follows',
          params: ZParams,
          body: ZRescheduleRequest,
          response: { 200: ZDecision },
        },
      },
      async (req) => program.reschedule(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/submissions/:id/withdraw',
      {
        config: { access: { roles: ['lab_member'] } },
        schema: {
          tags,
          summary: 'Withdraw, from any state; the stored endpoint credential is destroyed',
          params: ZParams,
          body: ZWithdrawRequest,
          response: { 200: ZDecision },
        },
      },
      async (req) => program.withdraw(requirePrincipal(req), req.params.id, req.body),
    )
  }
}
