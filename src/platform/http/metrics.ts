/** Prometheus metrics: HTTP latency per route, and job queue depth and failures read from pg-boss at scrape time. */
import type { FastifyInstance, onResponseHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { Jobs } from '../jobs/jobs.ts'

export const metricsPlugin = fp<{
  jobs: Pick<Jobs, 'stats'>
  /** Other Fastify instances on the same server (HttpEdge) whose requests are counted here too; not yet ready. */
  edges?: FastifyInstance[]
}>(
  async (app: FastifyInstance, { jobs, edges = [] }) => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry, prefix: 'earlywatch_' })
    const latency = new Histogram({
      name: 'earlywatch_http_request_duration_seconds',
      help: 'HTTP request latency by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    })
    const requests = new Counter({
      name: 'earlywatch_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    })
    const depth = new Gauge({
      name: 'earlywatch_job_queue_depth',
      help: 'Jobs waiting or running, by queue and state',
      labelNames: ['queue', 'state'],
      registers: [registry],
    })
    const failed = new Gauge({
      name: 'earlywatch_job_failed',
      help: 'Jobs that failed for good and are retained, by queue (the dead-letter queue counts those moved there)',
      labelNames: ['queue'],
      registers: [registry],
    })

    // Synchronous: an async hook would cost a promise per request on every route.
    const observe: onResponseHookHandler = (req, reply, done) => {
      // The route pattern, never the raw URL: raw URLs would make one series per id.
      const route = req.routeOptions.url ?? 'unmatched'
      const labels = { method: req.method, route, status: String(reply.statusCode) }
      latency.observe(labels, reply.elapsedTime / 1000)
      requests.inc(labels)
      done()
    }
    app.addHook('onResponse', observe)
    for (const edge of edges) edge.addHook('onResponse', observe)

    app.get(
      '/metrics',
      { config: { access: 'public' }, schema: { hide: true } },
      async (_req, reply) => {
        depth.reset()
        failed.reset()
        for (const q of await jobs.stats()) {
          depth.set({ queue: q.name, state: 'queued' }, q.queued)
          depth.set({ queue: q.name, state: 'active' }, q.active)
          depth.set({ queue: q.name, state: 'deferred' }, q.deferred)
          failed.set({ queue: q.name }, q.name === 'ew.dead-letter' ? q.total : q.failed)
        }
        return reply.type(registry.contentType).send(await registry.metrics())
      },
    )
  },
  { name: 'earlywatch-metrics' },
)
