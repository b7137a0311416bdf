/** A token's status as the list shows it. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { tokenStatus } from './tokens.ts'

const now = Date.parse('2026-11-23T12:00:00Z')

test('a token is active until it expires, and revoked wins over expired', () => {
  assert.equal(tokenStatus({ revokedAt: null, expiresAt: '2026-12-01T00:00:00Z' }, now), 'active')
  assert.equal(tokenStatus({ revokedAt: null, expiresAt: '2026-11-23T12:00:00Z' }, now), 'expired')
  assert.equal(
    tokenStatus({ revokedAt: '2026-11-01T00:00:00Z', expiresAt: '2026-11-02T00:00:00Z' }, now),
    'revoked',
  )
})
