/** The pure rules of the program registry: review windows, states, dates and deadline notices, with injected clocks. */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Principal, Role } from '../accounts/model.ts'
import { DAY_MS } from '../platform/clock.ts'
import { isAppError } from '../platform/errors.ts'
import {
  assertReschedulable,
  assertTransition,
  canSee,
  computeWindow,
  isNoticeCurrent,
  noticeDedupeKey,
  noticeSchedule,
  noticesToSchedule,
  parseTimestamp,
  partyOf,
  SUBMISSION_STATES,
  type SubmissionState,
  TRANSITIONS,
  validateOfferedDays,
  validateReleaseDates,
  type WindowInput,
} from './model.ts'

const d = (s: string) => new Date(s)
const HOUR = 3_600_000

function input(over: Partial<WindowInput> = {}): WindowInput {
  return {
    partnerReleaseAt: d('2026-12-31T00:00:00Z'),
    publicReleaseAt: null,
    offeredDays: 30,
    acceptedAt: null,
    state: 'submitted',
    ...over,
  }
}

function ts(value: string): Date {
  const r = parseTimestamp(value)
  if (!r.ok) throw new Error(r.message)
  return r.value
}

function throwsCode(fn: () => unknown, code: string, field?: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isAppError(err), `expected an AppError, got ${String(err)}`)
    assert.equal(err.code, code)
    if (field) assert.equal(err.errors?.[0]?.path, field)
    return true
  })
}

