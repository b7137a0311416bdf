/** Operations routes for administrators: job queue state and the dead-letter queue. */
import type { FastifyPluginAsync } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Jobs } from '../jobs/jobs.ts'

const ZQueue = z.object({
  name: z.string(),
  queued: z.number(),
  active: z.number(),
  deferred: z.number(),
  failed: z.number(),
  total: z.number(),
})
const ZDeadJob = z.object({
  id: z.string(),
  queue: z.string().nullable(),
  sourceId: z.string().nullable(),
  retries: z.number().nullable(),
  createdOn: z.date(),
  payload: z.unknown(),
  error: z.unknown(),
})

export function adminRoutes(deps: {
  jobs: Pick<Jobs, 'stats' | 'deadJobs' | 'redrive'>
}): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>()
    const access = { roles: ['admin'] } as const
    app.get(
      '/jobs',
      {
        config: { access },
        schema: {
          tags: ['admin'],
          summary: 'Job queues and their depth',
          response: { 200: z.object({ queues: z.array(ZQueue) }) },
        },
      },
      async () => ({ queues: await deps.jobs.stats() }),
    )
    app.get(
      '/jobs/dead',
      {
        config: { access },
        schema: {
          tags: ['admin'],
          summary: 'Jobs that failed every retry',
          querystring: z
            .object({ limit: z.coerce.number().int().min(1).max(1000).default(100) })
            .strict(),
          response: { 200: z.object({ jobs: z.array(ZDeadJob) }) },
        },
      },
      async (req) => ({ jobs: await deps.jobs.deadJobs(req.query.limit) }),
    )
    app.post(
      '/jobs/dead/redrive',
      {
        config: { access },
        schema: {
          tags: ['admin'],
          summary: 'Send dead-lettered jobs of one queue back to it',
          body: z.object({ queue: z.string().min(1).max(100) }).strict(),
          response: { 200: z.object({ moved: z.number() }) },
        },
      },
      async (req) => ({ moved: await deps.jobs.redrive(req.body.queue) }),
    )
  }
}
