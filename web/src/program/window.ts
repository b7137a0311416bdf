/** How a review window reads in a table cell, a chart label or a sentence. */
import { formatDate, plural } from '../platform/format.ts'
import type { ReviewWindow, Submission } from './api.ts'

/** Short status: "12 days left", "Awaiting acceptance", "Opens Dec 1, 2026", "Closed". */
export function windowStatus(w: ReviewWindow, state: Submission['state']): string {
  if (state === 'withdrawn') return 'Withdrawn'
  if (state === 'released') return 'Released'
  if (state === 'submitted') return 'Awaiting acceptance'
  switch (w.phase) {
    case 'open':
      return `${plural(w.daysLeft, 'day')} left`
    case 'upcoming':
      return `Opens ${formatDate(w.opensAt)}`
    case 'closed':
      return 'Closed'
  }
}

export function windowRange(w: ReviewWindow): string {
  return `${formatDate(w.opensAt)} – ${formatDate(w.closesAt)}`
}

/** Withdrawn before the program accepted it: the window it was offered never existed. */
export function neverOpened(s: Pick<Submission, 'state' | 'acceptedAt'>): boolean {
  return s.state === 'withdrawn' && !s.acceptedAt
}

/** The window's dates for a table cell, or why there are none. */
export function windowCell(s: Pick<Submission, 'state' | 'acceptedAt' | 'window'>): string {
  return neverOpened(s) ? 'Never opened' : windowRange(s.window)
}

/** Before acceptance the window is only the earliest one acceptance could give. */
export function isTentative(s: Pick<Submission, 'state'>): boolean {
  return s.state === 'submitted'
}
