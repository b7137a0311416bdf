/** One partner: profile, vetting record, points of contact, conflict-of-interest declarations, evidence. */
import { Button, Select, Textarea } from '@trussworks/react-uswds'
import { type ChangeEvent, useState } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { Field } from '../platform/Field.tsx'
import { formatDate, formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { SECTOR_LABELS, usePartner, useRecordVetting } from './api.ts'
import { VettingTag } from './tags.tsx'
import './partners.css'

export function PartnerPage({ orgId, session }: { orgId: string; session: Session }) {
  const partner = usePartner(orgId)
  const p = partner.data
  if (partner.isPending) return <p aria-live="polite">Loading partner…</p>
  if (!p) {
    return (
      <Page title="Partner">
        <ProblemAlert error={partner.error} />
        <Link to="/partners" className="usa-link">
          Back to trusted partners
        </Link>
      </Page>
    )
  }
  const officer = session.org?.kind === 'program' && hasRole(session, 'program_officer')
  return (
    <Page
      title={p.name}
      lead={
        <>
          <VettingTag status={p.vetting.status} /> {SECTOR_LABELS[p.sector]}
          {p.description ? ` · ${p.description}` : ''}
        </>
      }
    >
      <div className="grid-row grid-gap-4">
        <div className="desktop:grid-col-8">
          <section className="ew-panel" aria-labelledby="vetting-heading">
            <h2 id="vetting-heading" className="ew-panel__title">
              Vetting
            </h2>
            <dl className="ew-facts">
              <dt>Status</dt>
              <dd>
                <VettingTag status={p.vetting.status} />
              </dd>
              <dt>Reviewer</dt>
              <dd>{p.vetting.reviewer?.name ?? '—'}</dd>
              <dt>Date</dt>
              <dd>{formatDateTime(p.vetting.at)}</dd>
              {p.vetting.notes ? (
                <>
                  <dt>Notes</dt>
                  <dd>{p.vetting.notes}</dd>
                </>
              ) : null}
              <dt>Website</dt>
              <dd>{p.website ?? '—'}</dd>
            </dl>
          </section>
          <section className="ew-panel" aria-labelledby="contacts-heading">
            <h2 id="contacts-heading" className="ew-panel__title">
              Points of contact
            </h2>
            {p.contacts.length === 0 ? <p className="margin-0">None recorded.</p> : null}
            <ul className="usa-list">
              {p.contacts.map((c) => (
                <li key={c.id}>
                  <strong>{c.name}</strong>
                  {c.title ? `, ${c.title}` : ''} — <a href={`mailto:${c.email}`}>{c.email}</a>
                  {c.phone ? ` · ${c.phone}` : ''}
                </li>
              ))}
            </ul>
          </section>
          <section className="ew-panel" aria-labelledby="coi-heading">
            <h2 id="coi-heading" className="ew-panel__title">
              Conflict-of-interest declarations
            </h2>
            {p.conflicts.length === 0 ? <p className="margin-0">None declared.</p> : null}
            <ul className="usa-list">
              {p.conflicts.map((c) => (
                <li key={c.id}>
                  {c.relatedOrgName ? <strong>{c.relatedOrgName}: </strong> : null}
                  {c.description}{' '}
                  <span className="ew-muted">
                    ({c.declaredBy}, {formatDate(c.declaredAt)})
                  </span>
                </li>
              ))}
            </ul>
          </section>
          {p.evidence.length > 0 ? (
            <section className="ew-panel" aria-labelledby="evidence-heading">
              <h2 id="evidence-heading" className="ew-panel__title">
                Evidence (stored encrypted)
              </h2>
              <ul className="usa-list">
                {p.evidence.map((e) => (
                  <li key={e.id}>
                    {session.org?.kind === 'program' ? (
                      <a className="usa-link" href={`/api/partners/${p.orgId}/evidence/${e.id}`}>
                        {e.filename}
                      </a>
                    ) : (
                      e.filename
                    )}{' '}
                    <span className="ew-muted">
                      {e.contentType}, {Math.ceil(e.size / 1024)} KiB, {e.uploadedBy},{' '}
                      {formatDate(e.uploadedAt)}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
        <aside className="desktop:grid-col-4">
          {officer ? <VettingForm orgId={p.orgId} /> : null}
        </aside>
      </div>
    </Page>
  )
}

function VettingForm({ orgId }: { orgId: string }) {
  const record = useRecordVetting()
  const [status, setStatus] = useState<'vetted' | 'rejected' | 'suspended'>('vetted')
  const [notes, setNotes] = useState('')
  return (
    <form
      className="ew-panel ew-panel--actions"
      aria-labelledby="record-vetting"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        record.mutate({ orgId, status, notes: notes.trim() })
      }}
    >
      <h2 id="record-vetting" className="ew-panel__title">
        Record vetting
      </h2>
      <ProblemAlert error={record.error} />
      <Field id="vetting-status" label="Decision">
        {(a) => (
          <Select
            {...a}
            name="status"
            value={status}
            onChange={(e: ChangeEvent<HTMLSelectElement>) =>
              setStatus(e.target.value as 'vetted' | 'rejected' | 'suspended')
            }
          >
            <option value="vetted">Vetted</option>
            <option value="rejected">Rejected</option>
            <option value="suspended">Suspended</option>
          </Select>
        )}
      </Field>
      <Field id="vetting-notes" label="Notes" optional>
        {(a) => (
          <Textarea
            {...a}
            name="notes"
            className="ew-textarea-short"
            value={notes}
            onChange={(e: ChangeEvent<HTMLTextAreaElement>) => setNotes(e.target.value)}
          />
        )}
      </Field>
      <Button type="submit" className="margin-top-2" disabled={record.isPending}>
        Record (logged)
      </Button>
    </form>
  )
}
