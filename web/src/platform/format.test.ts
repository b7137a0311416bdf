/** datetime-local values and ISO instants convert both ways in the reader's time zone. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fromLocalInput, plural, toLocalInput } from './format.ts'

test('a datetime-local value is read in local time and sent as an ISO instant', () => {
  const iso = fromLocalInput('2026-12-01T09:30')
  assert.ok(iso)
  const d = new Date(iso)
  assert.deepEqual(
    [d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()],
    [2026, 11, 1, 9, 30],
  )
  assert.match(iso, /Z$/)
})

test('an ISO instant shows as the local wall-clock time, and back again', () => {
  const iso = new Date(2027, 0, 15, 18, 5).toISOString()
  assert.equal(toLocalInput(iso), '2027-01-15T18:05')
  assert.equal(fromLocalInput(toLocalInput(iso)), iso)
})

test('empty or impossible input is undefined, so the server names the field', () => {
  assert.equal(fromLocalInput(''), undefined)
  assert.equal(fromLocalInput('not a date'), undefined)
  assert.equal(toLocalInput(null), '')
})

test('plural', () => {
  assert.equal(plural(1, 'day'), '1 day')
  assert.equal(plural(0, 'day'), '0 days')
  assert.equal(plural(12, 'submission'), '12 submissions')
})
