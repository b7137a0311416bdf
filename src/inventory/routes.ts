/** HTTP routes of inventories: operator profile, systems, SBOM upload, findings, VEX, channels, dashboards, exports. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Role } from '../accounts/model.ts'
import { requirePrincipal } from '../platform/http/access.ts'
import { ID_PATTERN } from '../platform/ids.ts'
import { CRITICALITIES, FINDING_STATUSES, OPERATOR_SIZES, SECTORS, toCsv } from './model.ts'
import { SBOM_FORMATS } from './sbom.ts'
import type { InventoryService } from './service.ts'

const ZId = z.string().regex(ID_PATTERN, 'must be an id such as sys_0123456789abcdef')
const ZParams = z.object({ id: ZId }).strict()
const tags = ['inventory']

const OPERATOR: readonly Role[] = ['operator_member']
const PROGRAM: readonly Role[] = ['admin', 'program_officer', 'analyst', 'auditor']
const READERS: readonly Role[] = [...OPERATOR, ...PROGRAM]

export const ZOperator = z.object({
  orgId: z.string(),
  orgName: z.string(),
  sector: z.enum(SECTORS),
  size: z.enum(OPERATOR_SIZES),
  region: z.string(),
  createdAt: z.date(),
})

export const ZSystem = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  criticality: z.enum(CRITICALITIES),
  internetExposed: z.boolean(),
  currentSbomId: z.string().nullable(),
  currentSbomVersion: z.number().int().nullable(),
  componentCount: z.number().int(),
  lastMatchedAt: z.date().nullable(),
  createdAt: z.date(),
})

const ZSbomVersion = z.object({
  id: z.string(),
  systemId: z.string(),
  version: z.number().int(),
  format: z.string(),
  specVersion: z.string().nullable(),
  sha256: z.string(),
  componentCount: z.number().int(),
  unmatchedCount: z.number().int(),
  noVersionCount: z.number().int(),
  uploadedBy: z.string().nullable(),
  uploadedAt: z.date(),
})

const ZMatchResult = z.object({
  created: z.number().int(),
  refreshed: z.number().int(),
  reopened: z.number().int(),
  closed: z.number().int(),
  retracted: z.number().int(),
  suppressed: z.number().int(),
  unchanged: z
    .number()
    .int()
    .describe('Packages unchanged since the last SBOM version: not looked up again'),
})

export const ZFinding = z.object({
  id: z.string(),
  orgId: z.string(),
  systemId: z.string(),
  systemName: z.string(),
  advisoryId: z.string(),
  ecosystem: z.string(),
  packageName: z.string(),
  purl: z.string().nullable(),
  versions: z.array(z.string()),
  matchKind: z.enum(['affected', 'possibly_affected']),
  matchedRange: z.string().nullable(),
  fixedVersion: z
    .string()
    .nullable()
    .describe('The first version that fixes it: upgrade to this or later'),
  severity: z.string(),
  kev: z.boolean().describe('Exploited in the wild (CISA KEV)'),
  summary: z.string().nullable(),
  tlp: z.string(),
  status: z.enum(FINDING_STATUSES),
  justification: z.string().nullable(),
  approver: z.string().nullable(),
  acceptedUntil: z.date().nullable(),
  suppressedBy: z
    .string()
    .nullable()
    .describe('The VEX statement or rule that suppressed it, e.g. vex:vex_…'),
  suppressionJustification: z.string().nullable(),
  dueAt: z.date().nullable(),
  firstSeenAt: z.date(),
  closedAt: z.date().nullable(),
  escalatedAt: z.date().nullable(),
  updatedAt: z.date(),
})

const ZFindingQuery = z
  .object({
    status: z
      .string()
      .optional()
      .describe('Comma-separated statuses')
      .transform((s, ctx) => {
        if (!s) return undefined
        const list = s.split(',')
        for (const x of list)
          if (!(FINDING_STATUSES as readonly string[]).includes(x))
            ctx.addIssue({
              code: 'custom',
              message: `"${x}" is not one of ${FINDING_STATUSES.join(', ')}`,
            })
        return list as Array<(typeof FINDING_STATUSES)[number]>
      }),
    systemId: ZId.optional(),
    advisoryId: z.string().max(100).optional(),
    orgId: ZId.optional().describe('One operator (program staff)'),
    open: z
      .enum(['true', 'false'])
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true')),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict()

const FINDING_CSV_COLUMNS = [
  'id',
  'orgId',
  'systemName',
  'advisoryId',
  'ecosystem',
  'packageName',
  'versions',
  'matchKind',
  'matchedRange',
  'fixedVersion',
  'severity',
  'kev',
  'status',
  'justification',
  'suppressedBy',
  'dueAt',
  'firstSeenAt',
  'closedAt',
]

export function inventoryRoutes(deps: {
  inventory: InventoryService
  sbomMaxBytes?: number
}): FastifyPluginAsync {
  const { inventory } = deps
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()

    app.put(
      '/operator',
      {
        config: { access: { roles: ['operator_member', 'admin', 'program_officer'] } },
        schema: {
          tags,
          summary:
            'Set an operator organisation’s sector, size and region (your own, or any as program staff)',
          body: z
            .object({
              orgId: ZId.optional(),
              sector: z.enum(SECTORS),
              size: z.enum(OPERATOR_SIZES),
              region: z.string().trim().min(1).max(100),
            })
            .strict(),
          response: { 200: ZOperator },
        },
      },
      async (req) => inventory.setOperatorProfile(requirePrincipal(req), req.body),
    )

    app.get(
      '/operator',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags,
          summary: 'Your operator profile',
          querystring: z.object({ orgId: ZId.optional() }).strict(),
          response: { 200: ZOperator },
        },
      },
      async (req) => inventory.getOperator(requirePrincipal(req), req.query.orgId),
    )

    app.get(
      '/operators',
      {
        config: { access: { roles: PROGRAM } },
        schema: {
          tags,
          summary: 'Every operator (program staff)',
          response: { 200: z.object({ items: z.array(ZOperator) }) },
        },
      },
      async (req) => ({ items: await inventory.listOperators(requirePrincipal(req)) }),
    )

    app.get(
      '/systems',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags,
          summary: 'Your systems',
          querystring: z.object({ orgId: ZId.optional() }).strict(),
          response: { 200: z.object({ items: z.array(ZSystem) }) },
        },
      },
      async (req) => ({
        items: await inventory.listSystems(requirePrincipal(req), req.query.orgId),
      }),
    )

    app.post(
      '/systems',
      {
        config: { access: { roles: OPERATOR } },
        schema: {
          tags,
          summary: 'Add a system: a named group of software, e.g. "EHR servers"',
          body: z
            .object({
              name: z.string().trim().min(1).max(200),
              criticality: z.enum(CRITICALITIES),
              internetExposed: z.boolean(),
            })
            .strict(),
          response: { 201: ZSystem },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await inventory.createSystem(requirePrincipal(req), req.body)),
    )

    app.get(
      '/systems/:id',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags,
          summary: 'A system and its SBOM versions, newest first',
          params: ZParams,
          response: { 200: z.object({ system: ZSystem, sboms: z.array(ZSbomVersion) }) },
        },
      },
      async (req) => inventory.getSystem(requirePrincipal(req), req.params.id),
    )

    app.patch(
      '/systems/:id',
      {
        config: { access: { roles: OPERATOR } },
        schema: {
          tags,
          summary: 'Change a system’s criticality or internet exposure',
          params: ZParams,
          body: z
            .object({
              criticality: z.enum(CRITICALITIES).optional(),
              internetExposed: z.boolean().optional(),
            })
            .strict(),
          response: { 200: ZSystem },
        },
      },
      async (req) => inventory.updateSystem(requirePrincipal(req), req.params.id, req.body),
    )

    app.get(
      '/systems/:id/components',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags,
          summary:
            'Components of the current SBOM; status=unmatched lists those that cannot be matched, with the reason',
          params: ZParams,
          querystring: z
            .object({
              status: z.enum(['matchable', 'no_version', 'unmatched']).optional(),
              limit: z.coerce.number().int().min(1).max(1000).default(200),
              offset: z.coerce.number().int().min(0).default(0),
            })
            .strict(),
        },
      },
      async (req) => ({
        items: await inventory.components(requirePrincipal(req), req.params.id, req.query),
      }),
    )

    // The SBOM is read as raw bytes whatever its type, so its hash is of what was sent.
    await app.register(async (raw) => {
      raw.removeAllContentTypeParsers()
      raw.addContentTypeParser(
        '*',
        { parseAs: 'buffer', ...(deps.sbomMaxBytes ? { bodyLimit: deps.sbomMaxBytes } : {}) },
        (_req, body, done) => done(null, body),
      )
      raw.withTypeProvider<ZodTypeProvider>().post(
        '/systems/:id/sboms',
        {
          config: { access: { roles: OPERATOR } },
          schema: {
            tags,
            summary:
              'Upload a new SBOM version (CycloneDX JSON/XML, SPDX 2.3 JSON, or a purl list); it replaces the system’s components atomically',
            params: ZParams,
            querystring: z.object({ format: z.enum(SBOM_FORMATS).optional() }).strict(),
            response: {
              201: z.object({
                sbom: ZSbomVersion,
                unmatched: z.array(
                  z.object({
                    ref: z.string(),
                    name: z.string(),
                    purl: z.string().nullable(),
                    reason: z.string(),
                  }),
                ),
                match: ZMatchResult.nullable(),
              }),
            },
          },
        },
        async (req, reply) => {
          const body = req.body as Buffer | undefined
          const r = await inventory.uploadSbom(
            requirePrincipal(req),
            req.params.id,
            body ?? Buffer.alloc(0),
            { format: req.query.format },
          )
          return reply.status(201).send(r)
        },
      )
    })

    app.get(
      '/findings',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags,
          summary: 'Findings, most urgent first; format=csv for a spreadsheet',
          querystring: ZFindingQuery,
        },
      },
      async (req, reply) => {
        const { format, ...filter } = req.query
        const r = await inventory.listFindings(requirePrincipal(req), filter)
        if (format === 'csv')
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="findings.csv"')
            .send(
              toCsv(
                r.items.map((f) => ({ ...f, versions: f.versions.join(' ') })),
                FINDING_CSV_COLUMNS,
              ),
            )
        return { items: r.items.map((f) => ZFinding.parse(f)), total: r.total }
      },
    )

    app.get(
      '/findings/:id',
      {
        config: { access: { roles: READERS } },
        schema: { tags, summary: 'A finding and its history', params: ZParams },
      },
      async (req) => {
        const r = await inventory.getFinding(requirePrincipal(req), req.params.id)
        return { finding: ZFinding.parse(r.finding), events: r.events }
      },
    )

    app.post(
      '/findings/:id/status',
      {
        config: { access: { roles: OPERATOR } },
        schema: {
          tags,
          summary:
            'Record remediation: in_progress, patched, mitigated, not_affected (justification), risk_accepted (approver, acceptedUntil)',
          params: ZParams,
          body: z
            .object({
              status: z.enum(FINDING_STATUSES),
              justification: z.string().trim().min(1).max(2000).optional(),
              approver: z.string().trim().min(1).max(200).optional(),
              acceptedUntil: z.iso.datetime({ offset: true }).optional(),
              note: z.string().trim().max(2000).optional(),
            })
            .strict(),
          response: { 200: ZFinding },
        },
      },
      async (req) => inventory.setFindingStatus(requirePrincipal(req), req.params.id, req.body),
    )

    app.post(
      '/vex',
      {
        config: { access: { roles: OPERATOR } },
        schema: {
          tags,
          summary:
            'Add your VEX document (CycloneDX VEX, OpenVEX or CSAF VEX): it suppresses your findings it covers, visibly',
          body: z.record(z.string(), z.unknown()),
        },
      },
      async (req) => inventory.addVex(requirePrincipal(req), req.body),
    )

    app.post(
      '/suppression-rules',
      {
        config: { access: { roles: ['admin', 'analyst'] } },
        schema: {
          tags,
          summary:
            'A program-wide suppression rule for every operator, as a VEX document (e.g. a vendor’s); logged',
          body: z.record(z.string(), z.unknown()),
        },
      },
      async (req) => inventory.addVex(requirePrincipal(req), req.body, { programWide: true }),
    )

    app.get(
      '/channels',
      {
        config: { access: { roles: OPERATOR } },
        schema: { tags, summary: 'Your notification channels' },
      },
      async (req) => ({ items: await inventory.listChannels(requirePrincipal(req)) }),
    )

    app.post(
      '/channels',
      {
        config: { access: { roles: OPERATOR } },
        schema: {
          tags,
          summary:
            'Add an email or webhook channel; a webhook’s signing secret is shown once, in this answer',
          body: z
            .object({
              kind: z.enum(['email', 'webhook']),
              target: z.string().trim().min(3).max(500),
            })
            .strict(),
        },
      },
      async (req, reply) =>
        reply.status(201).send(await inventory.addChannel(requirePrincipal(req), req.body)),
    )

    app.delete(
      '/channels/:id',
      {
        config: { access: { roles: OPERATOR } },
        schema: { tags, summary: 'Stop using a channel', params: ZParams },
      },
      async (req, reply) => {
        await inventory.removeChannel(requirePrincipal(req), req.params.id)
        return reply.status(204).send()
      },
    )

    app.get(
      '/deliveries',
      {
        config: { access: { roles: OPERATOR } },
        schema: { tags, summary: 'The delivery log of your email and webhook notifications' },
      },
      async (req) => ({ items: await inventory.deliveries(requirePrincipal(req)) }),
    )

    app.get(
      '/dashboard/operator',
      {
        config: { access: { roles: READERS } },
        schema: {
          tags,
          summary: 'Your systems, findings by severity and due date, and what to patch first',
          querystring: z.object({ orgId: ZId.optional() }).strict(),
        },
      },
      async (req) => inventory.operatorDashboard(requirePrincipal(req), req.query.orgId),
    )

    app.get(
      '/dashboard/program',
      {
        config: { access: { roles: PROGRAM } },
        schema: {
          tags,
          summary:
            'Operators still exposed per advisory and sector, over time; time to patch by sector. format=csv exports',
          querystring: z
            .object({
              days: z.coerce.number().int().min(1).max(365).default(30),
              advisoryId: z.string().max(100).optional(),
              format: z.enum(['json', 'csv']).default('json'),
              table: z.enum(['exposure', 'advisories', 'time-to-patch']).default('exposure'),
            })
            .strict(),
        },
      },
      async (req, reply) => {
        const d = await inventory.programDashboard(requirePrincipal(req), req.query)
        if (req.query.format === 'json') return d
        const csv =
          req.query.table === 'exposure'
            ? toCsv(d.exposureOverTime, ['day', 'sector', 'operators'])
            : req.query.table === 'advisories'
              ? toCsv(
                  d.advisories.map((a) => ({
                    advisoryId: a.advisoryId,
                    severity: a.severity,
                    kev: a.kev,
                    total: a.total,
                    ...Object.fromEntries(SECTORS.map((x) => [x, a.bySector[x] ?? 0])),
                  })),
                  ['advisoryId', 'severity', 'kev', 'total', ...SECTORS],
                )
              : toCsv(d.timeToPatch, ['sector', 'patched', 'medianDays', 'p90Days'])
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="program-${req.query.table}.csv"`)
          .send(csv)
      },
    )

    app.post(
      '/match',
      {
        config: { access: { roles: ['admin', 'program_officer', 'analyst'] } },
        schema: {
          tags,
          summary: 'Re-match every system (one job per system, shared by all workers)',
        },
      },
      async (req, reply) => reply.status(202).send(await inventory.matchAll(requirePrincipal(req))),
    )
  }
}
