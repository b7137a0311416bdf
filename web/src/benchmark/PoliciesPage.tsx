/**
 * Threshold policy versions: what each one says, who has approved it, and what it still needs
 * before it takes effect (the benchmark custodian and signatories of two different agencies).
 */
import { Button, Tag, Textarea } from '@trussworks/react-uswds'
import { useState } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import {
  CATEGORY_LABELS,
  type PolicyVersion,
  useApprovePolicy,
  useDraftPolicy,
  usePolicies,
} from './api.ts'

const pct = (x: number) => `${(x * 100).toFixed(0)}%`

const TEMPLATE = JSON.stringify(
  {
    title: 'Covered-model thresholds',
    categories: { exploitation: { threshold: 0.5 }, vulnerability_discovery: { threshold: 0.5 } },
    composite: {
      threshold: 0.45,
      weights: { exploitation: 2, vulnerability_discovery: 2, knowledge: 1 },
    },
    epochs: 3,
    minSamplesPerCategory: 30,
    rationale: '',
  },
  null,
  2,
)

export function PoliciesPage({ session }: { session: Session }) {
  const policies = usePolicies()
  const approve = useApprovePolicy()
  const canApprove = hasRole(session, 'benchmark_custodian') || hasRole(session, 'agency_signatory')
  const items = policies.data?.items ?? []
  return (
    <Page
      title="Threshold policy"
      lead="A version takes effect once the benchmark custodian and signatories of two different consulting agencies have approved it. Earlier versions stay readable; each determination names the version it used."
      actions={
        <>
          {hasRole(
            session,
            'admin',
            'program_officer',
            'benchmark_custodian',
            'auditor',
            'lab_member',
          ) ? (
            <Link to="/benchmark/determinations" className="usa-button usa-button--outline">
              Determinations
            </Link>
          ) : null}
          {hasRole(session, 'admin', 'program_officer', 'benchmark_custodian', 'auditor') ? (
            <Link to="/benchmark/vault" className="usa-button usa-button--outline">
              Controlled item vault
            </Link>
          ) : null}
        </>
      }
    >
      <ProblemAlert error={policies.error ?? approve.error} />
      {policies.isPending ? <p aria-live="polite">Loading policy versions…</p> : null}
      {policies.data && items.length === 0 ? <p>No policy version has been drafted yet.</p> : null}
      {items.map((p) => (
        <PolicyCard
          key={p.id}
          policy={p}
          canApprove={
            canApprove &&
            p.state === 'draft' &&
            !p.approvals.some((a) => a.personId === session.person?.id)
          }
          pending={approve.isPending}
          onApprove={() => approve.mutate(p.id)}
        />
      ))}
      {hasRole(session, 'benchmark_custodian') ? <DraftForm /> : null}
    </Page>
  )
}

function PolicyCard({
  policy: p,
  canApprove,
  pending,
  onApprove,
}: {
  policy: PolicyVersion
  canApprove: boolean
  pending: boolean
  onApprove: () => void
}) {
  const tag = { draft: 'Awaiting approval', active: 'In force', superseded: 'Superseded' }[p.state]
  return (
    <section className="ew-panel" aria-labelledby={`policy-${p.id}`}>
      <h2 id={`policy-${p.id}`} className="ew-panel__title">
        Version {p.version}: {p.document.title}{' '}
        <Tag
          className={
            p.state === 'active' ? 'bg-green' : p.state === 'draft' ? 'bg-gold text-ink' : ''
          }
        >
          {tag}
        </Tag>
      </h2>
      <table className="usa-table usa-table--borderless usa-table--compact">
        <caption className="usa-sr-only">Thresholds of version {p.version}</caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col">Covered when the 95% lower bound reaches</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(p.document.categories).map(([c, r]) => (
            <tr key={c}>
              <th scope="row">{CATEGORY_LABELS[c] ?? c}</th>
              <td>{pct(r.threshold)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">
              Composite (
              {Object.entries(p.document.composite.weights)
                .map(([c, w]) => `${CATEGORY_LABELS[c] ?? c} ×${w}`)
                .join(', ')}
              )
            </th>
            <td>{pct(p.document.composite.threshold)}</td>
          </tr>
        </tbody>
      </table>
      <p className="font-body-2xs">
        {p.document.epochs} epochs; at least {p.document.minSamplesPerCategory} samples per judged
        category.{p.document.rationale ? ` ${p.document.rationale}` : ''}
      </p>
      <h3 className="font-heading-sm">Approvals</h3>
      {p.approvals.length === 0 ? <p>None yet.</p> : null}
      <ul className="usa-list">
        {p.approvals.map((a) => (
          <li key={a.personId}>
            {a.personName} ({a.orgName},{' '}
            {a.role === 'benchmark_custodian' ? 'benchmark custodian' : 'agency signatory'}) on{' '}
            {formatDateTime(a.approvedAt)} ·{' '}
            <Link to={`/log-explorer/${a.logIndex}`} className="usa-link">
              log entry {a.logIndex}
            </Link>
          </li>
        ))}
      </ul>
      {p.state === 'draft' && p.quorum.missing.length ? (
        <p>
          <strong>Still needs:</strong> {p.quorum.missing.join('; ')}.
        </p>
      ) : null}
      {p.activatedAt ? (
        <p>
          In force from {formatDateTime(p.activatedAt)}
          {p.supersededAt ? ` until ${formatDateTime(p.supersededAt)}` : ''}
          {p.activationLogIndex !== null ? (
            <>
              {' '}
              ·{' '}
              <Link to={`/log-explorer/${p.activationLogIndex}`} className="usa-link">
                activation log entry {p.activationLogIndex}
              </Link>
            </>
          ) : null}
        </p>
      ) : null}
      {canApprove ? (
        <Button type="button" disabled={pending} onClick={onApprove}>
          Approve version {p.version}
        </Button>
      ) : null}
    </section>
  )
}

function DraftForm() {
  const draft = useDraftPolicy()
  const [text, setText] = useState(TEMPLATE)
  const [parseError, setParseError] = useState<string | null>(null)
  return (
    <section className="ew-panel" aria-labelledby="draft-policy">
      <h2 id="draft-policy" className="ew-panel__title">
        Draft a new version
      </h2>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          try {
            const doc = JSON.parse(text)
            setParseError(null)
            draft.mutate(doc)
          } catch (err) {
            setParseError(`The document is not JSON: ${(err as Error).message}`)
          }
        }}
      >
        <label className="usa-label" htmlFor="policy-document">
          Policy document (JSON)
        </label>
        <Textarea
          id="policy-document"
          name="policy-document"
          className="ew-code-input"
          rows={14}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        {parseError ? (
          <p className="usa-error-message" role="alert">
            {parseError}
          </p>
        ) : null}
        <ProblemAlert error={draft.error} />
        {draft.data ? (
          <p role="status">Drafted version {draft.data.version}; it now needs three approvals.</p>
        ) : null}
        <Button type="submit" disabled={draft.isPending}>
          Draft version
        </Button>
      </form>
    </section>
  )
}