describe('computeWindow', () => {
  test('opens the offered days before the partner release once accepted early enough', () => {
    const w = computeWindow(
      input({ acceptedAt: d('2026-11-01T00:00:00Z'), state: 'in_review' }),
      d('2026-12-05T00:00:00Z'),
    )
    assert.deepEqual(w, {
      opensAt: d('2026-12-01T00:00:00Z'),
      closesAt: d('2026-12-31T00:00:00Z'),
      days: 30,
      phase: 'open',
      daysLeft: 26,
    })
  })

  test('closes at the public release when there is no partner release', () => {
    const w = computeWindow(
      input({ partnerReleaseAt: null, publicReleaseAt: d('2027-01-15T12:00:00Z') }),
      d('2026-11-01T00:00:00Z'),
    )
    assert.deepEqual(w.closesAt, d('2027-01-15T12:00:00Z'))
  })

  test('closes at the partner release when both are given', () => {
    const w = computeWindow(
      input({ publicReleaseAt: d('2027-02-01T00:00:00Z') }),
      d('2026-11-01T00:00:00Z'),
    )
    assert.deepEqual(w.closesAt, d('2026-12-31T00:00:00Z'))
  })

  test('never lasts more than 30 days, even if a stored offer says more', () => {
    const w = computeWindow(
      input({ offeredDays: 45, acceptedAt: d('2026-10-01T00:00:00Z'), state: 'in_review' }),
      d('2026-10-02T00:00:00Z'),
    )
    assert.equal(w.days, 30)
    assert.deepEqual(w.opensAt, d('2026-12-01T00:00:00Z'))
    assert.equal(w.phase, 'upcoming')
  })

  test('a lab offering fewer days gets a shorter window', () => {
    const w = computeWindow(
      input({ offeredDays: 10, acceptedAt: d('2026-11-01T00:00:00Z'), state: 'in_review' }),
      d('2026-12-20T00:00:00Z'),
    )
    assert.deepEqual(w.opensAt, d('2026-12-21T00:00:00Z'))
    assert.equal(w.days, 10)
    assert.equal(w.phase, 'upcoming')
    assert.equal(w.daysLeft, 11)
  })

  test('opens at acceptance when the program accepts after the nominal start', () => {
    const accepted = d('2026-12-10T06:00:00Z')
    const w = computeWindow(input({ acceptedAt: accepted, state: 'in_review' }), accepted)
    assert.deepEqual(w.opensAt, accepted)
    assert.equal(w.days, 20.8)
    assert.equal(w.phase, 'open')
    assert.equal(w.daysLeft, 21)
  })

  test('before acceptance the window is upcoming, and opens no earlier than now', () => {
    const now = d('2026-12-10T00:00:00Z')
    const w = computeWindow(input(), now)
    assert.equal(w.phase, 'upcoming')
    assert.deepEqual(w.opensAt, now)
    assert.equal(w.days, 21)
  })

  test('acceptance after the deadline gives a zero-length, closed window', () => {
    const w = computeWindow(
      input({ acceptedAt: d('2027-01-02T00:00:00Z'), state: 'in_review' }),
      d('2027-01-02T00:00:00Z'),
    )
    assert.deepEqual(w.opensAt, w.closesAt)
    assert.equal(w.days, 0)
    assert.equal(w.phase, 'closed')
    assert.equal(w.daysLeft, 0)
  })

  test('is closed from the closing instant on', () => {
    const s = input({ acceptedAt: d('2026-11-01T00:00:00Z'), state: 'in_review' })
    assert.equal(computeWindow(s, d('2026-12-30T23:59:59.999Z')).phase, 'open')
    assert.equal(computeWindow(s, d('2026-12-31T00:00:00Z')).phase, 'closed')
  })

  test('is closed once the lab releases or withdraws, whatever the dates say', () => {
    for (const state of ['released', 'withdrawn'] as const) {
      const w = computeWindow(
        input({ acceptedAt: d('2026-11-01T00:00:00Z'), state }),
        d('2026-12-05T00:00:00Z'),
      )
      assert.equal(w.phase, 'closed', state)
      assert.equal(w.daysLeft, 0, state)
    }
  })

  describe('moving release dates', () => {
    const accepted = input({ acceptedAt: d('2026-11-01T00:00:00Z'), state: 'in_review' })
    const now = d('2026-12-05T00:00:00Z')

    test('earlier: the window shrinks from the front, keeping its cap', () => {
      const w = computeWindow({ ...accepted, partnerReleaseAt: d('2026-12-20T00:00:00Z') }, now)
      assert.deepEqual(w.opensAt, d('2026-11-20T00:00:00Z'))
      assert.deepEqual(w.closesAt, d('2026-12-20T00:00:00Z'))
      assert.equal(w.daysLeft, 15)
    })

    test('earlier than acceptance plus the offer: the window starts at acceptance', () => {
      const w = computeWindow({ ...accepted, partnerReleaseAt: d('2026-11-11T00:00:00Z') }, now)
      assert.deepEqual(w.opensAt, d('2026-11-01T00:00:00Z'))
      assert.equal(w.days, 10)
      assert.equal(w.phase, 'closed')
    })

    test('to within hours: the window simply closes sooner', () => {
      const w = computeWindow(
        { ...accepted, partnerReleaseAt: new Date(now.getTime() + 5 * HOUR) },
        now,
      )
      assert.equal(w.phase, 'open')
      assert.equal(w.daysLeft, 1)
    })

    test('later: the window moves with it and may not have opened yet', () => {
      const w = computeWindow({ ...accepted, partnerReleaseAt: d('2027-03-01T00:00:00Z') }, now)
      assert.deepEqual(w.opensAt, d('2027-01-30T00:00:00Z'))
      assert.equal(w.phase, 'upcoming')
    })
  })

  describe('time zones', () => {
    test('offsets are instants: New York 09:00 and Kolkata 19:30 are the same deadline', () => {
      const ny = computeWindow(
        input({ partnerReleaseAt: ts('2026-12-01T09:00:00-05:00') }),
        d('2026-10-01T00:00:00Z'),
      )
      const del = computeWindow(
        input({ partnerReleaseAt: ts('2026-12-01T19:30:00+05:30') }),
        d('2026-10-01T00:00:00Z'),
      )
      assert.deepEqual(ny.closesAt, d('2026-12-01T14:00:00Z'))
      assert.deepEqual(del.closesAt, ny.closesAt)
      assert.deepEqual(del.opensAt, ny.opensAt)
    })

    test('across the spring DST change in New York, a day is 24 hours and the local hour shifts', () => {
      // Release 09:00 EDT on 20 March 2026; clocks went forward on 8 March, so 30 × 24 h
      // earlier is 08:00 EST on 18 February, not 09:00.
      const w = computeWindow(
        input({
          partnerReleaseAt: ts('2026-03-20T09:00:00-04:00'),
          acceptedAt: d('2026-01-01T00:00:00Z'),
          state: 'in_review',
        }),
        d('2026-03-01T00:00:00Z'),
      )
      assert.deepEqual(w.opensAt, ts('2026-02-18T08:00:00-05:00'))
      assert.equal(w.days, 30)
    })

    test('across the autumn DST change, likewise', () => {
      // 1 November 2026 ends EDT; 09:00 EST on 20 November minus 30 days is 10:00 EDT on 21 October.
      const w = computeWindow(
        input({
          partnerReleaseAt: ts('2026-11-20T09:00:00-05:00'),
          acceptedAt: d('2026-10-01T00:00:00Z'),
          state: 'in_review',
        }),
        d('2026-10-01T00:00:00Z'),
      )
      assert.deepEqual(w.opensAt, ts('2026-10-21T10:00:00-04:00'))
    })

    test('Kolkata (+05:30, no DST) keeps its half-hour through the window', () => {
      const w = computeWindow(
        input({
          partnerReleaseAt: ts('2026-12-01T00:00:00+05:30'),
          acceptedAt: d('2026-10-01T00:00:00Z'),
          state: 'in_review',
        }),
        d('2026-11-15T00:00:00Z'),
      )
      assert.deepEqual(w.opensAt, ts('2026-11-01T00:00:00+05:30'))
      assert.deepEqual(w.opensAt, d('2026-10-31T18:30:00Z'))
    })
  })

  describe('daysLeft rounds up: any time left counts as a day', () => {
    const s = input({ acceptedAt: d('2026-11-01T00:00:00Z'), state: 'in_review' })
    const close = d('2026-12-31T00:00:00Z').getTime()
    for (const [left, expected] of [
      [1, 1],
      [HOUR, 1],
      [DAY_MS, 1],
      [DAY_MS + 1, 2],
      [7 * DAY_MS, 7],
      [7 * DAY_MS - 1, 7],
      [7 * DAY_MS + 1, 8],
      [0, 0],
    ] as const) {
      test(`${left} ms before closing → ${expected}`, () => {
        assert.equal(computeWindow(s, new Date(close - left)).daysLeft, expected)
      })
    }
  })
})

