/**
 * HTTP routes of the transparency log, all public: anyone may verify. The log as C2SP
 * tlog-tiles under /log/ (checkpoint, hash tiles, entry bundles, verifier key), and a JSON API
 * under /api/log for entries, proofs, receipts and checkpoints.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AppError, ErrorCodes, invalid } from '../platform/errors.ts'
import { ENTRY_TYPES } from './model.ts'
import type { TranslogService } from './service.ts'
import { encodeEntryBundle, parseTilePath, TILE_WIDTH, TileError } from './tiles.ts'

const tags = ['transparency log']
const PUBLIC = { access: 'public' as const }

/** Full tiles never change; partial ones are replaced as the log grows, and the checkpoint moves. */
const IMMUTABLE = 'public, max-age=31536000, immutable'
const PARTIAL = 'public, max-age=5'
const CHECKPOINT = 'public, max-age=2, must-revalidate'

const ZHash = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash as 64 lower-case hex digits')
const ZIndex = z.coerce.number().int('must be a whole number').min(0).max(Number.MAX_SAFE_INTEGER)
const ZSize = ZIndex.describe('A tree size (number of entries)')

const ZActor = z.object({
  orgId: z.string(),
  role: z.string(),
  personId: z.string().optional(),
})

export const ZLogEntry = z.object({
  index: z.number().int(),
  leafHash: z.string().describe('SHA-256(0x00 ‖ body), hex'),
  type: z.enum(ENTRY_TYPES),
  at: z.date(),
  entry: z.object({
    type: z.enum(ENTRY_TYPES),
    subjects: z.array(z.object({ kind: z.string(), id: z.string() })),
    actor: ZActor,
    at: z.string(),
    data: z.record(z.string(), z.unknown()),
    commitments: z
      .record(z.string(), z.string())
      .optional()
      .describe('Confidential field → hex SHA-256(salt ‖ canonical JSON of the value)'),
  }),
  body: z.string().describe('The RFC 8785 canonical JSON that was hashed, base64'),
})

export const ZCheckpoint = z.object({
  size: z.number().int(),
  root: z.string().describe('RFC 6962 root hash, hex'),
  note: z.string().describe('The C2SP signed checkpoint note'),
  createdAt: z.date(),
})

const ZCounts = z.record(z.enum(ENTRY_TYPES), z.number().int())

const ZReport = z.object({
  size: z.number().int().describe('Entries counted: those the checkpoint covers'),
  period: z.enum(['day', 'week']).describe('UTC days while the log is young, ISO weeks after'),
  totals: ZCounts,
  determinationsByOutcome: z.array(z.object({ outcome: z.string(), count: z.number().int() })),
  refusalsByReason: z.array(z.object({ reasonCategory: z.string(), count: z.number().int() })),
  series: z
    .array(
      z.object({
        start: z.string().describe('First day of the period, YYYY-MM-DD'),
        counts: ZCounts,
      }),
    )
    .describe('Contiguous periods from the first entry to the checkpoint, zeros included'),
  checkpoint: ZCheckpoint,
  verifierKey: z.string().describe('The note verifier key that signs checkpoints'),
})

const ZEntriesQuery = z
  .object({
    type: z.enum(ENTRY_TYPES).optional(),
    subject: z
      .string()
      .max(100)
      .optional()
      .describe('Only entries about this subject id (a submission, an organisation…)'),
    from: z.iso.datetime({ offset: true }).optional().describe('At or after this time'),
    to: z.iso.datetime({ offset: true }).optional().describe('Before this time'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    offset: z.coerce.number().int().min(0).max(100_000_000).default(0),
  })
  .strict()

const ZPage = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).max(100_000_000).default(0),
  })
  .strict()

const ZInclusionQuery = z
  .object({
    index: ZIndex.optional().describe('The entry, by index'),
    hash: ZHash.optional().describe('The entry, by leaf hash'),
    size: ZSize.optional().describe('Tree size to prove against; default: the latest checkpoint'),
  })
  .strict()
  .refine((q) => (q.index === undefined) !== (q.hash === undefined), {
    message: 'give exactly one of index and hash',
    path: ['index'],
  })

const ZConsistencyQuery = z
  .object({
    from: ZSize.describe('The older tree size'),
    to: ZSize.describe('The newer tree size'),
  })
  .strict()

const ZIndexParams = z.object({ index: ZIndex }).strict()

const ZTileParams = z.object({ '*': z.string().max(200) })

const ZBinary = z.string().meta({ format: 'binary' })

function tileNotFound(path: string): AppError {
  return new AppError(ErrorCodes.EW_NOT_FOUND, {
    detail: `The log has no ${path} yet: it holds fewer entries. Read /log/checkpoint for the current size.`,
  })
}

function sendBinary(reply: FastifyReply, body: Buffer, full: boolean) {
  return reply
    .header('cache-control', full ? IMMUTABLE : PARTIAL)
    .type('application/octet-stream')
    .send(body)
}

