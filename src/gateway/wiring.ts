/**
 * Builds the gateway service from the runtime and the capabilities it leans on: grants from
 * the partners capability, the lab's credential and the submission's visibility from the
 * program, limits in Redis when REDIS_URL is set.
 */
import { isAppError } from '../platform/errors.ts'
import type { Runtime } from '../platform/runtime.ts'
import type { ProgramService } from '../program/service.ts'
import { type Limiter, memoryLimiter, redisLimiter } from './limits.ts'
import type { GatewayGrant, GrantSource } from './model.ts'
import { createGatewayService, type GatewayService } from './service.ts'
import { redisSignals } from './signals.ts'

export type GrantSourceWithIds = GrantSource & {
  byId(grantId: string): Promise<GatewayGrant | null>
}

/** Until the partners capability issues grants, no key is valid. */
export const noGrants: GrantSourceWithIds = {
  byKeyHash: async () => null,
  byId: async () => null,
  statuses: async () => new Map(),
}

export function limiterFor(rt: Pick<Runtime, 'settings'>, prefix?: string): Limiter {
  return rt.settings.redisUrl
    ? redisLimiter(rt.settings.redisUrl, prefix ?? `ew:${rt.settings.databaseSchema}`)
    : memoryLimiter()
}

export function createGatewayWiring(
  rt: Runtime,
  deps: {
    program: Pick<ProgramService, 'getCredential' | 'get'>
    grants?: GrantSourceWithIds
    limiter?: Limiter
    /** Overrides the setting: how old a cached grant status may be (0: re-read every request). */
    grantCheckMs?: number
    pollMs?: number
    /** Redis key prefix for limits and signals (tests sharing one Redis keep apart). */
    redisPrefix?: string
  },
): GatewayService {
  return createGatewayService({
    db: rt.db,
    clock: rt.clock,
    log: rt.log.child({ capability: 'gateway' }),
    grants: deps.grants ?? noGrants,
    credentials: {
      credential: async (submissionId) =>
        (await deps.program.getCredential(submissionId)).credential,
    },
    submissions: {
      async visibleTo(actor, submissionId) {
        try {
          await deps.program.get(actor, submissionId)
          return true
        } catch (err) {
          if (isAppError(err, 'EW_NOT_FOUND')) return false
          throw err
        }
      },
    },
    limiter: deps.limiter ?? limiterFor(rt, deps.redisPrefix),
    upstreamTimeoutMs: rt.settings.gatewayTimeoutMs,
    grantCheckMs: deps.grantCheckMs ?? rt.settings.gatewayGrantCheckMs,
    ...(deps.pollMs ? { pollMs: deps.pollMs } : {}),
    ...(rt.settings.redisUrl
      ? {
          signals: redisSignals(
            rt.settings.redisUrl,
            deps.redisPrefix ?? `ew:${rt.settings.databaseSchema}`,
          ),
        }
      : {}),
  })
}