describe('parseTimestamp', () => {
  test('stores offsets as UTC instants', () => {
    assert.deepEqual(ts('2026-12-01T09:00:00-05:00'), d('2026-12-01T14:00:00Z'))
    assert.deepEqual(ts('2026-12-01T09:00:00+05:30'), d('2026-12-01T03:30:00Z'))
    assert.deepEqual(ts('2026-12-01T09:00:00Z'), d('2026-12-01T09:00:00Z'))
    assert.deepEqual(ts('2026-12-01T09:00:00.250Z'), d('2026-12-01T09:00:00.250Z'))
    assert.deepEqual(ts('2026-12-31T23:30:00-01:00'), d('2027-01-01T00:30:00Z'))
  })

  const refused: Array<[string, RegExp]> = [
    ['2026-12-01', /date alone.*2026-12-01T09:00:00-05:00/],
    ['2026-12-01T09:00:00', /no UTC offset/],
    ['2026-12-01T09:00', /no UTC offset/],
    ['2026-12-01T09:00:00+0530', /ISO 8601/],
    ['1 December 2026', /ISO 8601/],
    ['', /ISO 8601/],
    ['2026-02-29T09:00:00Z', /not a date in the calendar/],
    ['2026-13-01T09:00:00Z', /not a date in the calendar/],
    ['2026-12-01T24:00:00Z', /not a time of day/],
    ['2026-12-01T09:00:00+15:00', /not a UTC offset/],
    ['0026-12-01T09:00:00Z', /not a plausible year/],
  ]
  for (const [value, message] of refused) {
    test(`refuses ${JSON.stringify(value)}`, () => {
      const r = parseTimestamp(value)
      assert.equal(r.ok, false)
      assert.match((r as { message: string }).message, message)
    })
  }

  test('accepts 29 February in a leap year', () => {
    assert.deepEqual(ts('2028-02-29T00:00:00Z'), d('2028-02-29T00:00:00Z'))
  })
})

