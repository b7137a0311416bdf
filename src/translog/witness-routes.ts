/** Public route of witness cosigning: a checkpoint with the cosignatures witnesses returned for it. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { notFound } from '../platform/errors.ts'
import type { WitnessClient } from './witness.ts'

const ZSizeParams = z
  .object({
    size: z.coerce
      .number()
      .int('must be a whole number')
      .min(0)
      .max(Number.MAX_SAFE_INTEGER)
      .describe('The checkpoint, by tree size'),
  })
  .strict()

export const ZCosignedCheckpoint = z.object({
  size: z.number().int(),
  checkpoint: z
    .string()
    .describe(
      "The signed checkpoint with every kept cosignature appended (C2SP signed note): verify it with the log's key and the witnesses' keys",
    ),
  cosignatures: z.array(
    z.object({
      witness: z.string().describe("The witness's key name"),
      signature: z
        .string()
        .describe('The signature line the witness returned (C2SP tlog-cosignature)'),
      receivedAt: z.date(),
    }),
  ),
})

export function witnessRoutes(deps: {
  witnesses: Pick<WitnessClient, 'cosignatures'>
}): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()
    app.get(
      '/api/log/checkpoints/:size/cosignatures',
      {
        config: { access: 'public' },
        schema: {
          tags: ['transparency log'],
          summary: "A checkpoint with its witnesses' cosignatures (C2SP tlog-witness)",
          params: ZSizeParams,
          response: { 200: ZCosignedCheckpoint },
        },
      },
      async (req, reply) => {
        const found = await deps.witnesses.cosignatures(req.params.size)
        if (!found) throw notFound('checkpoint of size', String(req.params.size))
        return reply.header('cache-control', 'public, max-age=5').send(found)
      },
    )
  }
}
