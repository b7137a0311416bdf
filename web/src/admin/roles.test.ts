/** The grant form offers only roles that fit the organisation's kind. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ORG_KINDS, rolesFor } from './roles.ts'

test('each kind of organisation offers the roles that fit it', () => {
  assert.deepEqual(rolesFor('lab'), ['lab_member'])
  assert.deepEqual(rolesFor('agency'), ['auditor', 'agency_signatory'])
  assert.deepEqual(rolesFor('program'), [
    'admin',
    'program_officer',
    'benchmark_custodian',
    'analyst',
    'auditor',
  ])
})

test('every kind offers at least one role; no kind or an unknown one offers none', () => {
  for (const kind of ORG_KINDS) assert.ok(rolesFor(kind).length > 0, kind)
  assert.deepEqual(rolesFor(undefined), [])
  assert.deepEqual(rolesFor('moon-base'), [])
})
