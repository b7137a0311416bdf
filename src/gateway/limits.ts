/**
 * Rate limits and token budgets per grant: requests per minute, tokens per minute (fixed
 * one-minute windows) and a total token budget. In one process a Map holds them; with
 * `REDIS_URL` one atomic Lua script per request holds them across every gateway process.
 */
import { Redis } from 'ioredis'
import type { GatewayGrant } from './model.ts'

export type LimitReason = 'requests' | 'tokens' | 'budget'

export type LimitDecision = { ok: true } | { ok: false; reason: LimitReason; retryAfterMs: number }

export interface Limiter {
  readonly kind: 'memory' | 'redis'
  /**
   * Counts one request against the grant's minute, unless a limit is already reached. Tokens
   * are known only after the answer, so the token limits admit while the minute's (or the
   * budget's) use is below the limit; the request that crosses it finishes.
   */
  take(grant: Pick<GatewayGrant, 'grantId' | 'limits'>, nowMs: number): Promise<LimitDecision>
  /** Adds tokens an answer used to the minute's count and to the budget. */
  record(grantId: string, tokens: number, nowMs: number): Promise<void>
  /** Starts the budget count at `used` (from the request log) unless it is already counted. */
  seedBudget(grantId: string, used: number): Promise<void>
  /** Whether the budget count for this grant is known here (memory) or in Redis. */
  budgetKnown(grantId: string): Promise<boolean>
  close(): Promise<void>
}

const MINUTE = 60_000

interface Counts {
  minute: number
  requests: number
  tokens: number
}

/** For one process: correct only when one gateway process serves the grant. */
export function memoryLimiter(): Limiter {
  const minutes = new Map<string, Counts>()
  const budgets = new Map<string, number>()
  const counts = (grantId: string, nowMs: number) => {
    const minute = Math.floor(nowMs / MINUTE)
    let c = minutes.get(grantId)
    if (!c || c.minute !== minute) {
      c = { minute, requests: 0, tokens: 0 }
      minutes.set(grantId, c)
    }
    return c
  }
  return {
    kind: 'memory',
    async take(grant, nowMs) {
      const c = counts(grant.grantId, nowMs)
      const untilNextMinute = (c.minute + 1) * MINUTE - nowMs
      if ((budgets.get(grant.grantId) ?? 0) >= grant.limits.tokenBudget)
        return { ok: false, reason: 'budget', retryAfterMs: 0 }
      if (c.tokens >= grant.limits.tokensPerMinute)
        return { ok: false, reason: 'tokens', retryAfterMs: untilNextMinute }
      if (c.requests >= grant.limits.requestsPerMinute)
        return { ok: false, reason: 'requests', retryAfterMs: untilNextMinute }
      c.requests++
      return { ok: true }
    },
    async record(grantId, tokens, nowMs) {
      counts(grantId, nowMs).tokens += tokens
      budgets.set(grantId, (budgets.get(grantId) ?? 0) + tokens)
    },
    async seedBudget(grantId, used) {
      if (!budgets.has(grantId)) budgets.set(grantId, used)
    },
    async budgetKnown(grantId) {
      return budgets.has(grantId)
    },
    async close() {},
  }
}

/**
 * One round trip per check: the script reads the budget and the minute's tokens, and counts
 * the request only when both are below their limits and the request limit is not reached, so
 * concurrent processes never both take the last request of a minute. Returns
 * `{ 0 }` (admitted), `{ 1|2|3, retryAfterMs }` (requests, tokens, budget), or `{ 4 }` when
 * the budget key is missing (first use, or Redis lost its data): the caller seeds it from the
 * request log and asks again.
 */
const TAKE = `
local budget = redis.call('GET', KEYS[3])
if not budget then return {4, 0} end
if tonumber(budget) >= tonumber(ARGV[3]) then return {3, 0} end
local tokens = tonumber(redis.call('GET', KEYS[2]) or '0')
if tokens >= tonumber(ARGV[2]) then
  local ttl = redis.call('PTTL', KEYS[2])
  return {2, ttl > 0 and ttl or tonumber(ARGV[4])}
end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
if n > tonumber(ARGV[1]) then
  redis.call('DECR', KEYS[1])
  local ttl = redis.call('PTTL', KEYS[1])
  return {1, ttl > 0 and ttl or tonumber(ARGV[4])}
end
return {0, 0}
`

const RECORD = `
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('INCRBY', KEYS[2], ARGV[1]) end
return n
`

type LimitRedis = Redis & {
  ewTake(k1: string, k2: string, k3: string, ...args: number[]): Promise<[number, number]>
  ewRecord(k1: string, k2: string, tokens: number, ttlMs: number): Promise<number>
}

/**
 * Shared by every gateway process that points at the same Redis. Keys are prefixed with the
 * database schema, so tests (and several deployments) sharing one Redis never meet.
 */
export function redisLimiter(url: string, prefix: string): Limiter {
  const redis = new Redis(url, {
    keyPrefix: `${prefix}:gw:`,
    // Connects on first use, so processes that never serve the gateway (workers, the CLI) hold no connection.
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
  }) as LimitRedis
  redis.defineCommand('ewTake', { numberOfKeys: 3, lua: TAKE })
  redis.defineCommand('ewRecord', { numberOfKeys: 2, lua: RECORD })
  const keys = (grantId: string, nowMs: number) => {
    const minute = Math.floor(nowMs / MINUTE)
    return {
      requests: `{${grantId}}:r:${minute}`,
      tokens: `{${grantId}}:t:${minute}`,
      budget: `{${grantId}}:b`,
    }
  }
  // Windows end on the minute; the keys live a little longer so a late record still lands.
  const ttl = (nowMs: number) => MINUTE - (nowMs % MINUTE) + 5_000
  const REASON = { 1: 'requests', 2: 'tokens', 3: 'budget' } as const
  return {
    kind: 'redis',
    async take(grant, nowMs) {
      const k = keys(grant.grantId, nowMs)
      const [code, retryAfterMs] = await redis.ewTake(
        k.requests,
        k.tokens,
        k.budget,
        grant.limits.requestsPerMinute,
        grant.limits.tokensPerMinute,
        grant.limits.tokenBudget,
        ttl(nowMs),
      )
      if (code === 0) return { ok: true }
      if (code === 4) throw new BudgetUnknown(grant.grantId)
      return { ok: false, reason: REASON[code as 1 | 2 | 3], retryAfterMs }
    },
    async record(grantId, tokens, nowMs) {
      if (tokens <= 0) return
      const k = keys(grantId, nowMs)
      await redis.ewRecord(k.tokens, k.budget, tokens, ttl(nowMs))
    },
    async seedBudget(grantId, used) {
      await redis.set(`{${grantId}}:b`, used, 'NX')
    },
    async budgetKnown(grantId) {
      return (await redis.exists(`{${grantId}}:b`)) === 1
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}

/** The shared budget count is missing: seed it from the request log, then ask again. */
export class BudgetUnknown extends Error {
  readonly grantId: string
  constructor(grantId: string) {
    super(`the token budget count of grant ${grantId} is not in Redis`)
    this.grantId = grantId
  }
}
