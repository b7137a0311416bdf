/** One submission: its facts, its review window, its history, and what the reader may do next. */
import { Alert, AlertText } from '@trussworks/react-uswds'
import { useState } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { useSubmissionDeterminations } from '../benchmark/api.ts'
import { OutcomeTag } from '../benchmark/DeterminationPage.tsx'
import { useFlash } from '../platform/flash.ts'
import { formatDateTime, plural } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { type Submission, useSubmission, useSubmissionEvents } from './api.ts'
import { EventTimeline } from './EventTimeline.tsx'
import { StateTag } from './StateTag.tsx'
import { SubmissionActions } from './SubmissionActions.tsx'
import { STATE_INFO } from './states.ts'
import { windowStatus } from './window.ts'

export function DetailPage({ id, session }: { id: string; session: Session }) {
  const submission = useSubmission(id)
  const events = useSubmissionEvents(id)
  const flash = useFlash()
  const [done, setDone] = useState<string | undefined>(flash)

  if (submission.isPending) return <p aria-live="polite">Loading submission…</p>
  if (submission.error) {
    return (
      <Page title="Submission">
        <ProblemAlert error={submission.error} />
        <Link to="/" className="usa-link">
          Back to the program overview
        </Link>
      </Page>
    )
  }
  const s = submission.data

  return (
    <>
      <nav className="usa-breadcrumb padding-top-0 padding-bottom-1" aria-label="Breadcrumbs">
        <ol className="usa-breadcrumb__list">
          <li className="usa-breadcrumb__list-item">
            <Link to="/" className="usa-breadcrumb__link">
              <span>Program overview</span>
            </Link>
          </li>
          <li className="usa-breadcrumb__list-item usa-current" aria-current="page">
            <span>
              {s.modelName} {s.modelVersion}
            </span>
          </li>
        </ol>
      </nav>
      <Page
        title={`${s.modelName} ${s.modelVersion}`}
        lead={
          <>
            <StateTag state={s.state} /> <span className="margin-left-1">{s.labName}</span>
            <span className="text-base"> · {STATE_INFO[s.state].meaning}</span>
          </>
        }
      >
        <div aria-live="polite">
          {done ? (
            <Alert type="success" slim className="margin-bottom-3">
              <AlertText>{done}</AlertText>
            </Alert>
          ) : null}
        </div>
        <div className="grid-row grid-gap-4">
          <div className="desktop:grid-col-8">
            <WindowSummary submission={s} />
            <section aria-labelledby="facts-heading" className="ew-panel">
              <h2 id="facts-heading" className="ew-panel__title">
                Submission
              </h2>
              <Facts submission={s} />
            </section>
            {hasRole(
              session,
              'admin',
              'program_officer',
              'benchmark_custodian',
              'auditor',
              'lab_member',
            ) ? (
              <Determinations submissionId={s.id} />
            ) : null}
            <section aria-labelledby="events-heading" className="ew-panel">
              <h2 id="events-heading" className="ew-panel__title">
                Timeline
              </h2>
              <ProblemAlert error={events.error} />
              {events.data ? (
                <EventTimeline events={events.data} />
              ) : events.isPending ? (
                <p>Loading timeline…</p>
              ) : null}
            </section>
          </div>
          <aside className="desktop:grid-col-4" aria-labelledby="actions-heading">
            <div className="ew-panel ew-panel--actions">
              <h2 id="actions-heading" className="ew-panel__title">
                Actions
              </h2>
              <SubmissionActions submission={s} session={session} onDone={setDone} />
              <p>
                <Link to={`/submissions/${s.id}/partners`} className="usa-link">
                  Trusted partners for this model
                </Link>
              </p>
              <p className="ew-assurance">
                Moving release dates never needs approval, and nothing here can block a release.
                Taking part is voluntary; a lab may withdraw at any time.
              </p>
            </div>
          </aside>
        </div>
      </Page>
    </>
  )
}