export function translogRoutes(deps: { translog: TranslogService }): FastifyPluginAsync {
  const { translog } = deps
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()

    // --- c2sp.org/tlog-tiles -------------------------------------------------------------

    app.get(
      '/log/checkpoint',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary: 'The latest signed checkpoint (C2SP tlog-checkpoint, signed note)',
          response: { 200: z.string() },
        },
      },
      async (_req, reply) => {
        const cp = await translog.latestCheckpoint()
        return reply
          .header('cache-control', CHECKPOINT)
          .type('text/plain; charset=utf-8')
          .send(cp.note)
      },
    )

    app.get(
      '/log/verifier-key',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary: 'The note verifier key that signs checkpoints (name+keyid+base64 key)',
          response: { 200: z.string() },
        },
      },
      async (_req, reply) =>
        reply
          .header('cache-control', 'public, max-age=3600')
          .type('text/plain; charset=utf-8')
          .send(`${await translog.verifierKey()}\n`),
    )

    app.get(
      '/log/tile/*',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary:
            'Hash tiles tile/<L>/<N>[.p/<W>] and entry bundles tile/entries/<N>[.p/<W>] (C2SP tlog-tiles)',
          params: ZTileParams,
          response: { 200: ZBinary },
        },
      },
      async (req, reply) => {
        const path = `tile/${req.params['*']}`
        let t: ReturnType<typeof parseTilePath>
        try {
          t = parseTilePath(path)
        } catch (err) {
          if (err instanceof TileError) throw invalid('path', err.message)
          throw err
        }
        const width = t.width ?? TILE_WIDTH
        const full = t.width === undefined
        if ('entries' in t) {
          const entries = await translog.entryBundle(t.index, width)
          if (!entries) throw tileNotFound(path)
          return sendBinary(reply, encodeEntryBundle(entries), full)
        }
        const hashes = await translog.hashTile(t.level, t.index, width)
        if (!hashes) throw tileNotFound(path)
        return sendBinary(reply, Buffer.concat(hashes), full)
      },
    )

    // --- JSON API --------------------------------------------------------------------------

    app.get(
      '/api/log/entries',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary: 'Entries, oldest first, by type, subject and time',
          querystring: ZEntriesQuery,
          response: { 200: z.object({ items: z.array(ZLogEntry), total: z.number().int() }) },
        },
      },
      async (req) => {
        const q = req.query
        return translog.entries({
          type: q.type,
          subjectId: q.subject,
          from: q.from ? new Date(q.from) : undefined,
          to: q.to ? new Date(q.to) : undefined,
          limit: q.limit,
          offset: q.offset,
        })
      },
    )

    app.get(
      '/api/log/entries/:index',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary: 'One entry',
          params: ZIndexParams,
          response: { 200: ZLogEntry },
        },
      },
      async (req) => translog.entry(req.params.index),
    )

    app.get(
      '/api/log/entries/:index/receipt',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary:
            'Proof receipt: the entry, its inclusion proof and the signed checkpoint it leads to',
          params: ZIndexParams,
          response: {
            200: z.object({
              index: z.number().int(),
              entry: ZLogEntry,
              proof: z.array(z.string()).describe('Audit path, bottom-up, hex'),
              checkpoint: z.string().describe('Signed checkpoint note'),
              size: z.number().int(),
              tlogProof: z.string().describe('The same, as a c2sp.org/tlog-proof@v1 text'),
            }),
          },
        },
      },
      async (req) => translog.receipt(req.params.index),
    )

    app.get(
      '/api/log/proof/inclusion',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary: 'Inclusion proof of an entry (by index or leaf hash) in a tree size',
          querystring: ZInclusionQuery,
          response: {
            200: z.object({
              index: z.number().int(),
              size: z.number().int(),
              leafHash: z.string(),
              root: z.string(),
              proof: z.array(z.string()).describe('Audit path, bottom-up, hex'),
            }),
          },
        },
      },
      async (req) =>
        translog.inclusionProof({
          ...(req.query.index !== undefined ? { index: req.query.index } : {}),
          ...(req.query.hash !== undefined ? { leafHash: req.query.hash } : {}),
          ...(req.query.size !== undefined ? { size: req.query.size } : {}),
        }),
    )

    app.get(
      '/api/log/proof/consistency',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary: 'Consistency proof between two tree sizes (RFC 9162 §2.1.4)',
          querystring: ZConsistencyQuery,
          response: {
            200: z.object({
              from: z.number().int(),
              to: z.number().int(),
              fromRoot: z.string(),
              toRoot: z.string(),
              proof: z.array(z.string()).describe('hex'),
            }),
          },
        },
      },
      async (req) => translog.consistencyProof(req.query.from, req.query.to),
    )

    app.get(
      '/api/log/report',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary:
            'Public figures of the entries the latest checkpoint covers: totals, over time, by outcome and reason',
          response: { 200: ZReport },
        },
      },
      async (_req, reply) =>
        reply.header('cache-control', CHECKPOINT).send(await translog.report()),
    )

    app.get(
      '/api/log/checkpoints',
      {
        config: PUBLIC,
        schema: {
          tags,
          summary: 'Every signed checkpoint, newest first',
          querystring: ZPage,
          response: { 200: z.object({ items: z.array(ZCheckpoint), total: z.number().int() }) },
        },
      },
      async (req) => translog.checkpoints(req.query),
    )
  }
}
