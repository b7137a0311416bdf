/**
 * HTTP routes of advisories: the analysts' API under /api/advisories, and the public side —
 * the CSAF provider under /.well-known/csaf and the osv.dev-compatible API under /v1.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { invalid } from '../../platform/errors.ts'
import { requirePrincipal } from '../../platform/http/access.ts'
import { TLP_LABELS } from '../tlp.ts'
import { csafPath } from './csaf.ts'
import {
  CSAF_ROOT,
  changesCsv,
  documentBytes,
  hashFile,
  indexTxt,
  PUBLIC_DIR,
  providerMetadata,
  ROLIE_FEED,
  rolieFeed,
} from './feeds.ts'
import { ADVISORY_STATES, type Advisory, JUSTIFICATIONS, PRODUCT_STATUSES } from './model.ts'
import { type OsvRecord, osvId } from './osv.ts'
import { affectsCommit, affectsPackage, packageOf } from './query.ts'
import type { AdvisoryService } from './service.ts'
import type { CsafSigner } from './signing.ts'

const ZCvss = z.object({ vector: z.string().trim().min(1).max(200), score: z.number().optional() })

export const ZContent = z
  .object({
    title: z.string().trim().min(1).max(300),
    summary: z.string().trim().max(500),
    details: z.string().trim().min(1).max(20_000),
    cwes: z.array(z.string().trim()).max(10),
    aliases: z.array(z.string().trim().min(1).max(100)).max(20),
    cvss31: ZCvss.nullable(),
    cvss40: ZCvss.nullable(),
    products: z
      .array(
        z
          .object({
            vendor: z.string().trim().min(1).max(200),
            name: z.string().trim().min(1).max(200),
            purl: z.string().trim().min(1).max(500).nullable(),
            cpe: z.string().trim().min(1).max(500).nullable(),
            versionRange: z.string().trim().min(1).max(200),
            status: z.enum(PRODUCT_STATUSES),
            justification: z.enum(JUSTIFICATIONS).nullable(),
            fixedVersion: z.string().trim().min(1).max(100).nullable(),
            statement: z.string().trim().max(5000).nullable(),
          })
          .strict(),
      )
      .min(1)
      .max(200),
    credits: z
      .array(
        z
          .object({
            name: z.string().trim().min(1).max(200),
            orgName: z.string().trim().max(200).nullable(),
          })
          .strict(),
      )
      .max(50),
    references: z
      .array(
        z
          .object({ url: z.string().trim().max(2000), summary: z.string().trim().max(300) })
          .strict(),
      )
      .max(50),
  })
  .strict()

/** The editor's input; scores given are ignored, the service computes them. */
const toContent = (c: z.infer<typeof ZContent>) => ({
  ...c,
  cvss31: c.cvss31 ? { vector: c.cvss31.vector, score: 0 } : null,
  cvss40: c.cvss40 ? { vector: c.cvss40.vector, score: 0 } : null,
})

const ZTlp = z.enum(TLP_LABELS)
const ZDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s))
const ZId = z.string().min(1).max(200)
const ZPage = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
})

/** An advisory over HTTP: dates as ISO strings, the imported original left out (fetch the exports). */
function view(a: Advisory) {
  const { original: _original, ...rest } = a
  return { ...rest, osvId: osvId(a.id), imported: a.original !== null }
}

const tags = ['advisories']
const PUBLIC = { access: 'public' as const }
const ANALYSTS = { access: { roles: ['analyst', 'admin'] as const } }

