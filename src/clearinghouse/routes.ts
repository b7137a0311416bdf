/** HTTP routes of the clearinghouse: reports (form, API, SARIF), triage, disclosure cases, threads and attachments. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Role } from '../accounts/model.ts'
import { invalid } from '../platform/errors.ts'
import { requirePrincipal } from '../platform/http/access.ts'
import { ID_PATTERN } from '../platform/ids.ts'
import {
  FOUND_METHODS,
  MAX_ATTACHMENT_BYTES,
  PARTICIPANT_ROLES,
  REPORT_STATES,
  VEX_JUSTIFICATIONS,
  VEX_STATUSES,
} from './model.ts'
import { AI_EXPLOITABILITY, MAX_SARIF_BYTES } from './sarif.ts'
import type { ClearinghouseService, FileInput } from './service.ts'
import {
  AUTOMATABLE,
  EXPLOITATION,
  MISSION_WELLBEING,
  SSVC_DECISIONS,
  TECHNICAL_IMPACT,
} from './ssvc.ts'
import { TLP_LABELS } from './tlp.ts'

const STAFF: readonly Role[] = ['analyst', 'admin']
const tags = ['clearinghouse']

const ZId = z.string().regex(ID_PATTERN, 'must be an earlywatch id such as rpt_0123456789abcdef')
const ZParams = z.object({ id: ZId }).strict()
const ZReason = z.string().trim().min(1).max(4000)
const ZTlp = z.enum(TLP_LABELS)
const ZDate = z.iso
  .datetime({
    offset: true,
    error: 'must be an ISO 8601 timestamp with offset, e.g. 2027-03-01T00:00:00Z',
  })
  .transform((s) => new Date(s))

export const ZProduct = z
  .object({
    purl: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .optional()
      .describe('Package URL, e.g. pkg:npm/left-pad'),
    cpe: z.string().trim().min(1).max(1000).optional().describe('CPE 2.3 formatted string'),
    vendor: z.string().trim().min(1).max(200).optional(),
    product: z.string().trim().min(1).max(200).optional(),
    versions: z
      .string()
      .trim()
      .max(500)
      .optional()
      .describe('Affected versions as the reporter knows them'),
  })
  .strict()

export const ZFoundWith = z
  .object({
    method: z.enum(FOUND_METHODS),
    submissionId: z
      .string()
      .regex(ID_PATTERN)
      .optional()
      .describe('Model submission, when found with a pre-release model'),
    grantId: z
      .string()
      .regex(ID_PATTERN)
      .optional()
      .describe('Gateway grant used to reach that model'),
    tool: z.string().trim().max(200).optional(),
  })
  .strict()

export const ZReportRequest = z
  .object({
    title: z.string().trim().min(1).max(300),
    description: z.string().trim().min(1).max(50_000),
    reproduction: z.string().trim().max(50_000).optional(),
    product: ZProduct,
    cwe: z.string().trim().max(20).nullish(),
    cveIds: z.array(z.string().max(30)).max(50).optional(),
    cvss31: z.string().trim().max(300).nullish().describe('CVSS 3.1 vector; the score is computed'),
    cvss40: z.string().trim().max(300).nullish().describe('CVSS 4.0 vector; the score is computed'),
    foundWith: ZFoundWith,
    creditWanted: z.boolean().optional(),
    creditName: z.string().trim().max(200).nullish(),
  })
  .strict()

const ZSarifRequest = z
  .object({
    log: z.unknown().describe('A SARIF 2.1.0 log (the JSON document itself)'),
    product: ZProduct,
    foundWith: ZFoundWith,
    cveIds: z.array(z.string().max(30)).max(50).optional(),
    creditWanted: z.boolean().optional(),
    creditName: z.string().trim().max(200).nullish(),
  })
  .strict()

const ZDuplicateHint = z.object({
  id: z.string(),
  title: z.string(),
  state: z.enum(REPORT_STATES),
  match: z.enum(['fingerprint', 'product_weakness']),
})

export const ZReceipt = z.object({
  id: z.string(),
  state: z.enum(REPORT_STATES),
  receivedAt: z.date(),
  statusUrl: z.string().describe('GET it (signed in as the reporter) to follow the report'),
  webUrl: z.string(),
  created: z.boolean().describe('False: your organisation had already reported this finding'),
  logIndex: z.number().int().nullable(),
  likelyDuplicates: z.array(ZDuplicateHint),
})

const ZCvss = z.object({ vector: z.string(), score: z.number() }).nullable()
const ZSla = z.object({
  kind: z.enum(['triage', 'vendor_contact']),
  dueAt: z.date(),
  state: z.enum(['met', 'open', 'overdue', 'missed']),
})
const ZLocation = z.object({
  uri: z.string().nullable(),
  startLine: z.number().nullable(),
  startColumn: z.number().nullable(),
  logical: z.string().nullable(),
})
const ZAi = z
  .object({
    origin: z.string().nullable(),
    exploitability: z.enum(AI_EXPLOITABILITY).nullable(),
    attackerPosition: z.string().nullable(),
    evidence: z.array(
      z.object({
        summary: z.string(),
        strength: z.string().nullable(),
        backing: z.array(z.string()),
      }),
    ),
    confidence: z.number().nullable().describe('SARIF rank 0–100, read as the model’s confidence'),
  })
  .nullable()
const ZAttachment = z.object({
  id: z.string(),
  reportId: z.string().nullable(),
  caseId: z.string().nullable(),
  messageId: z.string().nullable(),
  filename: z.string(),
  mediaType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  tlp: ZTlp,
  uploadedBy: z.string(),
  uploadedOrgId: z.string(),
  createdAt: z.date(),
})
const ZReport = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  reproduction: z.string(),
  product: ZProduct,
  productKey: z.string(),
  cwe: z.string().nullable(),
  cveIds: z.array(z.string()),
  cvss31: ZCvss,
  cvss40: ZCvss,
  foundWith: ZFoundWith,
  finding: z
    .object({
      tool: z.string(),
      toolVersion: z.string().nullable(),
      ruleId: z.string(),
      ruleName: z.string().nullable(),
      message: z.string(),
      level: z.string().nullable(),
      location: ZLocation,
      fingerprints: z.record(z.string(), z.string()),
      partialFingerprints: z.record(z.string(), z.string()),
    })
    .nullable(),
  ai: ZAi,
  fingerprint: z.string(),
  reporterPersonId: z.string(),
  reporterName: z.string(),
  reporterOrgId: z.string(),
  reporterOrgName: z.string(),
  creditWanted: z.boolean(),
  creditName: z.string().nullable(),
  state: z.enum(REPORT_STATES),
  duplicateOf: z.string().nullable(),
  assigneePersonId: z.string().nullable(),
  assigneeName: z.string().nullable(),
  ssvc: z
    .object({
      inputs: z.object({
        exploitation: z.enum(EXPLOITATION),
        automatable: z.enum(AUTOMATABLE),
        technicalImpact: z.enum(TECHNICAL_IMPACT),
        missionWellbeing: z.enum(MISSION_WELLBEING),
      }),
      decision: z.enum(SSVC_DECISIONS),
      kev: z.boolean(),
      decidedBy: z.string(),
      decidedAt: z.string(),
    })
    .nullable(),
  caseId: z.string().nullable(),
  receivedAt: z.date(),
  triagedAt: z.date().nullable(),
  validatedAt: z.date().nullable(),
  updatedAt: z.date(),
  revision: z.number().int(),
  sla: z.array(ZSla),
  likelyDuplicates: z.array(ZDuplicateHint).optional().describe('Staff only'),
  credits: z
    .array(
      z.object({
        reportId: z.string(),
        name: z.string(),
        orgName: z.string(),
        wanted: z.boolean(),
      }),
    )
    .optional()
    .describe('Every reporter merged into this report (staff); your own (reporter)'),
  attachments: z.array(ZAttachment).optional(),
})
const ZEvent = z.object({
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
  fromState: z.enum(REPORT_STATES).nullable(),
  toState: z.enum(REPORT_STATES).nullable(),
  reason: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
})
const ZCase = z.object({
  id: z.string(),
  title: z.string(),
  tlp: ZTlp,
  state: z.enum(['open', 'closed']),
  vendorContactAt: z.date().nullable(),
  embargoEndsAt: z.date().nullable(),
  exploited: z.boolean(),
  createdBy: z.string(),
  createdAt: z.date(),
  updatedAt: z.date(),
  revision: z.number().int(),
  participants: z.array(
    z.object({
      id: z.string(),
      orgId: z.string(),
      orgName: z.string(),
      orgKind: z.string(),
      personId: z.string().nullable(),
      personName: z.string().nullable(),
      role: z.enum(PARTICIPANT_ROLES),
      sponsorOrgId: z.string().nullable(),
      publishConsentAt: z.date().nullable(),
      addedAt: z.date(),
    }),
  ),
  reports: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      state: z.enum(REPORT_STATES),
      cwe: z.string().nullable(),
      productKey: z.string(),
    }),
  ),
  vex: z.array(
    z.object({
      vendorOrgId: z.string(),
      vendorName: z.string(),
      product: z.string(),
      versionRange: z.string(),
      status: z.enum(VEX_STATUSES),
      justification: z.enum(VEX_JUSTIFICATIONS).nullable(),
      fixedVersion: z.string().nullable(),
      statement: z.string(),
      updatedBy: z.string(),
      updatedAt: z.date(),
    }),
  ),
  embargo: z.array(
    z.object({
      id: z.number().int(),
      at: z.date(),
      kind: z.enum([
        'set',
        'changed',
        'extension_requested',
        'extension_granted',
        'extension_refused',
      ]),
      fromDate: z.date().nullable(),
      toDate: z.date().nullable(),
      reason: z.string(),
      actorPersonId: z.string().nullable(),
      actorOrgId: z.string().nullable(),
      requestId: z.number().int().nullable(),
    }),
  ),
  embargoDaysLeft: z.number().int().nullable(),
  myRoles: z.array(z.enum(PARTICIPANT_ROLES)),
})
const ZMessage = z.object({
  id: z.string(),
  caseId: z.string(),
  authorPersonId: z.string(),
  authorName: z.string(),
  authorOrgId: z.string(),
  authorOrgName: z.string(),
  authorRole: z.string(),
  tlp: ZTlp,
  body: z.string(),
  createdAt: z.date(),
})

const ZFileRequest = z
  .object({
    filename: z.string().trim().min(1).max(255),
    mediaType: z.string().trim().min(1).max(100),
    contentBase64: z
      .string()
      .min(1)
      .describe(`The file, base64; at most ${MAX_ATTACHMENT_BYTES} bytes decoded`),
    tlp: ZTlp.optional(),
  })
  .strict()

/**
 * RFC 6266: an ASCII fallback name and the exact UTF-8 name (RFC 8187), so a name like
 * `poc—1.txt` neither breaks the header nor is lost.
 */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  // encodeURIComponent leaves ' ( ) * unescaped; RFC 8187's attr-char does not allow them.
  const exact = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`
}

function fileOf(body: z.infer<typeof ZFileRequest>): FileInput {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.contentBase64))
    throw invalid('body.contentBase64', 'is not base64')
  return {
    filename: body.filename,
    mediaType: body.mediaType,
    content: Buffer.from(body.contentBase64, 'base64'),
    tlp: body.tlp,
  }
}

const ZQueueQuery = z
  .object({
    state: z.enum(REPORT_STATES).optional(),
    assignee: z.string().regex(ID_PATTERN).optional(),
    cwe: z.string().max(20).optional(),
    exploitability: z.enum(AI_EXPLOITABILITY).optional(),
    q: z.string().trim().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict()

const ZSsvcRequest = z
  .object({
    exploitation: z.enum(EXPLOITATION),
    automatable: z.enum(AUTOMATABLE),
    technicalImpact: z.enum(TECHNICAL_IMPACT),
    missionWellbeing: z.enum(MISSION_WELLBEING),
  })
  .strict()

const ZVexRequest = z
  .object({
    product: z.string().trim().min(1).max(500),
    versionRange: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .describe('e.g. vers:npm/>=2.0.0|<2.4.1, or "< 2.4.1"'),
    status: z.enum(VEX_STATUSES),
    justification: z.enum(VEX_JUSTIFICATIONS).nullish(),
    fixedVersion: z.string().trim().max(100).nullish(),
    statement: z.string().trim().max(5000).optional(),
  })
  .strict()

export function clearinghouseRoutes(deps: {
  clearinghouse: ClearinghouseService
}): FastifyPluginAsync {
  const { clearinghouse: ch } = deps
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()
    const decision = (summary: string) => ({
      tags,
      summary,
      params: ZParams,
      response: { 200: ZReport },
    })
    const caseOp = (summary: string) => ({
      tags,
      summary,
      params: ZParams,
      response: { 200: ZCase },
    })

    // Reports ----------------------------------------------------------------------------------

    app.post(
      '/reports',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary: 'Report a vulnerability; the receipt says where to follow it',
          body: ZReportRequest,
          response: { 201: ZReceipt },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await ch.submitReport(requirePrincipal(req), req.body, 'api')),
    )

    app.post(
      '/reports/sarif',
      {
        config: { access: 'signed-in' },
        bodyLimit: MAX_SARIF_BYTES + 64 * 1024,
        schema: {
          tags,
          summary:
            'Upload a SARIF 2.1.0 log: every result becomes a report; uploading it again adds none',
          body: ZSarifRequest,
          response: {
            201: z.object({
              receipts: z.array(ZReceipt),
              created: z.number().int(),
              existing: z.number().int(),
              warnings: z.array(z.object({ path: z.string(), message: z.string() })),
            }),
          },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await ch.importSarif(requirePrincipal(req), req.body)),
    )

    app.get(
      '/reports',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary:
            'The triage queue (staff) or your organisation’s reports: demonstrated exploits first',
          querystring: ZQueueQuery,
          response: { 200: z.object({ items: z.array(ZReport), total: z.number().int() }) },
        },
      },
      async (req) => ch.listReports(requirePrincipal(req), req.query),
    )

    app.get(
      '/reports/:id',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary: 'One report: its status, SLAs and (staff) likely duplicates',
          params: ZParams,
          response: { 200: ZReport },
        },
      },
      async (req) => ch.getReport(requirePrincipal(req), req.params.id),
    )

    app.get(
      '/reports/:id/events',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary: 'Who did what to the report, when and why',
          params: ZParams,
          response: { 200: z.object({ items: z.array(ZEvent) }) },
        },
      },
      async (req) => ({ items: await ch.reportEvents(requirePrincipal(req), req.params.id) }),
    )

    app.post(
      '/reports/:id/transition',
      {
        config: { access: { roles: STAFF } },
        schema: {
          ...decision('Triage: move the report to its next state, saying why'),
          body: z
            .object({ to: z.enum(REPORT_STATES), reason: ZReason, duplicateOf: ZId.optional() })
            .strict(),
        },
      },
      async (req) => ch.transition(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/reports/:id/assign',
      {
        config: { access: { roles: STAFF } },
        schema: {
          ...decision('Assign the report to an analyst (null: unassign)'),
          body: z.object({ assigneePersonId: ZId.nullable() }).strict(),
        },
      },
      async (req) => ch.assign(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/reports/:id/ssvc',
      {
        config: { access: { roles: STAFF } },
        schema: {
          ...decision(
            'Record an SSVC decision from its four inputs (a CVE in KEV makes exploitation active)',
          ),
          body: ZSsvcRequest,
        },
      },
      async (req) => ch.decideSsvc(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/reports/:id/attachments',
      {
        config: { access: 'signed-in' },
        bodyLimit: Math.ceil((MAX_ATTACHMENT_BYTES * 4) / 3) + 64 * 1024,
        schema: {
          tags,
          summary: 'Attach a proof of concept (stored encrypted; only ever downloaded)',
          params: ZParams,
          body: ZFileRequest,
          response: { 201: ZAttachment },
        },
      },
      async (req, reply) =>
        reply
          .status(201)
          .send(
            await ch.addReportAttachment(requirePrincipal(req), req.params.id, fileOf(req.body)),
          ),
    )

    app.get(
      '/attachments/:id',
      {
        // Public: a TLP:CLEAR file can be fetched by anyone; the service checks every other label.
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'Download an attachment (never rendered inline)',
          params: ZParams,
        },
      },
      async (req, reply) => {
        const { info, content } = await ch.downloadAttachment(req.principal, req.params.id)
        return reply
          .header('content-type', info.mediaType)
          .header('content-disposition', contentDisposition(info.filename))
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; sandbox")
          .header('cache-control', 'private, no-store')
          .header('x-tlp', info.tlp)
          .send(content)
      },
    )

    // Cases ------------------------------------------------------------------------------------

    app.post(
      '/cases',
      {
        config: { access: { roles: STAFF } },
        schema: {
          tags,
          summary: 'Open a coordinated-disclosure case from validated reports',
          body: z
            .object({
              reportIds: z.array(ZId).min(1).max(100),
              title: z.string().trim().max(300).optional(),
              tlp: ZTlp.optional(),
            })
            .strict(),
          response: { 201: ZCase },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await ch.openCase(requirePrincipal(req), req.body)),
    )

    app.get(
      '/cases',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary: 'Cases your TLP access reaches',
          response: { 200: z.object({ items: z.array(ZCase) }) },
        },
      },
      async (req) => ({ items: await ch.listCases(requirePrincipal(req)) }),
    )

    app.get(
      '/cases/:id',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'One case, if its TLP label reaches you (404 otherwise)',
          params: ZParams,
          response: { 200: ZCase },
        },
      },
      async (req) => ch.getCase(req.principal, req.params.id),
    )

    app.post(
      '/cases/:id/reports',
      {
        config: { access: { roles: STAFF } },
        schema: {
          ...caseOp('Add a validated report to the case'),
          body: z.object({ reportId: ZId }).strict(),
        },
      },
      async (req) => ch.addReportToCase(requirePrincipal(req), req.params.id, req.body.reportId),
    )

    app.post(
      '/cases/:id/vendors',
      {
        config: { access: { roles: STAFF } },
        schema: {
          ...caseOp('Invite a vendor; the first invitation starts the embargo clock'),
          body: z.object({ orgId: ZId, personId: ZId.optional() }).strict(),
        },
      },
      async (req) => ch.inviteVendor(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/cases/:id/participants',
      {
        config: { access: 'signed-in' },
        schema: {
          ...caseOp(
            'Name a coordinator (staff) or add your organisation’s client (TLP:AMBER sharing)',
          ),
          body: z
            .object({
              orgId: ZId,
              personId: ZId.optional(),
              role: z.enum(['coordinator', 'client']),
            })
            .strict(),
        },
      },
      async (req) => ch.addParticipant(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/cases/:id/vex',
      {
        config: { access: { roles: ['vendor_member'] } },
        schema: {
          ...caseOp('State a VEX status for one product and version range'),
          body: ZVexRequest,
        },
      },
      async (req) => ch.setVex(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/cases/:id/embargo',
      {
        config: { access: { roles: STAFF } },
        schema: {
          ...caseOp('Set or move the disclosure date, saying why'),
          body: z.object({ endsAt: ZDate, reason: ZReason }).strict(),
        },
      },
      async (req) => ch.setEmbargo(requirePrincipal(req), req.params.id, req.body),
    )

    const ZAllowedOperators = z.object({
      caseId: z.string(),
      orgIds: z.array(z.string()),
      history: z.array(
        z.object({
          id: z.number().int(),
          at: z.date(),
          orgIds: z.array(z.string()),
          reason: z.string(),
          actorPersonId: z.string(),
          actorOrgId: z.string(),
        }),
      ),
    })

    app.put(
      '/cases/:id/operators',
      {
        config: { access: { roles: STAFF } },
        schema: {
          tags,
          summary:
            'Name the operator organisations allowed to receive the case’s embargoed (TLP:AMBER or stricter) advisory; replaces the list',
          params: ZParams,
          body: z.object({ orgIds: z.array(ZId).max(10_000), reason: ZReason }).strict(),
          response: { 200: ZAllowedOperators },
        },
      },
      async (req) => ch.setAllowedOperators(requirePrincipal(req), req.params.id, req.body),
    )

    app.get(
      '/cases/:id/operators',
      {
        config: { access: { roles: STAFF } },
        schema: {
          tags,
          summary:
            'The operators allowed to receive the case’s embargoed advisory, and who decided',
          params: ZParams,
          response: { 200: ZAllowedOperators },
        },
      },
      async (req) => ch.getAllowedOperators(requirePrincipal(req), req.params.id),
    )

    app.post(
      '/cases/:id/exploited',
      {
        config: { access: { roles: STAFF } },
        schema: {
          ...caseOp('Record exploitation in the wild: the embargo shortens'),
          body: z.object({ reason: ZReason }).strict(),
        },
      },
      async (req) => ch.markExploited(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/cases/:id/extensions',
      {
        config: { access: { roles: ['vendor_member'] } },
        schema: {
          ...caseOp('Ask for a later disclosure date, saying why'),
          body: z.object({ until: ZDate, reason: ZReason }).strict(),
        },
      },
      async (req) => ch.requestExtension(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/cases/:id/extensions/:requestId/decision',
      {
        config: { access: { roles: STAFF } },
        schema: {
          tags,
          summary: 'Grant or refuse an extension request, saying why',
          params: z.object({ id: ZId, requestId: z.coerce.number().int().min(1) }).strict(),
          body: z.object({ grant: z.boolean(), reason: ZReason }).strict(),
          response: { 200: ZCase },
        },
      },
      async (req) =>
        ch.decideExtension(requirePrincipal(req), req.params.id, req.params.requestId, req.body),
    )

    app.post(
      '/cases/:id/tlp',
      {
        config: { access: { roles: STAFF } },
        schema: {
          ...caseOp('Relabel the case'),
          body: z.object({ tlp: ZTlp, reason: ZReason }).strict(),
        },
      },
      async (req) => ch.setCaseTlp(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/cases/:id/publish-consent',
      {
        config: { access: { roles: ['vendor_member'] } },
        schema: caseOp('Agree, for your organisation, to publish before the disclosure date'),
      },
      async (req) => ch.agreeToPublish(requirePrincipal(req), req.params.id),
    )

    app.get(
      '/cases/:id/messages',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'The case thread: only messages whose label reaches you',
          params: ZParams,
          response: { 200: z.object({ items: z.array(ZMessage) }) },
        },
      },
      async (req) => ({ items: await ch.messages(req.principal, req.params.id) }),
    )

    app.post(
      '/cases/:id/messages',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary: 'Write in the case thread, with a TLP label',
          params: ZParams,
          body: z
            .object({ body: z.string().trim().min(1).max(20_000), tlp: ZTlp.optional() })
            .strict(),
          response: { 201: ZMessage },
        },
      },
      async (req, reply) =>
        reply
          .status(201)
          .send(await ch.postMessage(requirePrincipal(req), req.params.id, req.body)),
    )

    app.get(
      '/cases/:id/attachments',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'Files of the case and its reports whose label reaches you',
          params: ZParams,
          response: { 200: z.object({ items: z.array(ZAttachment) }) },
        },
      },
      async (req) => ({ items: await ch.caseAttachments(req.principal, req.params.id) }),
    )

    app.post(
      '/cases/:id/attachments',
      {
        config: { access: 'signed-in' },
        bodyLimit: Math.ceil((MAX_ATTACHMENT_BYTES * 4) / 3) + 64 * 1024,
        schema: {
          tags,
          summary: 'Attach a file to the case, with a TLP label',
          params: ZParams,
          body: ZFileRequest,
          response: { 201: ZAttachment },
        },
      },
      async (req, reply) =>
        reply
          .status(201)
          .send(await ch.addCaseAttachment(requirePrincipal(req), req.params.id, fileOf(req.body))),
    )
  }
}