/** The submission's determinations, newest first, each linking to its report. */
function Determinations({ submissionId }: { submissionId: string }) {
  const list = useSubmissionDeterminations(submissionId, true)
  const items = list.data?.items ?? []
  return (
    <section aria-labelledby="determinations-heading" className="ew-panel">
      <h2 id="determinations-heading" className="ew-panel__title">
        Determinations
      </h2>
      <ProblemAlert error={list.error} />
      {list.isPending ? <p>Loading determinations…</p> : null}
      {list.data && items.length === 0 ? (
        <p className="margin-0">No determination yet: the controlled benchmark has not run.</p>
      ) : null}
      {items.length ? (
        <ul className="usa-list usa-list--unstyled">
          {items.map((d) => (
            <li key={d.id} className="margin-bottom-1">
              <OutcomeTag outcome={d.outcome} />{' '}
              <Link to={`/determinations/${d.id}`} className="usa-link">
                Report of {formatDateTime(d.createdAt)}
              </Link>{' '}
              <span className="text-base">· policy version {d.policyVersion}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  )
}

function WindowSummary({ submission: s }: { submission: Submission }) {
  const w = s.window
  if (!s.acceptedAt && s.state === 'withdrawn') {
    return (
      <section className="ew-window ew-panel" aria-labelledby="window-heading">
        <h2 id="window-heading" className="ew-panel__title">
          Review window
        </h2>
        <p className="margin-0">
          Never opened: the lab withdrew before the program accepted the submission.
        </p>
      </section>
    )
  }
  const tentative = !s.acceptedAt
  const opens = Date.parse(w.opensAt)
  const span = Date.parse(w.closesAt) - opens
  const share =
    w.phase === 'closed'
      ? 1
      : w.phase === 'upcoming' || span <= 0
        ? 0
        : Math.min(1, (Date.now() - opens) / span)
  const elapsed = Math.round(share * w.days * 10) / 10
  const percent = Math.round(share * 100)
  return (
    <section className="ew-window ew-panel" aria-labelledby="window-heading">
      <div className="ew-window__head">
        <h2 id="window-heading" className="ew-panel__title margin-0">
          Review window
        </h2>
        <span className="ew-window__status">{windowStatus(w, s.state)}</span>
      </div>
      <div
        className="ew-window__bar"
        role="progressbar"
        aria-label="Review window elapsed"
        aria-valuemin={0}
        aria-valuemax={w.days}
        aria-valuenow={elapsed}
        aria-valuetext={`${elapsed} of ${plural(w.days, 'day')} elapsed`}
      >
        <span style={{ width: `${percent}%`, backgroundColor: STATE_INFO[s.state].color }} />
      </div>
      <dl className="ew-window__facts">
        <div>
          <dt>{tentative ? 'Opens at the earliest' : 'Opens'}</dt>
          <dd>{formatDateTime(w.opensAt)}</dd>
        </div>
        <div>
          <dt>Closes</dt>
          <dd>{formatDateTime(w.closesAt)}</dd>
        </div>
        <div>
          <dt>{tentative ? 'Length at most' : 'Length'}</dt>
          <dd>{plural(w.days, 'day')}</dd>
        </div>
      </dl>
    </section>
  )
}

function Facts({ submission: s }: { submission: Submission }) {
  return (
    <dl className="ew-facts">
      <dt>Description</dt>
      <dd>{s.description || '—'}</dd>
      <dt>Intended capabilities</dt>
      <dd>
        {s.intendedCapabilities.length ? (
          <ul className="ew-chips">
            {s.intendedCapabilities.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        ) : (
          '—'
        )}
      </dd>
      <dt>Endpoint</dt>
      <dd>
        <code className="ew-code">{s.endpoint.baseUrl}</code>
        <br />
        {s.endpoint.protocol === 'anthropic' ? 'Anthropic Messages' : 'OpenAI Chat Completions'} ·
        model <code className="ew-code">{s.endpoint.modelId}</code>
      </dd>
      <dt>Credential</dt>
      <dd>{s.endpoint.hasCredential ? 'Stored, encrypted (never shown)' : 'None stored'}</dd>
      <dt>Access offered</dt>
      <dd>{plural(s.offeredDays, 'day')}</dd>
      <dt>Partner release</dt>
      <dd>{formatDateTime(s.partnerReleaseAt)}</dd>
      <dt>Public release</dt>
      <dd>{formatDateTime(s.publicReleaseAt)}</dd>
      <dt>Registered</dt>
      <dd>{formatDateTime(s.createdAt)}</dd>
      <dt>Accepted</dt>
      <dd>{s.acceptedAt ? formatDateTime(s.acceptedAt) : 'Not yet'}</dd>
    </dl>
  )
}