export function advisoryRoutes(deps: { advisories: AdvisoryService }): FastifyPluginAsync {
  const { advisories } = deps
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()

    app.get(
      '/advisories',
      {
        config: { access: 'signed-in' },
        schema: {
          tags,
          summary:
            'Advisories you may read: analysts all, case participants their drafts, everyone the published ones their TLP reaches',
          querystring: ZPage.extend({ state: z.enum(ADVISORY_STATES).optional() }),
        },
      },
      async (req) => {
        const r = await advisories.list(requirePrincipal(req), req.query)
        return { items: r.items.map(view), total: r.total }
      },
    )

    app.get(
      '/advisories/public',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary: 'Published TLP:CLEAR advisories, newest first',
          querystring: ZPage,
        },
      },
      async (req) => {
        const r = await advisories.publicList(req.query)
        return { items: r.items.map(view), total: r.total }
      },
    )

    app.get(
      '/advisories/:id',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary: 'One advisory (404 when you may not read it)',
          params: z.object({ id: ZId }),
        },
      },
      async (req) => view(await advisories.get(req.principal, req.params.id)),
    )

    app.get(
      '/advisories/:id/exports',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary:
            'The advisory as CSAF 2.0 (security advisory and VEX), OSV and CVE JSON 5, each with its validation result',
          params: z.object({ id: ZId }),
        },
      },
      async (req) => advisories.exports(req.principal, req.params.id),
    )

    app.post(
      '/advisories',
      {
        config: ANALYSTS,
        schema: {
          tags,
          summary: 'Write an advisory by hand',
          body: z
            .object({ content: ZContent, tlp: ZTlp, publishAt: ZDate.nullable().optional() })
            .strict(),
        },
      },
      async (req, reply) => {
        const a = await advisories.create(requirePrincipal(req), {
          content: toContent(req.body.content),
          tlp: req.body.tlp,
          publishAt: req.body.publishAt ?? null,
        })
        return reply.status(201).send(view(a))
      },
    )

    app.post(
      '/advisories/from-case/:caseId',
      {
        config: ANALYSTS,
        schema: {
          tags,
          summary: "Draft (or return) a case's advisory",
          params: z.object({ caseId: ZId }),
        },
      },
      async (req, reply) =>
        reply
          .status(201)
          .send(view(await advisories.draftFromCase(requirePrincipal(req), req.params.caseId))),
    )

    app.post(
      '/advisories/preview',
      {
        config: ANALYSTS,
        schema: {
          tags,
          summary: 'Every export of unsaved content, validated: the editor preview',
          body: z.object({ id: ZId.optional(), content: ZContent, tlp: ZTlp }).strict(),
        },
      },
      async (req) =>
        advisories.preview(requirePrincipal(req), {
          id: req.body.id,
          content: toContent(req.body.content),
          tlp: req.body.tlp,
        }),
    )

    app.patch(
      '/advisories/:id',
      {
        config: ANALYSTS,
        schema: {
          tags,
          summary:
            'Edit a draft, or publish a new revision of a published advisory (summary required)',
          params: z.object({ id: ZId }),
          body: z
            .object({
              content: ZContent.optional(),
              tlp: ZTlp.optional(),
              publishAt: ZDate.nullable().optional(),
              summary: z.string().trim().min(1).max(500).optional(),
              revision: z.number().int().min(1).optional(),
            })
            .strict(),
        },
      },
      async (req) =>
        view(
          await advisories.update(requirePrincipal(req), req.params.id, {
            ...req.body,
            content: req.body.content ? toContent(req.body.content) : undefined,
          }),
        ),
    )

    app.post(
      '/advisories/:id/publish',
      {
        config: ANALYSTS,
        schema: {
          tags,
          summary: 'Publish now (a case advisory only once due or agreed by every vendor)',
          params: z.object({ id: ZId }),
        },
      },
      async (req) => {
        const a = await advisories.publish(requirePrincipal(req), req.params.id)
        return { ...view(a), logIndex: a.logIndex }
      },
    )

    app.post(
      '/advisories/import',
      {
        config: ANALYSTS,
        schema: {
          tags,
          summary:
            'Import CSAF 2.0 documents or CVE JSON 5 records: all validate, or none is imported',
          body: z
            .object({
              kind: z.enum(['csaf', 'cve']),
              documents: z
                .array(
                  z.object({ path: z.string().min(1).max(500), document: z.unknown() }).strict(),
                )
                .min(1)
                .max(500),
            })
            .strict(),
        },
      },
      async (req) =>
        advisories.importDocuments(
          requirePrincipal(req),
          req.body.kind,
          req.body.documents.map((d) => ({ path: d.path, document: d.document })),
        ),
    )
  }
}