describe('validateReleaseDates', () => {
  const now = d('2026-11-01T00:00:00Z')

  test('accepts future dates in order, or either one alone', () => {
    validateReleaseDates(
      { partnerReleaseAt: d('2026-12-01T00:00:00Z'), publicReleaseAt: d('2026-12-15T00:00:00Z') },
      ['partnerReleaseAt', 'publicReleaseAt'],
      now,
    )
    validateReleaseDates(
      { partnerReleaseAt: null, publicReleaseAt: d('2026-12-15T00:00:00Z') },
      ['publicReleaseAt'],
      now,
    )
    validateReleaseDates(
      { partnerReleaseAt: d('2026-12-01T00:00:00Z'), publicReleaseAt: null },
      ['partnerReleaseAt'],
      now,
    )
    validateReleaseDates(
      { partnerReleaseAt: d('2026-12-01T00:00:00Z'), publicReleaseAt: d('2026-12-01T00:00:00Z') },
      ['partnerReleaseAt'],
      now,
    )
  })

  test('refuses no dates at all, naming the field', () => {
    throwsCode(
      () => validateReleaseDates({ partnerReleaseAt: null, publicReleaseAt: null }, [], now),
      'EW_VALIDATION',
      'publicReleaseAt',
    )
  })

  test('refuses a date now or in the past, naming the field', () => {
    throwsCode(
      () =>
        validateReleaseDates(
          { partnerReleaseAt: now, publicReleaseAt: null },
          ['partnerReleaseAt'],
          now,
        ),
      'EW_VALIDATION',
      'partnerReleaseAt',
    )
    throwsCode(
      () =>
        validateReleaseDates(
          { partnerReleaseAt: null, publicReleaseAt: d('2026-10-31T23:59:59Z') },
          ['publicReleaseAt'],
          now,
        ),
      'EW_VALIDATION',
      'publicReleaseAt',
    )
  })

  test('a date not being changed may already be past (public date moved after the partner release)', () => {
    validateReleaseDates(
      { partnerReleaseAt: d('2026-10-01T00:00:00Z'), publicReleaseAt: d('2026-12-01T00:00:00Z') },
      ['publicReleaseAt'],
      now,
    )
  })

  test('refuses a partner release after the public release', () => {
    throwsCode(
      () =>
        validateReleaseDates(
          {
            partnerReleaseAt: d('2026-12-02T00:00:00Z'),
            publicReleaseAt: d('2026-12-01T00:00:00Z'),
          },
          ['partnerReleaseAt'],
          now,
        ),
      'EW_VALIDATION',
      'partnerReleaseAt',
    )
  })

  test('refuses a date more than five years ahead (a typo, not a plan)', () => {
    throwsCode(
      () =>
        validateReleaseDates(
          { partnerReleaseAt: d('2062-01-01T00:00:00Z'), publicReleaseAt: null },
          ['partnerReleaseAt'],
          now,
        ),
      'EW_VALIDATION',
      'partnerReleaseAt',
    )
  })
})

test('validateOfferedDays: whole days from 1 to 30', () => {
  for (const ok of [1, 10, 30]) validateOfferedDays(ok)
  for (const bad of [0, 31, -1, 1.5, Number.NaN])
    throwsCode(() => validateOfferedDays(bad), 'EW_VALIDATION', 'offeredDays')
})

