/**
 * Demo usage for the demo grants: a week of gateway requests (as the request log would hold
 * them), so the grant pages' usage charts have something to show. Deterministic, and a
 * second run adds nothing.
 */
import type { Principal } from '../accounts/model.ts'
import type { Services } from '../app.ts'
import { DAY_MS } from '../platform/clock.ts'
import type { Runtime } from '../platform/runtime.ts'
import * as store from './store.ts'

/** A small deterministic generator (mulberry32): the same demo every time. */
function seeded(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export async function seedGatewayDemo(
  rt: Runtime,
  services: Pick<Services, 'partners'>,
  ctx: { officer: Principal },
): Promise<{ requests: number }> {
  const grants = await services.partners.listGrants(ctx.officer, {})
  const now = rt.clock.now().getTime()
  let requests = 0
  for (const [i, g] of grants.entries()) {
    const already = await rt.db.query('SELECT 1 FROM gateway_request WHERE grant_id = $1 LIMIT 1', [
      g.id,
    ])
    if (already.rowCount) continue
    const random = seeded(i + 1)
    const from = Math.max(g.windowStart.getTime(), now - 7 * DAY_MS)
    const until = Math.min(g.revoked?.at.getTime() ?? now, g.windowEnd.getTime(), now)
    const rows: store.RequestRecord[] = []
    // Office-hours traffic: a few dozen requests an hour, more at midday.
    for (let t = from; t < until; t += 3_600_000) {
      const hour = new Date(t).getUTCHours()
      const busy = hour >= 8 && hour <= 18 ? 1 - Math.abs(hour - 13) / 6 : 0.05
      const n = Math.round(busy * 12 * random())
      for (let k = 0; k < n; k++) {
        const failed = random() < 0.03
        const streamed = random() < 0.6
        const input = 200 + Math.round(random() * 1800)
        const output = failed ? 0 : 50 + Math.round(random() * 900)
        rows.push({
          at: new Date(t + Math.floor(random() * 3_600_000)),
          grantId: g.id,
          partnerOrgId: g.partnerOrgId,
          submissionId: g.submissionId,
          endpoint: g.endpoints.includes('messages') ? 'messages' : 'chat.completions',
          model: g.modelName,
          streamed,
          status: failed ? 429 : 200,
          errorCode: failed ? 'requests_per_minute' : null,
          inputTokens: failed ? 0 : input,
          outputTokens: output,
          tokensEstimated: false,
          latencyMs: failed ? 1 : 400 + Math.round(random() * 6000),
          ttfbMs: failed ? null : 150 + Math.round(random() * 500),
          requestId: `demo-${g.id}-${rows.length}`,
          prompt: null,
          completion: null,
        })
      }
    }
    for (let k = 0; k < rows.length; k += 500) await store.insert(rt.db, rows.slice(k, k + 500))
    requests += rows.length
  }
  return { requests }
}