/** Every public advisory, for the feeds; the feeds are small enough to build per request. */
async function allPublic(advisories: AdvisoryService): Promise<Advisory[]> {
  return (await advisories.publicList({ limit: 100_000, offset: 0 })).items
}

export function csafProviderRoutes(deps: {
  advisories: AdvisoryService
  signer: CsafSigner | null
}): FastifyPluginAsync {
  const { advisories, signer } = deps
  const csafTags = ['csaf']
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()
    const json = 'application/json; charset=utf-8'

    app.get(
      `${CSAF_ROOT}/provider-metadata.json`,
      {
        config: PUBLIC,
        schema: { tags: csafTags, summary: 'CSAF provider metadata (CSAF 2.0 §7.1.7)' },
      },
      async (_req, reply) => {
        const ctx = advisories.exportContext()
        return reply.type(json).send(
          providerMetadata({
            publicUrl: ctx.publicUrl,
            publisherName: ctx.publisherName,
            advisories: await allPublic(advisories),
            signer,
            now: ctx.now,
          }),
        )
      },
    )

    app.get(
      `${CSAF_ROOT}/${ROLIE_FEED}`,
      {
        config: PUBLIC,
        schema: { tags: csafTags, summary: 'ROLIE feed of the TLP:CLEAR (WHITE) documents' },
      },
      async (_req, reply) => {
        const ctx = advisories.exportContext()
        const list = await allPublic(advisories)
        return reply.type(json).send(
          rolieFeed({
            publicUrl: ctx.publicUrl,
            advisories: list.map((a) => ({
              advisory: a,
              summary: a.content.summary || a.content.title,
            })),
            signed: signer !== null,
            now: ctx.now,
          }),
        )
      },
    )

    app.get(
      `${CSAF_ROOT}/${PUBLIC_DIR}/index.txt`,
      {
        config: PUBLIC,
        schema: { tags: csafTags, summary: 'Every document of the directory (§7.1.12)' },
      },
      async (_req, reply) =>
        reply
          .type('text/plain; charset=utf-8')
          .send(indexTxt(await allPublic(advisories), advisories.exportContext().now)),
    )

    app.get(
      `${CSAF_ROOT}/${PUBLIC_DIR}/changes.csv`,
      {
        config: PUBLIC,
        schema: { tags: csafTags, summary: 'Documents by last change, newest first (§7.1.13)' },
      },
      async (_req, reply) =>
        reply
          .type('text/csv; charset=utf-8')
          .send(changesCsv(await allPublic(advisories), advisories.exportContext().now)),
    )

    if (signer)
      app.get(
        `${CSAF_ROOT}/openpgp/:file`,
        {
          config: PUBLIC,
          schema: {
            tags: csafTags,
            summary: 'The public OpenPGP key that signs the documents',
            params: z.object({ file: z.string() }),
          },
        },
        async (req, reply) => {
          if (req.params.file !== `${signer.fingerprint}.asc`) return reply.status(404).send()
          return reply.type('application/pgp-keys').send(signer.publicKeyArmored)
        },
      )

    app.get(
      `${CSAF_ROOT}/${PUBLIC_DIR}/:year/:file`,
      {
        config: PUBLIC,
        schema: {
          tags: csafTags,
          summary: 'A CSAF document, its .sha256/.sha512 hash or its .asc signature',
          params: z.object({ year: z.string().regex(/^\d{4}$/), file: z.string().max(300) }),
        },
      },
      async (req, reply) => {
        const m = /^(.+\.json)(\.sha256|\.sha512|\.asc)?$/.exec(req.params.file)
        if (!m) return reply.status(404).send()
        const [, name, suffix] = m
        const now = advisories.exportContext().now
        const path = `${PUBLIC_DIR}/${req.params.year}/${name}`
        const a = (await allPublic(advisories)).find((x) => csafPath(x, now) === path)
        if (!a) return reply.status(404).send()
        const bytes = documentBytes(advisories.csaf(a))
        if (!suffix) return reply.type(json).send(bytes)
        if (suffix === '.sha256' || suffix === '.sha512')
          return reply
            .type('text/plain; charset=utf-8')
            .send(hashFile(bytes, suffix === '.sha256' ? 'sha256' : 'sha512', name!))
        if (!signer) return reply.status(404).send()
        return reply.type('application/pgp-signature').send(await signer.sign(bytes))
      },
    )
  }
}

