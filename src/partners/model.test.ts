/** Pure rules of trusted partners: selection states, who reviews an appeal, what loosens a grant, evidence checks. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  applyTerms,
  type GrantTerms,
  gatewayStatus,
  hashVirtualKey,
  keyHint,
  newVirtualKey,
  pickAppealReviewer,
  selectionState,
  validateEvidence,
} from './model.ts'

test('selection states follow from the two keys and the appeal', () => {
  const base = { appealedAt: null, appealOutcome: null } as const
  assert.equal(selectionState({ labKey: 'approved', programKey: 'pending', ...base }), 'proposed')
  assert.equal(selectionState({ labKey: 'pending', programKey: 'approved', ...base }), 'proposed')
  assert.equal(selectionState({ labKey: 'approved', programKey: 'approved', ...base }), 'effective')
  assert.equal(selectionState({ labKey: 'approved', programKey: 'refused', ...base }), 'refused')
  const at = new Date()
  assert.equal(
    selectionState({
      labKey: 'approved',
      programKey: 'refused',
      appealedAt: at,
      appealOutcome: null,
    }),
    'appealed',
  )
  assert.equal(
    selectionState({
      labKey: 'approved',
      programKey: 'refused',
      appealedAt: at,
      appealOutcome: 'dismissed',
    }),
    'refused_final',
  )
  // Upheld on a lab refusal: the lab's key is pending again.
  assert.equal(
    selectionState({
      labKey: 'pending',
      programKey: 'approved',
      appealedAt: at,
      appealOutcome: 'upheld',
    }),
    'proposed',
  )
  // A refusal after an upheld appeal is final: the appeal was used.
  assert.equal(
    selectionState({
      labKey: 'refused',
      programKey: 'approved',
      appealedAt: at,
      appealOutcome: 'upheld',
    }),
    'refused_final',
  )
})

test('an appeal goes to the officer with the fewest open appeals who did not refuse', () => {
  const officers = [
    { personId: 'per_b', openAppeals: 0 },
    { personId: 'per_a', openAppeals: 0 },
    { personId: 'per_c', openAppeals: 2 },
  ]
  assert.equal(pickAppealReviewer(officers, 'per_a'), 'per_b')
  assert.equal(pickAppealReviewer(officers, 'per_b'), 'per_a')
  assert.equal(pickAppealReviewer([{ personId: 'per_a', openAppeals: 0 }], 'per_a'), null)
})

test('applyTerms says which changes loosen a grant', () => {
  const t: GrantTerms = {
    windowStart: new Date('2026-12-01T00:00:00Z'),
    windowEnd: new Date('2026-12-20T00:00:00Z'),
    endpoints: ['messages', 'models'],
    limits: { requestsPerMinute: 60, tokensPerMinute: 1000, tokenBudget: 10_000 },
    keepContent: false,
  }
  assert.deepEqual(
    applyTerms(t, { limits: { requestsPerMinute: 10 }, endpoints: ['messages'] }).loosened,
    [],
  )
  assert.deepEqual(
    applyTerms(t, { limits: { tokenBudget: 20_000 }, endpoints: ['messages', 'chat.completions'] })
      .loosened,
    ['endpoints', 'limits.tokenBudget'],
  )
  assert.deepEqual(applyTerms(t, { windowEnd: new Date('2026-12-25T00:00:00Z') }).loosened, [
    'windowEnd',
  ])
  assert.deepEqual(applyTerms(t, { windowStart: new Date('2026-11-25T00:00:00Z') }).loosened, [
    'windowStart',
  ])
  assert.deepEqual(applyTerms(t, { keepContent: true }).loosened, ['keepContent'])
  assert.deepEqual(
    applyTerms(t, { endpoints: ['models', 'messages'] }).changed,
    [],
    'order alone is no change',
  )
})

test('gateway status: revoked or withdrawn is revoked, past the window is expired', () => {
  const end = new Date('2026-12-20T00:00:00Z')
  const before = new Date('2026-12-10T00:00:00Z')
  assert.equal(
    gatewayStatus({ status: 'active', windowEnd: end }, 'partner_access', before),
    'active',
  )
  assert.equal(
    gatewayStatus({ status: 'paused', windowEnd: end }, 'partner_access', before),
    'paused',
  )
  assert.equal(gatewayStatus({ status: 'active', windowEnd: end }, 'withdrawn', before), 'revoked')
  assert.equal(
    gatewayStatus({ status: 'active', windowEnd: end }, 'partner_access', end),
    'expired',
  )
  assert.equal(
    gatewayStatus({ status: 'revoked', windowEnd: end }, 'partner_access', end),
    'revoked',
  )
})

test('virtual keys: prefix, 256 random bits, stored as SHA-256', () => {
  const key = newVirtualKey(() => Buffer.alloc(32, 7))
  assert.equal(key, `ew_vk_${Buffer.alloc(32, 7).toString('base64url')}`)
  assert.match(hashVirtualKey(key), /^[0-9a-f]{64}$/)
  assert.notEqual(hashVirtualKey(key), hashVirtualKey(`${key}x`))
  assert.ok(!keyHint(key).includes(key.slice(12)))
})

test('evidence must be an accepted type that matches its first bytes', () => {
  assert.equal(validateEvidence('image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg')
  assert.equal(validateEvidence('text/plain', Buffer.from('plain words')), 'text/plain')
  assert.throws(() => validateEvidence('text/plain', Buffer.from([0xff, 0xfe, 0x00])), /UTF-8/)
  assert.throws(() => validateEvidence('image/png', Buffer.from('%PDF-1.7')), /does not start like/)
  assert.throws(() => validateEvidence('text/html', Buffer.from('<p>')), /not accepted/)
  assert.throws(() => validateEvidence('application/pdf', Buffer.alloc(0)), /empty/)
})
