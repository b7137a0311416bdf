/** HTTP routes of trusted partners: the registry, joint selection per submission, and grants. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { PROGRAM_WIDE_ROLES, type Role } from '../accounts/model.ts'
import { requirePrincipal } from '../platform/http/access.ts'
import { ID_PATTERN } from '../platform/ids.ts'
import {
  ENDPOINTS,
  EVIDENCE_MAX_BYTES,
  EVIDENCE_TYPES,
  GRANT_STATUSES,
  KEY_STATES,
  LIMIT_MAX,
  REFUSAL_CATEGORIES,
  SECTORS,
  SELECTION_STATES,
  VETTING_STATUSES,
} from './model.ts'
import type { PartnersService } from './service.ts'

const ZId = (what: string) => z.string().regex(ID_PATTERN, `must be ${what} id`)
const ZReason = z.string().trim().min(1).max(4000)
const ZWho = z.object({ personId: z.string(), name: z.string() })
const ZParty = z.enum(['lab', 'program'])
const ZCategory = z.enum(REFUSAL_CATEGORIES)

export const ZPartner = z.object({
  orgId: z.string(),
  name: z.string(),
  slug: z.string(),
  sector: z.enum(SECTORS),
  description: z.string(),
  website: z.string().nullable(),
  vetting: z.object({
    status: z.enum(VETTING_STATUSES),
    reviewer: ZWho.nullable(),
    at: z.date().nullable(),
    notes: z.string(),
  }),
  createdAt: z.date(),
  updatedAt: z.date(),
  revision: z.number().int(),
})

const ZContact = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  phone: z.string().nullable(),
  title: z.string(),
})

const ZConflict = z.object({
  id: z.string(),
  relatedOrgId: z.string().nullable(),
  relatedOrgName: z.string().nullable(),
  description: z.string(),
  declaredBy: z.string(),
  declaredAt: z.date(),
})

const ZEvidence = z.object({
  id: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  uploadedBy: z.string(),
  uploadedAt: z.date(),
})

const ZPartnerDetail = ZPartner.extend({
  contacts: z.array(ZContact),
  conflicts: z.array(ZConflict),
  evidence: z.array(ZEvidence).describe('Empty unless you are program staff or the partner'),
})

const ZKey = z.object({ state: z.enum(KEY_STATES), by: ZWho.nullable(), at: z.date().nullable() })

export const ZSelection = z.object({
  id: z.string(),
  submissionId: z.string(),
  labOrgId: z.string(),
  labName: z.string(),
  modelName: z.string(),
  modelVersion: z.string(),
  partnerOrgId: z.string(),
  partnerName: z.string(),
  partnerSector: z.enum(SECTORS),
  proposedBy: z.object({ party: ZParty, personId: z.string(), name: z.string() }),
  proposedAt: z.date(),
  rationale: z.string(),
  keys: z.object({ lab: ZKey, program: ZKey }),
  refusal: z
    .object({
      party: ZParty,
      by: ZWho,
      at: z.date(),
      category: ZCategory,
      reason: z.string().nullable().describe('Null for the partner: it is told the category only'),
    })
    .nullable(),
  appeal: z
    .object({
      statement: z.string(),
      by: ZWho,
      at: z.date(),
      reviewer: ZWho.nullable(),
      outcome: z.enum(['upheld', 'dismissed']).nullable(),
      decidedBy: ZWho.nullable(),
      decidedAt: z.date().nullable(),
      decisionCategory: ZCategory.nullable(),
      decisionReason: z.string().nullable(),
    })
    .nullable(),
  effectiveAt: z.date().nullable(),
  state: z.enum(SELECTION_STATES),
  updatedAt: z.date(),
  revision: z.number().int(),
})
const ZDecidedSelection = ZSelection.extend({
  logIndex: z.number().int().describe('The decision’s transparency-log entry'),
})

const ZActor = z
  .object({ personId: z.string(), name: z.string(), orgId: z.string(), orgName: z.string() })
  .nullable()

const ZSelectionEvent = z.object({
  id: z.number().int(),
  at: z.date(),
  kind: z.string(),
  party: ZParty.nullable(),
  actor: ZActor,
  reasonCategory: ZCategory.nullable(),
  reason: z.string().nullable(),
  logIndex: z.number().int().nullable(),
})

const ZLimits = z.object({
  requestsPerMinute: z.number().int().min(1).max(LIMIT_MAX.requestsPerMinute),
  tokensPerMinute: z.number().int().min(1).max(LIMIT_MAX.tokensPerMinute),
  tokenBudget: z.number().int().min(1).max(LIMIT_MAX.tokenBudget),
})

export const ZGrant = z.object({
  id: z.string(),
  selectionId: z.string(),
  submissionId: z.string(),
  labOrgId: z.string(),
  labName: z.string(),
  modelName: z.string(),
  modelVersion: z.string(),
  partnerOrgId: z.string(),
  partnerName: z.string(),
  windowStart: z.date(),
  windowEnd: z.date(),
  endpoints: z.array(z.enum(ENDPOINTS)),
  limits: ZLimits,
  keepContent: z.boolean(),
  keyHint: z.string(),
  status: z.enum(GRANT_STATUSES),
  pausedBy: ZParty.nullable(),
  revoked: z.object({ by: z.string(), at: z.date(), reason: z.string() }).nullable(),
  issuedBy: z.string(),
  issuedAt: z.date(),
  updatedAt: z.date(),
  version: z.number().int(),
})
const ZDecidedGrant = ZGrant.extend({ logIndex: z.number().int() })

const ZGrantEvent = z.object({
  id: z.number().int(),
  at: z.date(),
  kind: z.string(),
  actor: ZActor,
  reason: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  logIndex: z.number().int().nullable(),
})

const ZDateTime = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 timestamp with a UTC offset' })
  .transform((s) => new Date(s))

export const ZIssueGrantRequest = z
  .object({
    selectionId: ZId('a selection'),
    windowStart: ZDateTime,
    windowEnd: ZDateTime,
    endpoints: z.array(z.enum(ENDPOINTS)).min(1).max(ENDPOINTS.length),
    limits: ZLimits.strict(),
    keepContent: z
      .boolean()
      .default(false)
      .describe('Keep prompts and completions; by default only metadata is kept'),
  })
  .strict()

const ZTermsRequest = z
  .object({
    windowStart: ZDateTime.optional(),
    windowEnd: ZDateTime.optional(),
    endpoints: z.array(z.enum(ENDPOINTS)).min(1).max(ENDPOINTS.length).optional(),
    limits: ZLimits.partial().strict().optional(),
    keepContent: z.boolean().optional(),
    reason: ZReason,
  })
  .strict()

const OrgParams = z.object({ orgId: ZId('an organisation') }).strict()
const IdParams = z.object({ id: ZId('an') }).strict()

const DIRECTORY_READERS: readonly Role[] = [...PROGRAM_WIDE_ROLES, 'lab_member', 'partner_member']
const KEY_HOLDERS: readonly Role[] = ['program_officer', 'lab_member']
const tags = ['partners']

export function partnersRoutes(deps: { partners: PartnersService }): FastifyPluginAsync {
  const { partners } = deps
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()

    // -----------------------------------------------------------------------------------------
    // Registry

    app.get(
      '/partners',
      {
        config: { access: { roles: DIRECTORY_READERS } },
        schema: {
          tags,
          summary: 'The partner directory: program staff and labs see all; a partner itself',
          querystring: z
            .object({
              sector: z.enum(SECTORS).optional(),
              vetting: z.enum(VETTING_STATUSES).optional(),
            })
            .strict(),
          response: { 200: z.object({ items: z.array(ZPartner) }) },
        },
      },
      async (req) => ({ items: await partners.listPartners(requirePrincipal(req), req.query) }),
    )

    app.post(
      '/partners',
      {
        config: { access: { roles: ['program_officer', 'admin'] } },
        schema: {
          tags,
          summary: 'Add a partner organisation (kind partner) to the registry',
          body: z
            .object({
              orgId: ZId('an organisation'),
              sector: z.enum(SECTORS),
              description: z.string().trim().max(4000).optional(),
              website: z
                .url({ protocol: /^https?$/ })
                .max(500)
                .nullable()
                .optional(),
            })
            .strict(),
          response: { 201: ZPartner },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await partners.registerPartner(requirePrincipal(req), req.body)),
    )

    app.get(
      '/partners/:orgId',
      {
        config: { access: { roles: DIRECTORY_READERS } },
        schema: {
          tags,
          summary: 'One partner with contacts, declarations and (for the program) evidence',
          params: OrgParams,
          response: { 200: ZPartnerDetail },
        },
      },
      async (req) => partners.getPartner(requirePrincipal(req), req.params.orgId),
    )

    app.patch(
      '/partners/:orgId',
      {
        config: { access: { roles: ['program_officer', 'admin', 'partner_member'] } },
        schema: {
          tags,
          summary: 'Edit a partner profile (sector: program only)',
          params: OrgParams,
          body: z
            .object({
              sector: z.enum(SECTORS).optional(),
              description: z.string().trim().max(4000).optional(),
              website: z
                .url({ protocol: /^https?$/ })
                .max(500)
                .nullable()
                .optional(),
            })
            .strict(),
          response: { 200: ZPartner },
        },
      },
      async (req) => partners.updatePartner(requirePrincipal(req), req.params.orgId, req.body),
    )

    app.post(
      '/partners/:orgId/vetting',
      {
        config: { access: { roles: ['program_officer'] } },
        schema: {
          tags,
          summary: 'Record a vetting decision (logged)',
          params: OrgParams,
          body: z
            .object({
              status: z.enum(['vetted', 'rejected', 'suspended']),
              notes: z.string().trim().max(4000).default(''),
            })
            .strict(),
          response: { 200: ZPartner.extend({ logIndex: z.number().int() }) },
        },
      },
      async (req) => partners.recordVetting(requirePrincipal(req), req.params.orgId, req.body),
    )

    app.post(
      '/partners/:orgId/contacts',
      {
        config: { access: { roles: ['program_officer', 'admin', 'partner_member'] } },
        schema: {
          tags,
          summary: 'Add a point of contact',
          params: OrgParams,
          body: z
            .object({
              name: z.string().trim().min(1).max(200),
              email: z.email().max(320),
              phone: z.string().trim().max(50).nullable().default(null),
              title: z.string().trim().max(200).default(''),
            })
            .strict(),
          response: { 201: ZContact },
        },
      },
      async (req, reply) =>
        reply
          .status(201)
          .send(await partners.addContact(requirePrincipal(req), req.params.orgId, req.body)),
    )

    app.delete(
      '/partners/:orgId/contacts/:contactId',
      {
        config: { access: { roles: ['program_officer', 'admin', 'partner_member'] } },
        schema: {
          tags,
          summary: 'Remove a point of contact',
          params: z.object({ orgId: ZId('an organisation'), contactId: ZId('a contact') }).strict(),
          response: { 204: z.null() },
        },
      },
      async (req, reply) => {
        await partners.removeContact(requirePrincipal(req), req.params.orgId, req.params.contactId)
        return reply.status(204).send(null)
      },
    )

    app.post(
      '/partners/:orgId/conflicts',
      {
        config: { access: { roles: ['program_officer', 'admin', 'partner_member'] } },
        schema: {
          tags,
          summary: 'Declare a conflict of interest (declarations are never edited)',
          params: OrgParams,
          body: z
            .object({
              relatedOrgId: ZId('an organisation').nullable().optional(),
              description: z.string().trim().min(1).max(4000),
            })
            .strict(),
          response: { 201: ZConflict },
        },
      },
      async (req, reply) =>
        reply
          .status(201)
          .send(await partners.declareConflict(requirePrincipal(req), req.params.orgId, req.body)),
    )

    app.post(
      '/partners/:orgId/evidence',
      {
        // Base64 is 4/3 of the file, plus the JSON around it.
        bodyLimit: Math.ceil((EVIDENCE_MAX_BYTES * 4) / 3) + 64 * 1024,
        config: { access: { roles: ['program_officer', 'admin', 'partner_member'] } },
        schema: {
          tags,
          summary: `Upload a vetting evidence document (${EVIDENCE_TYPES.join(', ')}; at most 5 MiB), stored encrypted`,
          params: OrgParams,
          body: z
            .object({
              filename: z
                .string()
                .trim()
                .min(1)
                .max(200)
                .regex(/^[^/\\\0]+$/, 'must be a file name without a path'),
              contentType: z.string().max(100),
              contentBase64: z.base64().describe('The file, base64-encoded'),
            })
            .strict(),
          response: { 201: ZEvidence },
        },
      },
      async (req, reply) => {
        const { filename, contentType, contentBase64 } = req.body
        const info = await partners.uploadEvidence(requirePrincipal(req), req.params.orgId, {
          filename,
          contentType,
          content: Buffer.from(contentBase64, 'base64'),
        })
        return reply.status(201).send(info)
      },
    )

    app.get(
      '/partners/:orgId/evidence/:id',
      {
        config: { access: { roles: PROGRAM_WIDE_ROLES } },
        schema: {
          tags,
          summary: 'Download a vetting evidence document (program staff)',
          params: z.object({ orgId: ZId('an organisation'), id: ZId('a document') }).strict(),
        },
      },
      async (req, reply) => {
        const doc = await partners.evidenceDocument(
          requirePrincipal(req),
          req.params.orgId,
          req.params.id,
        )
        return reply
          .header('content-type', doc.contentType)
          .header(
            'content-disposition',
            `attachment; filename="${doc.filename.replace(/[^\w.-]/g, '_')}"`,
          )
          .header('x-content-type-options', 'nosniff')
          .send(doc.content)
      },
    )

    // -----------------------------------------------------------------------------------------
    // Joint selection

    app.get(
      '/selections',
      {
        config: { access: { roles: DIRECTORY_READERS } },
        schema: {
          tags,
          summary: 'Partner selections you may see (program all, a lab its own, a partner its own)',
          querystring: z.object({ submissionId: ZId('a submission').optional() }).strict(),
          response: { 200: z.object({ items: z.array(ZSelection) }) },
        },
      },
      async (req) => ({ items: await partners.listSelections(requirePrincipal(req), req.query) }),
    )

    app.post(
      '/selections',
      {
        config: { access: { roles: KEY_HOLDERS } },
        schema: {
          tags,
          summary: 'Propose a partner for a submission; your side’s key turns with the proposal',
          body: z
            .object({
              submissionId: ZId('a submission'),
              partnerOrgId: ZId('an organisation'),
              rationale: z.string().trim().max(4000).optional(),
            })
            .strict(),
          response: { 201: ZDecidedSelection },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await partners.propose(requirePrincipal(req), req.body)),
    )

    app.get(
      '/selections/:id',
      {
        config: { access: { roles: DIRECTORY_READERS } },
        schema: { tags, summary: 'One selection', params: IdParams, response: { 200: ZSelection } },
      },
      async (req) => partners.getSelection(requirePrincipal(req), req.params.id),
    )

    app.get(
      '/selections/:id/events',
      {
        config: { access: { roles: DIRECTORY_READERS } },
        schema: {
          tags,
          summary: 'Every proposal, key, refusal and appeal of a selection: who, when, why',
          params: IdParams,
          response: { 200: z.object({ items: z.array(ZSelectionEvent) }) },
        },
      },
      async (req) => ({
        items: await partners.selectionEvents(requirePrincipal(req), req.params.id),
      }),
    )

    app.post(
      '/selections/:id/approve',
      {
        config: { access: { roles: KEY_HOLDERS } },
        schema: {
          tags,
          summary: 'Turn your side’s key; the selection takes effect when both are turned',
          params: IdParams,
          body: z.object({}).strict().nullish(),
          response: { 200: ZDecidedSelection },
        },
      },
      async (req) => partners.approve(requirePrincipal(req), req.params.id),
    )

    app.post(
      '/selections/:id/refuse',
      {
        config: { access: { roles: KEY_HOLDERS } },
        schema: {
          tags,
          summary: 'Refuse, with a reason category (told to the partner) and a written reason',
          params: IdParams,
          body: z.object({ category: ZCategory, reason: ZReason }).strict(),
          response: { 200: ZDecidedSelection },
        },
      },
      async (req) => partners.refuse(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/selections/:id/appeal',
      {
        config: { access: { roles: ['partner_member'] } },
        schema: {
          tags,
          summary: 'Appeal a refusal, once; a program officer other than the refuser decides',
          params: IdParams,
          body: z.object({ statement: ZReason }).strict(),
          response: { 200: ZDecidedSelection },
        },
      },
      async (req) => partners.appeal(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/selections/:id/appeal/decision',
      {
        config: { access: { roles: ['program_officer'] } },
        schema: {
          tags,
          summary: 'Decide an appeal (the reviewer it went to; never the one who refused)',
          params: IdParams,
          body: z
            .object({
              outcome: z.enum(['upheld', 'dismissed']),
              category: ZCategory.optional().describe('Required when dismissing'),
              reason: ZReason,
            })
            .strict(),
          response: { 200: ZDecidedSelection },
        },
      },
      async (req) => partners.decideAppeal(requirePrincipal(req), req.params.id, req.body),
    )

    // -----------------------------------------------------------------------------------------
    // Grants

    app.get(
      '/grants',
      {
        config: { access: { roles: DIRECTORY_READERS } },
        schema: {
          tags,
          summary:
            'Grants you may see: program all, a lab every grant on its models, a partner its own',
          querystring: z
            .object({
              submissionId: ZId('a submission').optional(),
              partnerOrgId: ZId('an organisation').optional(),
              status: z.enum(GRANT_STATUSES).optional(),
            })
            .strict(),
          response: { 200: z.object({ items: z.array(ZGrant) }) },
        },
      },
      async (req) => ({ items: await partners.listGrants(requirePrincipal(req), req.query) }),
    )

    app.post(
      '/grants',
      {
        config: { access: { roles: KEY_HOLDERS } },
        schema: {
          tags,
          summary:
            'Issue a grant on an effective selection; the answer holds the virtual key, shown once',
          body: ZIssueGrantRequest,
          response: {
            201: ZDecidedGrant.extend({
              key: z.string().describe('The virtual key: shown now and never again'),
            }),
          },
        },
      },
      async (req, reply) => {
        const g = await partners.issueGrant(requirePrincipal(req), req.body)
        return reply.status(201).header('cache-control', 'no-store').send(g)
      },
    )

    app.get(
      '/grants/:id',
      {
        config: { access: { roles: DIRECTORY_READERS } },
        schema: { tags, summary: 'One grant', params: IdParams, response: { 200: ZGrant } },
      },
      async (req) => partners.getGrant(requirePrincipal(req), req.params.id),
    )

    app.get(
      '/grants/:id/events',
      {
        config: { access: { roles: DIRECTORY_READERS } },
        schema: {
          tags,
          summary: 'A grant’s history: issued, paused, resumed, limits changed, revoked',
          params: IdParams,
          response: { 200: z.object({ items: z.array(ZGrantEvent) }) },
        },
      },
      async (req) => ({ items: await partners.grantEvents(requirePrincipal(req), req.params.id) }),
    )

    app.post(
      '/grants/:id/pause',
      {
        config: { access: { roles: KEY_HOLDERS } },
        schema: {
          tags,
          summary: 'Pause a grant (the gateway refuses its key until resumed)',
          params: IdParams,
          body: z.object({ reason: ZReason }).strict(),
          response: { 200: ZDecidedGrant },
        },
      },
      async (req) => partners.pauseGrant(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/grants/:id/resume',
      {
        config: { access: { roles: KEY_HOLDERS } },
        schema: {
          tags,
          summary: 'Resume a paused grant (only the side that paused it)',
          params: IdParams,
          body: z.object({ reason: ZReason.optional() }).strict().nullish(),
          response: { 200: ZDecidedGrant },
        },
      },
      async (req) => partners.resumeGrant(requirePrincipal(req), req.params.id, req.body ?? {}),
    )

    app.post(
      '/grants/:id/revoke',
      {
        config: { access: { roles: KEY_HOLDERS } },
        schema: {
          tags,
          summary: 'Revoke a grant: its key stops working on the next request',
          params: IdParams,
          body: z.object({ reason: ZReason }).strict(),
          response: { 200: ZDecidedGrant },
        },
      },
      async (req) => partners.revokeGrant(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/grants/:id/terms',
      {
        config: { access: { roles: KEY_HOLDERS } },
        schema: {
          tags,
          summary: 'Change a grant’s terms: either side tightens; loosening is the program’s',
          params: IdParams,
          body: ZTermsRequest,
          response: { 200: ZDecidedGrant },
        },
      },
      async (req) => partners.changeTerms(requirePrincipal(req), req.params.id, req.body),
    )
  }
}
