/** How review windows read in cells and chart labels, for each state and phase. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ReviewWindow } from './api.ts'
import { neverOpened, windowCell, windowStatus } from './window.ts'

const w = (o: Partial<ReviewWindow> = {}): ReviewWindow => ({
  opensAt: '2026-11-10T00:00:00Z',
  closesAt: '2026-12-10T00:00:00Z',
  days: 30,
  phase: 'open',
  daysLeft: 12,
  ...o,
})

test('an open window counts its days left', () => {
  assert.equal(windowStatus(w(), 'in_review'), '12 days left')
  assert.equal(windowStatus(w({ daysLeft: 1 }), 'partner_access'), '1 day left')
})

test('before acceptance the window is awaited, not counted down', () => {
  assert.equal(windowStatus(w({ phase: 'upcoming' }), 'submitted'), 'Awaiting acceptance')
})

test('an accepted window that opens later says when', () => {
  assert.match(windowStatus(w({ phase: 'upcoming' }), 'in_review'), /^Opens /)
})

test('released and withdrawn say so whatever the dates', () => {
  assert.equal(windowStatus(w(), 'released'), 'Released')
  assert.equal(windowStatus(w(), 'withdrawn'), 'Withdrawn')
  assert.equal(windowStatus(w({ phase: 'closed', daysLeft: 0 }), 'determined'), 'Closed')
})

test('a submission withdrawn before acceptance never had a window', () => {
  assert.equal(neverOpened({ state: 'withdrawn', acceptedAt: null }), true)
  assert.equal(neverOpened({ state: 'withdrawn', acceptedAt: '2026-11-10T00:00:00Z' }), false)
  assert.equal(windowCell({ state: 'withdrawn', acceptedAt: null, window: w() }), 'Never opened')
  assert.match(
    windowCell({ state: 'in_review', acceptedAt: '2026-11-10T00:00:00Z', window: w() }),
    /2026.*2026/,
  )
})
