import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AppError, ErrorCodes, isAppError } from './errors.ts'

test('every error key equals its code, and no code repeats', () => {
  const seen = new Set<string>()
  for (const [key, def] of Object.entries(ErrorCodes)) {
    assert.equal(def.code, key)
    assert.ok(!seen.has(def.code), `duplicate code ${def.code}`)
    seen.add(def.code)
    assert.ok(def.status >= 400 && def.status < 600, `${key} has an HTTP error status`)
  }
})

test('isAppError matches on code, not class', () => {
  const e = new AppError(ErrorCodes.EW_NOT_FOUND, { detail: 'x' })
  assert.ok(isAppError(e, 'EW_NOT_FOUND'))
  assert.ok(isAppError({ code: 'EW_NOT_FOUND' }, 'EW_NOT_FOUND'))
  assert.ok(!isAppError(e, 'EW_FORBIDDEN'))
  assert.ok(!isAppError(new Error('plain')))
  assert.ok(!isAppError({ code: 'ENOENT' }))
})
