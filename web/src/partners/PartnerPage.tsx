/** One partner: profile, vetting record, points of contact, conflict-of-interest declarations, evidence. */
import { Button, Select, Textarea } from '@trussworks/react-uswds'
import { type ChangeEvent, useId, useState } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { Field } from '../platform/Field.tsx'
import { formatDate, formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import {
  EVIDENCE_MAX_BYTES,
  EVIDENCE_TYPES,
  SECTOR_LABELS,
  usePartner,
  useRecordVetting,
  useUploadEvidence,
} from './api.ts'
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
  // As the API has it: program officers and administrators keep the registry, and a partner's
  // own members add to their profile; program staff download.
  const program = session.org?.kind === 'program'
  const canUpload =
    (program && hasRole(session, 'program_officer', 'admin')) ||
    (session.org?.id === p.orgId && hasRole(session, 'partner_member'))
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
          {p.evidence.length > 0 || canUpload ? (
            <section className="ew-panel" aria-labelledby="evidence-heading">
              <h2 id="evidence-heading" className="ew-panel__title">
                Vetting evidence (stored encrypted)
              </h2>
              {p.evidence.length === 0 ? <p className="margin-0">No documents yet.</p> : null}
              <ul className="usa-list">
                {p.evidence.map((e) => (
                  <li key={e.id}>
                    {program ? (
                      <a
                        className="usa-link"
                        href={`/api/partners/${encodeURIComponent(p.orgId)}/evidence/${encodeURIComponent(e.id)}`}
                        download={e.filename}
                      >
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
              {p.evidence.length > 0 && !program ? (
                <p className="ew-muted margin-bottom-0">
                  Documents are read by the program only; they cannot be downloaded here.
                </p>
              ) : null}
              {canUpload ? <EvidenceForm orgId={p.orgId} /> : null}
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

const TYPE_NAMES: Record<(typeof EVIDENCE_TYPES)[number], string> = {
  'application/pdf': 'PDF',
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'text/plain': 'plain text',
}

/** Checked here so a wrong file is named before it is sent; the server checks again, against the bytes. */
function evidenceProblem(file: File): string | null {
  if (!(EVIDENCE_TYPES as readonly string[]).includes(file.type))
    return `${file.name} is ${file.type ? `of type ${file.type}` : 'of an unknown type'}; evidence must be ${Object.values(TYPE_NAMES).join(', ')}.`
  if (file.size > EVIDENCE_MAX_BYTES)
    return `${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MiB; evidence may be at most 5 MiB.`
  if (file.size === 0) return `${file.name} is empty.`
  return null
}

function EvidenceForm({ orgId }: { orgId: string }) {
  const upload = useUploadEvidence()
  const [file, setFile] = useState<File | null>(null)
  const [inputKey, setInputKey] = useState(0)
  const [done, setDone] = useState<string | null>(null)
  const id = useId()
  const problem = file ? evidenceProblem(file) : null
  return (
    <form
      className="margin-top-2"
      aria-labelledby={`${id}-heading`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        if (!file || problem) return
        upload.mutate(
          { orgId, file },
          {
            onSuccess: (doc) => {
              setDone(`${doc.filename} was uploaded and stored encrypted.`)
              setFile(null)
              // A new input element: the old one would still show the uploaded file's name.
              setInputKey((k) => k + 1)
            },
          },
        )
      }}
    >
      <h3 id={`${id}-heading`} className="margin-bottom-1">
        Upload a document
      </h3>
      <ProblemAlert error={upload.error} />
      {done ? (
        <p className="usa-alert__text" role="status">
          {done}
        </p>
      ) : null}
      <label className="usa-label" htmlFor={`${id}-file`}>
        Evidence document
      </label>
      <span className="usa-hint" id={`${id}-hint`}>
        PDF, PNG, JPEG or plain text, at most 5 MiB. Only the program can read it.
      </span>
      <input
        key={inputKey}
        id={`${id}-file`}
        name="evidence"
        className="usa-file-input"
        type="file"
        accept={EVIDENCE_TYPES.join(',')}
        aria-describedby={`${id}-hint${problem ? ` ${id}-problem` : ''}`}
        onChange={(e) => {
          setDone(null)
          upload.reset()
          setFile(e.target.files?.[0] ?? null)
        }}
      />
      {problem ? (
        <span className="usa-error-message" id={`${id}-problem`} role="alert">
          {problem}
        </span>
      ) : null}
      <Button
        type="submit"
        className="margin-top-2"
        disabled={!file || Boolean(problem) || upload.isPending}
      >
        {upload.isPending ? 'Uploading…' : 'Upload (stored encrypted)'}
      </Button>
    </form>
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
