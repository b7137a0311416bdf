/**
 * Grant-change signals between gateway processes over Redis pub/sub: a process that changes a
 * grant publishes its id, and every process marks it for re-reading on its next request.
 * Polling remains the backstop for a lost message (Redis pub/sub delivers at most once).
 */
import { Redis } from 'ioredis'
import type { GrantSignals } from './service.ts'

export function redisSignals(url: string, prefix: string): GrantSignals {
  const channel = `${prefix}:gw:grant-changed`
  // Connected on first use; a subscribing connection can do nothing else, so there are two.
  const pub = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 })
  let sub: Redis | null = null
  return {
    async publish(grantId) {
      await pub.publish(channel, grantId)
    },
    async subscribe(onChange) {
      sub = new Redis(url, { lazyConnect: true })
      sub.on('message', (ch: string, grantId: string) => {
        if (ch === channel) onChange(grantId)
      })
      await sub.subscribe(channel)
    },
    async close() {
      await Promise.all([pub, sub].map((c) => c?.quit().catch(() => c.disconnect())))
    },
  }
}