describe('states and who changes them', () => {
  function principal(orgId: string, orgKind: Principal['orgKind'], roles: Role[]): Principal {
    return {
      personId: 'per_x',
      personName: 'X',
      email: 'x@example.test',
      orgId,
      orgKind,
      orgName: orgId,
      roles,
      via: 'token',
    }
  }
  const lab = principal('org_lab', 'lab', ['lab_member'])
  const otherLab = principal('org_other', 'lab', ['lab_member'])
  const officer = principal('org_prog', 'program', ['program_officer'])
  const auditor = principal('org_agency', 'agency', ['auditor'])
  const partner = principal('org_partner', 'partner', ['partner_member'])

  test('parties', () => {
    assert.equal(partyOf(lab, 'org_lab'), 'lab')
    assert.equal(partyOf(otherLab, 'org_lab'), null)
    assert.equal(partyOf(officer, 'org_lab'), 'program')
    assert.equal(partyOf(auditor, 'org_lab'), null)
    assert.equal(partyOf(partner, 'org_lab'), null)
  })

  test('visibility: program-wide roles see all, a lab its own, others nothing', () => {
    assert.equal(canSee(lab, 'org_lab'), true)
    assert.equal(canSee(otherLab, 'org_lab'), false)
    assert.equal(canSee(officer, 'org_lab'), true)
    assert.equal(canSee(auditor, 'org_lab'), true)
    assert.equal(canSee(partner, 'org_lab'), false)
  })

  test('the forward path: program accepts, determines, grants partner access; the lab releases', () => {
    assertTransition('submitted', 'in_review', 'program')
    assertTransition('in_review', 'determined', 'program')
    assertTransition('determined', 'partner_access', 'program')
    assertTransition('partner_access', 'released', 'lab')
  })

  test('the lab can withdraw from every state but withdrawn', () => {
    for (const from of SUBMISSION_STATES) {
      if (from === 'withdrawn')
        throwsCode(() => assertTransition(from, 'withdrawn', 'lab'), 'EW_INVALID_TRANSITION')
      else assertTransition(from, 'withdrawn', 'lab')
    }
  })

  test('the lab can release from every state before release: nothing waits on the program', () => {
    for (const from of ['submitted', 'in_review', 'determined', 'partner_access'] as const) {
      assertTransition(from, 'released', 'lab')
    }
  })

  test('the program cannot release or withdraw for the lab, and the lab cannot accept or determine', () => {
    throwsCode(() => assertTransition('in_review', 'released', 'program'), 'EW_FORBIDDEN')
    throwsCode(() => assertTransition('in_review', 'withdrawn', 'program'), 'EW_FORBIDDEN')
    throwsCode(() => assertTransition('submitted', 'in_review', 'lab'), 'EW_FORBIDDEN')
    throwsCode(() => assertTransition('in_review', 'determined', 'lab'), 'EW_FORBIDDEN')
    throwsCode(() => assertTransition('submitted', 'in_review', null), 'EW_FORBIDDEN')
  })

  test('changes that skip or reverse the path are refused as transitions, naming what is possible', () => {
    assert.throws(
      () => assertTransition('submitted', 'determined', 'program'),
      /can become in_review or released or withdrawn/,
    )
    throwsCode(
      () => assertTransition('determined', 'in_review', 'program'),
      'EW_INVALID_TRANSITION',
    )
    throwsCode(
      () => assertTransition('released', 'partner_access', 'program'),
      'EW_INVALID_TRANSITION',
    )
    throwsCode(() => assertTransition('withdrawn', 'in_review', 'program'), 'EW_INVALID_TRANSITION')
  })

  test('every state except withdrawn has a way out, and withdrawn none', () => {
    const exits = (s: SubmissionState) => TRANSITIONS.filter((t) => t.from.includes(s))
    for (const s of SUBMISSION_STATES) assert.equal(exits(s).length === 0, s === 'withdrawn', s)
  })

  test('release dates move in every state until released or withdrawn', () => {
    for (const s of ['submitted', 'in_review', 'determined', 'partner_access'] as const)
      assertReschedulable(s)
    throwsCode(() => assertReschedulable('released'), 'EW_INVALID_TRANSITION')
    throwsCode(() => assertReschedulable('withdrawn'), 'EW_INVALID_TRANSITION')
  })
})

