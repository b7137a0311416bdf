/** A submission's history, oldest first, as a USWDS process list. */
import { ProcessList, ProcessListHeading, ProcessListItem } from '@trussworks/react-uswds'
import { formatDateTime } from '../platform/format.ts'
import type { SubmissionEvent } from './api.ts'
import { stateLabel } from './states.ts'

const KIND_LABELS: Record<string, string> = {
  registered: 'Registered',
  submitted: 'Registered',
  created: 'Registered',
  accepted: 'Accepted; review window opened',
  transitioned: 'State changed',
  rescheduled: 'Release dates moved',
  withdrawn: 'Withdrawn',
  window_closed: 'Review window closed',
  window_opened: 'Review window opened',
}

function headingFor(e: SubmissionEvent): string {
  if (e.kind === 'transitioned' && e.toState) return `Moved to ${stateLabel(e.toState)}`
  return KIND_LABELS[e.kind] ?? humanize(e.kind)
}

function humanize(kind: string): string {
  const words = kind.replace(/[._]/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function actorName(actor: SubmissionEvent['actor']): string | undefined {
  return actor ? `${actor.personName}, ${actor.orgName}` : 'earlywatch (automatic)'
}

type Dates = { partnerReleaseAt?: string | null; publicReleaseAt?: string | null }

const DATE_LABELS = [
  ['partnerReleaseAt', 'Partner release'],
  ['publicReleaseAt', 'Public release'],
] as const

/** The facts an event carries, in words: dates set or moved, the window opened, the credential destroyed. */
function details(e: SubmissionEvent): string[] {
  const data = e.data ?? {}
  const out: string[] = []
  if (e.kind === 'rescheduled') {
    const before = (data.before ?? {}) as Dates
    const after = (data.after ?? {}) as Dates
    for (const [key, label] of DATE_LABELS) {
      if (before[key] !== after[key])
        out.push(`${label}: ${formatDateTime(before[key])} → ${formatDateTime(after[key])}`)
    }
  } else if (e.kind === 'registered') {
    const dates = data as Dates
    for (const [key, label] of DATE_LABELS)
      if (dates[key]) out.push(`${label} planned for ${formatDateTime(dates[key])}`)
  } else if (e.kind === 'accepted') {
    const w = data.window as { opensAt?: string; closesAt?: string } | undefined
    if (w?.opensAt && w.closesAt)
      out.push(`Review window ${formatDateTime(w.opensAt)} to ${formatDateTime(w.closesAt)}`)
  } else if (e.kind === 'withdrawn' && data.credentialDestroyed) {
    out.push('The stored endpoint credential was destroyed.')
  }
  return out
}

export function EventTimeline({ events }: { events: SubmissionEvent[] }) {
  if (events.length === 0) return <p>No events yet.</p>
  const ordered = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
  return (
    <ProcessList className="ew-events">
      {ordered.map((e) => {
        const who = actorName(e.actor)
        return (
          <ProcessListItem key={e.id}>
            <ProcessListHeading type="h3" className="ew-events__heading">
              {headingFor(e)}
            </ProcessListHeading>
            <p className="ew-events__meta">
              <time dateTime={e.at}>{formatDateTime(e.at)}</time>
              {who ? ` · ${who}` : null}
              {e.fromState && e.toState && e.fromState !== e.toState && e.kind !== 'transitioned'
                ? ` · ${stateLabel(e.fromState)} → ${stateLabel(e.toState)}`
                : null}
            </p>
            {details(e).map((c) => (
              <p key={c} className="ew-events__detail">
                {c}
              </p>
            ))}
            {e.reason ? <p className="ew-events__reason">“{e.reason}”</p> : null}
          </ProcessListItem>
        )
      })}
    </ProcessList>
  )
}
