/**
 * Builds the gateway service from the runtime and the capabilities it leans on: grants from
 * the partners service, the lab's credential from the program service, limits (and grant-change
 * signals) in Redis when REDIS_URL is set.
 */
import type { PartnersService } from '../partners/service.ts'
import type { Runtime } from '../platform/runtime.ts'
import type { ProgramService } from '../program/service.ts'
import { type Limiter, memoryLimiter, redisLimiter } from './limits.ts'
import type { GrantSource } from './model.ts'
import { createGatewayService, type GatewayService } from './service.ts'
import { redisSignals } from './signals.ts'

export function limiterFor(rt: Pick<Runtime, 'settings'>, prefix?: string): Limiter {
  return rt.settings.redisUrl
    ? redisLimiter(rt.settings.redisUrl, prefix ?? `ew:${rt.settings.databaseSchema}`)
    : memoryLimiter()
}

type GrantChanging = 'pauseGrant' | 'resumeGrant' | 'revokeGrant' | 'changeTerms'

/**
 * The partners service, with each grant change (pause, resume, revoke, new terms) reported to
 * `changed` once it has committed, so the gateway applies it on the next request instead of
 * at its next poll.
 */
export function signalGrantChanges<P extends Pick<PartnersService, GrantChanging>>(
  partners: P,
  changed: (grantId: string) => unknown,
): P {
  const wrap =
    <A, I, R>(fn: (actor: A, id: string, input: I) => Promise<R>) =>
    async (actor: A, id: string, input: I): Promise<R> => {
      const result = await fn(actor, id, input)
      await changed(id)
      return result
    }
  return {
    ...partners,
    pauseGrant: wrap(partners.pauseGrant.bind(partners)),
    resumeGrant: wrap(partners.resumeGrant.bind(partners)),
    revokeGrant: wrap(partners.revokeGrant.bind(partners)),
    changeTerms: wrap(partners.changeTerms.bind(partners)),
  }
}

export function createGatewayWiring(
  rt: Runtime,
  deps: {
    program: Pick<ProgramService, 'getCredential'>
    partners: Pick<PartnersService, 'gatewayGrantByKeyHash' | 'grantStatuses' | 'getGrant'>
    /** Instead of the partners service's grants (tests, the benchmark's in-memory source). */
    grants?: GrantSource
    limiter?: Limiter
    /** Overrides the setting: how old a cached grant status may be (0: re-read every request). */
    grantCheckMs?: number
    pollMs?: number
    /** How often buffered request-log rows are written (tests). */
    flushMs?: number
    /** Redis key prefix for limits and signals (tests sharing one Redis keep apart). */
    redisPrefix?: string
  },
): GatewayService {
  const { partners } = deps
  const prefix = deps.redisPrefix ?? `ew:${rt.settings.databaseSchema}`
  return createGatewayService({
    db: rt.db,
    clock: rt.clock,
    log: rt.log.child({ capability: 'gateway' }),
    grants: deps.grants ?? {
      byKeyHash: (hash) => partners.gatewayGrantByKeyHash(hash),
      statuses: (ids) => partners.grantStatuses([...ids]),
    },
    credentials: {
      credential: async (submissionId) =>
        (await deps.program.getCredential(submissionId)).credential,
    },
    // The partners service decides who sees a grant: its partner, the lab of its model, the program.
    visibleGrant: async (actor, grantId) => {
      const g = await partners.getGrant(actor, grantId)
      return { windowStart: g.windowStart, tokenBudget: g.limits.tokenBudget }
    },
    limiter: deps.limiter ?? limiterFor(rt, prefix),
    upstreamTimeoutMs: rt.settings.gatewayTimeoutMs,
    grantCheckMs: deps.grantCheckMs ?? rt.settings.gatewayGrantCheckMs,
    ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
    ...(deps.flushMs ? { flushMs: deps.flushMs } : {}),
    ...(rt.settings.redisUrl ? { signals: redisSignals(rt.settings.redisUrl, prefix) } : {}),
  })
}