describe('deadline notices', () => {
  const w30 = { opensAt: d('2026-12-01T00:00:00Z'), closesAt: d('2026-12-31T00:00:00Z') }

  test('a 30-day window: opens, 7 days, 1 day, closed', () => {
    assert.deepEqual(noticeSchedule(w30), [
      { kind: 'window_opens', at: d('2026-12-01T00:00:00Z') },
      { kind: 'closes_in_7_days', at: d('2026-12-24T00:00:00Z') },
      { kind: 'closes_in_1_day', at: d('2026-12-30T00:00:00Z') },
      { kind: 'window_closed', at: d('2026-12-31T00:00:00Z') },
    ])
  })

  test('a 5-day window has no 7-day notice; a 1-day window no 1-day notice', () => {
    const five = { opensAt: d('2026-12-26T00:00:00Z'), closesAt: d('2026-12-31T00:00:00Z') }
    assert.deepEqual(
      noticeSchedule(five).map((n) => n.kind),
      ['window_opens', 'closes_in_1_day', 'window_closed'],
    )
    const one = { opensAt: d('2026-12-30T00:00:00Z'), closesAt: d('2026-12-31T00:00:00Z') }
    assert.deepEqual(
      noticeSchedule(one).map((n) => n.kind),
      ['window_opens', 'window_closed'],
    )
  })

  test('a zero-length window calls for no notices', () => {
    assert.deepEqual(noticeSchedule({ opensAt: w30.closesAt, closesAt: w30.closesAt }), [])
  })

  test('on acceptance every notice is scheduled, including the opening one at this instant', () => {
    const now = d('2026-12-10T00:00:00Z')
    const w = computeWindow(input({ acceptedAt: now, state: 'in_review' }), now)
    assert.deepEqual(
      noticesToSchedule([], noticeSchedule(w), now).map((n) => n.kind),
      ['window_opens', 'closes_in_7_days', 'closes_in_1_day', 'window_closed'],
    )
  })

  test('after moving dates earlier, only new notices still ahead are scheduled', () => {
    const now = d('2026-12-05T00:00:00Z')
    const s = input({ acceptedAt: d('2026-11-01T00:00:00Z'), state: 'in_review' })
    const before = noticeSchedule(computeWindow(s, now))
    const moved = { ...s, partnerReleaseAt: d('2026-12-10T00:00:00Z') }
    const after = noticeSchedule(computeWindow(moved, now))
    // Opening (10 Nov) and 7 days before (3 Dec) are past; they are not sent late.
    assert.deepEqual(noticesToSchedule(before, after, now), [
      { kind: 'closes_in_1_day', at: d('2026-12-09T00:00:00Z') },
      { kind: 'window_closed', at: d('2026-12-10T00:00:00Z') },
    ])
  })

  test('a notice is current only while its window still calls for it and the submission is in review', () => {
    const s = input({ acceptedAt: d('2026-11-01T00:00:00Z'), state: 'in_review' })
    const now = d('2026-12-24T00:00:00Z')
    const seven = { kind: 'closes_in_7_days' as const, at: d('2026-12-24T00:00:00Z') }
    assert.equal(isNoticeCurrent(s, seven, now), true)
    assert.equal(isNoticeCurrent({ ...s, state: 'partner_access' }, seven, now), true)
    assert.equal(
      isNoticeCurrent({ ...s, partnerReleaseAt: d('2027-01-05T00:00:00Z') }, seven, now),
      false,
    )
    assert.equal(isNoticeCurrent({ ...s, state: 'withdrawn' }, seven, now), false)
    assert.equal(isNoticeCurrent({ ...s, state: 'released' }, seven, now), false)
    assert.equal(isNoticeCurrent({ ...s, acceptedAt: null, state: 'submitted' }, seven, now), false)
  })

  test('dedupe keys differ per organisation, kind and target time', () => {
    const n = { kind: 'window_opens' as const, at: d('2026-12-01T00:00:00Z') }
    const keys = new Set([
      noticeDedupeKey('sub_1', n, 'org_a'),
      noticeDedupeKey('sub_1', n, 'org_b'),
      noticeDedupeKey('sub_1', { ...n, kind: 'window_closed' }, 'org_a'),
      noticeDedupeKey('sub_1', { ...n, at: d('2026-12-02T00:00:00Z') }, 'org_a'),
      noticeDedupeKey('sub_2', n, 'org_a'),
    ])
    assert.equal(keys.size, 5)
  })
})