// ---------------------------------------------------------------------------------------------
// osv.dev API (https://google.github.io/osv.dev/api/): the same request and response shapes.

const ZOsvPackage = z.object({
  name: z.string().min(1).max(500).optional(),
  ecosystem: z.string().min(1).max(100).optional(),
  purl: z.string().min(1).max(1000).optional(),
})
const ZOsvQuery = z.object({
  commit: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/i)
    .optional(),
  version: z.string().min(1).max(200).optional(),
  package: ZOsvPackage.optional(),
  page_token: z.string().max(100).optional(),
})
type OsvQuery = z.infer<typeof ZOsvQuery>

const PAGE = 1000

export function osvRoutes(deps: { advisories: AdvisoryService }): FastifyPluginAsync {
  const { advisories } = deps
  const osvTags = ['osv']

  async function run(q: OsvQuery, field: string): Promise<OsvRecord[]> {
    if (q.commit) {
      if (q.package || q.version)
        throw invalid(field, 'a commit query names neither a package nor a version')
      return (await allPublic(advisories))
        .map((a) => advisories.osv(a))
        .filter((v) => affectsCommit(v, q.commit!))
    }
    if (!q.package)
      throw invalid(`${field}.package`, 'name a package (ecosystem + name, or purl) or a commit')
    const p = packageOf(q.package)
    if (!p.ok) throw invalid(`${field}.package`, p.message)
    if (p.version && q.version)
      throw invalid(`${field}.version`, 'the purl already carries a version; give it once')
    const version = q.version ?? p.version
    const candidates = await advisories.publicByPackage(p.ecosystem, p.name)
    return candidates
      .map((a) => advisories.osv(a))
      .filter((v) => affectsPackage(v, { ecosystem: p.ecosystem, name: p.name, version }))
  }

  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()

    app.get(
      '/v1/vulns/:id',
      {
        config: PUBLIC,
        schema: {
          tags: osvTags,
          summary: 'One vulnerability by OSV id (or alias)',
          params: z.object({ id: ZId }),
        },
      },
      async (req, reply) => {
        const id = req.params.id.replace(/^x_/, '')
        const a = await advisories.publicGet(id).catch(() => null)
        // osv.dev's own not-found answer, so OSV clients read it as they do there.
        if (!a) return reply.status(404).send({ code: 5, message: 'Bug not found.' })
        return advisories.osv(a)
      },
    )

    app.post(
      '/v1/query',
      {
        config: PUBLIC,
        schema: {
          tags: osvTags,
          summary: 'Vulnerabilities of a package version, or of a commit',
          body: ZOsvQuery,
        },
      },
      async (req) => {
        const all = await run(req.body, 'body')
        const start = req.body.page_token ? Number(req.body.page_token) || 0 : 0
        const page = all.slice(start, start + PAGE)
        // osv.dev answers `{}` when nothing matches.
        return {
          ...(page.length > 0 ? { vulns: page } : {}),
          ...(start + PAGE < all.length ? { next_page_token: String(start + PAGE) } : {}),
        }
      },
    )

    app.post(
      '/v1/querybatch',
      {
        config: PUBLIC,
        schema: {
          tags: osvTags,
          summary: 'Many queries at once: ids and modified times only, as osv.dev answers',
          body: z.object({ queries: z.array(ZOsvQuery).min(1).max(1000) }),
        },
      },
      async (req) => {
        const results = []
        for (const [i, q] of req.body.queries.entries()) {
          const vulns = await run(q, `body.queries.${i}`)
          results.push(
            vulns.length > 0
              ? { vulns: vulns.map((v) => ({ id: v.id, modified: v.modified })) }
              : {},
          )
        }
        return { results }
      },
    )
  }
}
