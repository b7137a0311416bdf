/** The selection board of one submission: every proposed partner with both keys, refusals and appeals; and proposing another. */
import { Button, Select, Textarea } from '@trussworks/react-uswds'
import { type ChangeEvent, useState } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { Field } from '../platform/Field.tsx'
import { formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { useSubmission } from '../program/api.ts'
import {
  SECTOR_LABELS,
  type Selection,
  useGrants,
  usePartners,
  usePropose,
  useSelection,
  useSelections,
} from './api.ts'
import { SelectionCard } from './SelectionCard.tsx'
import './partners.css'

export function BoardPage({ submissionId, session }: { submissionId: string; session: Session }) {
  const submission = useSubmission(submissionId)
  const selections = useSelections(submissionId)
  const grants = useGrants({ submissionId })
  const s = submission.data
  const canPropose =
    s &&
    s.state !== 'withdrawn' &&
    s.state !== 'released' &&
    ((session.org?.kind === 'program' && hasRole(session, 'program_officer')) ||
      (session.org?.id === s.labOrgId && hasRole(session, 'lab_member')))

  return (
    <>
      <nav className="usa-breadcrumb padding-top-0 padding-bottom-1" aria-label="Breadcrumbs">
        <ol className="usa-breadcrumb__list">
          <li className="usa-breadcrumb__list-item">
            <Link to="/partners" className="usa-breadcrumb__link">
              <span>Trusted partners</span>
            </Link>
          </li>
          {s ? (
            <li className="usa-breadcrumb__list-item">
              <Link to={`/submissions/${s.id}`} className="usa-breadcrumb__link">
                <span>
                  {s.modelName} {s.modelVersion}
                </span>
              </Link>
            </li>
          ) : null}
          <li className="usa-breadcrumb__list-item usa-current" aria-current="page">
            <span>Selection board</span>
          </li>
        </ol>
      </nav>
      <Page
        title={s ? `Partners for ${s.modelName} ${s.modelVersion}` : 'Selection board'}
        lead={
          s ? (
            <>
              {s.labName} · partner release {formatDateTime(s.partnerReleaseAt)} · public release{' '}
              {formatDateTime(s.publicReleaseAt)}. A partner is selected only when the lab and the
              program both turn their key.
            </>
          ) : undefined
        }
      >
        <ProblemAlert error={submission.error ?? selections.error} />
        {canPropose ? (
          <ProposeForm submissionId={submissionId} taken={selections.data ?? []} />
        ) : null}
        <section aria-labelledby="board-heading">
          <h2 id="board-heading">Proposals</h2>
          {selections.data?.length === 0 ? <p>No partner has been proposed yet.</p> : null}
          {selections.isPending ? <p aria-live="polite">Loading proposals…</p> : null}
          {(selections.data ?? []).map((sel) => (
            <SelectionCard
              key={sel.id}
              selection={sel}
              session={session}
              grants={grants.data ?? []}
              period={s ? { start: s.partnerReleaseAt, end: s.publicReleaseAt } : undefined}
            />
          ))}
        </section>
      </Page>
    </>
  )
}

function ProposeForm({ submissionId, taken }: { submissionId: string; taken: Selection[] }) {
  const partners = usePartners()
  const propose = usePropose()
  const [partnerOrgId, setPartner] = useState('')
  const [rationale, setRationale] = useState('')
  const available = (partners.data ?? []).filter(
    (p) =>
      !taken.some((t) => t.partnerOrgId === p.orgId) &&
      p.vetting.status !== 'rejected' &&
      p.vetting.status !== 'suspended',
  )
  return (
    <section className="ew-panel" aria-labelledby="propose-heading">
      <h2 id="propose-heading" className="ew-panel__title">
        Propose a partner
      </h2>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          propose.mutate(
            {
              submissionId,
              partnerOrgId,
              ...(rationale.trim() ? { rationale: rationale.trim() } : {}),
            },
            {
              onSuccess: () => {
                setPartner('')
                setRationale('')
              },
            },
          )
        }}
      >
        <ProblemAlert error={propose.error} />
        <Field id="propose-partner" label="Partner">
          {(a) => (
            <Select
              {...a}
              name="partner"
              value={partnerOrgId}
              onChange={(e: ChangeEvent<HTMLSelectElement>) => setPartner(e.target.value)}
            >
              <option value="">Choose a partner</option>
              {available.map((p) => (
                <option key={p.orgId} value={p.orgId}>
                  {p.name} ({SECTOR_LABELS[p.sector]}
                  {p.vetting.status === 'vetted' ? '' : ', vetting pending'})
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field id="propose-rationale" label="Why this partner" optional>
          {(a) => (
            <Textarea
              {...a}
              name="rationale"
              className="ew-textarea-short"
              value={rationale}
              onChange={(e: ChangeEvent<HTMLTextAreaElement>) => setRationale(e.target.value)}
            />
          )}
        </Field>
        <Button
          type="submit"
          className="margin-top-2"
          disabled={!partnerOrgId || propose.isPending}
        >
          {propose.isPending ? 'Working…' : 'Propose (turns your key)'}
        </Button>
      </form>
    </section>
  )
}

/** One selection on its own page: where a partner lands from a notification (it cannot see the submission). */
export function SelectionPage({ id, session }: { id: string; session: Session }) {
  const selection = useSelection(id)
  const grants = useGrants({})
  const s = selection.data
  return (
    <Page
      title={s ? `${s.partnerName} for ${s.modelName} ${s.modelVersion}` : 'Partner selection'}
      lead={s ? `${s.labName}` : undefined}
    >
      <ProblemAlert error={selection.error} />
      {selection.isPending ? <p aria-live="polite">Loading…</p> : null}
      {s ? <SelectionCard selection={s} session={session} grants={grants.data ?? []} /> : null}
      <Link to="/partners" className="usa-link">
        Back to trusted partners
      </Link>
    </Page>
  )
}
