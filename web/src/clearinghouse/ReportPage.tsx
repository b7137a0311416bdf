/** One report: what was reported, its AI evidence and SLAs, and (for analysts) triage, SSVC and opening a case. */
import { Button, Select, Table, Textarea, TextInput } from '@trussworks/react-uswds'
import { type FormEvent, useState } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link, navigate } from '../platform/router.tsx'
import {
  type Case,
  post,
  type Report,
  type ReportState,
  stateLabel,
  useChange,
  useReport,
} from './api.ts'
import { ReportStateTag, SlaBadge, TlpTag } from './Tags.tsx'

const NEXT: Record<ReportState, ReportState[]> = {
  new: ['triaging', 'duplicate', 'out_of_scope'],
  triaging: ['validated', 'not_reproducible', 'duplicate', 'out_of_scope'],
  validated: [],
  not_reproducible: ['triaging'],
  duplicate: ['triaging'],
  out_of_scope: ['triaging'],
}

export function ReportPage({ id, session }: { id: string; session: Session }) {
  const report = useReport(id)
  const staff = hasRole(session, 'analyst') || hasRole(session, 'admin')
  if (report.error)
    return (
      <Page title="Report">
        <ProblemAlert error={report.error} />
      </Page>
    )
  const r = report.data
  if (!r) return <p className="ew-loading">Loading report…</p>
  return (
    <Page
      title={r.title}
      lead={
        <>
          {r.id} · received {formatDateTime(r.receivedAt)} from {r.reporterName} (
          {r.reporterOrgName})
        </>
      }
    >
      <p>
        <ReportStateTag state={r.state} />{' '}
        {r.sla.map((s) => (
          <SlaBadge key={s.kind} sla={s} />
        ))}
        {r.caseId ? (
          <>
            {' '}
            · in case{' '}
            <Link to={`/clearinghouse/cases/${r.caseId}`} className="usa-link">
              {r.caseId}
            </Link>
          </>
        ) : null}
        {r.duplicateOf ? (
          <>
            {' '}
            · duplicate of{' '}
            <Link to={`/clearinghouse/reports/${r.duplicateOf}`} className="usa-link">
              {r.duplicateOf}
            </Link>
          </>
        ) : null}
      </p>
      <dl className="ew-facts">
        <dt>Product</dt>
        <dd>
          {r.productKey}
          {r.product.versions ? ` (${r.product.versions})` : ''}
        </dd>
        <dt>Weakness</dt>
        <dd>{r.cwe ?? '—'}</dd>
        <dt>CVSS 3.1</dt>
        <dd>{r.cvss31 ? `${r.cvss31.score} · ${r.cvss31.vector}` : '—'}</dd>
        <dt>CVSS 4.0</dt>
        <dd>{r.cvss40 ? `${r.cvss40.score} · ${r.cvss40.vector}` : '—'}</dd>
        <dt>Found with</dt>
        <dd>
          {r.foundWith.method === 'model' ? (
            <>
              a pre-release model: submission{' '}
              <Link to={`/submissions/${r.foundWith.submissionId}`} className="usa-link">
                {r.foundWith.submissionId}
              </Link>
              {r.foundWith.grantId ? `, grant ${r.foundWith.grantId}` : ''}
            </>
          ) : r.foundWith.method === 'tool' ? (
            `the tool ${r.foundWith.tool ?? ''}`
          ) : (
            'manual analysis'
          )}
        </dd>
        {r.ssvc ? (
          <>
            <dt>SSVC</dt>
            <dd>
              <strong>{r.ssvc.decision}</strong> —{' '}
              {Object.entries(r.ssvc.inputs)
                .map(([k, v]) => `${k}: ${v}`)
                .join(', ')}
              {r.ssvc.kev ? ' (exploitation from the KEV catalog)' : ''}
            </dd>
          </>
        ) : null}
      </dl>
      <h2>Description</h2>
      <p className="ew-prose">{r.description}</p>
      {r.reproduction ? (
        <>
          <h2>Steps to reproduce</h2>
          <pre className="ew-pre">{r.reproduction}</pre>
        </>
      ) : null}
      {r.finding ? (
        <>
          <h2>SARIF finding</h2>
          <p>
            {r.finding.tool} · rule <code>{r.finding.ruleId}</code> · {r.finding.location.uri}:
            {r.finding.location.startLine ?? ''}
          </p>
        </>
      ) : null}
      {r.ai ? (
        <>
          <h2>AI-finding properties</h2>
          <p>
            Exploitability <strong>{r.ai.exploitability ?? '—'}</strong> · attacker position{' '}
            {r.ai.attackerPosition ?? '—'} · confidence (rank) {r.ai.confidence ?? '—'} · origin{' '}
            {r.ai.origin ?? '—'}
          </p>
          <ul>
            {r.ai.evidence.map((e) => (
              <li key={e.summary}>
                {e.summary} ({e.strength ?? 'no strength'})
                {e.backing.length ? ` — ${e.backing.join(', ')}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {r.attachments && r.attachments.length > 0 ? (
        <>
          <h2>Evidence files</h2>
          <ul>
            {r.attachments.map((a) => (
              <li key={a.id}>
                <a className="usa-link" href={`/api/clearinghouse/attachments/${a.id}`} download>
                  {a.filename}
                </a>{' '}
                <TlpTag tlp={a.tlp} /> {a.size} bytes
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {r.credits && r.credits.length > 0 ? (
        <>
          <h2>Credits</h2>
          <ul>
            {r.credits.map((c) => (
              <li key={c.reportId}>
                {c.name} ({c.orgName}){c.wanted ? '' : ' — asked not to be credited'}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {staff ? <Triage r={r} /> : null}
    </Page>
  )
}

function Triage({ r }: { r: Report }) {
  const [to, setTo] = useState<ReportState | ''>(NEXT[r.state][0] ?? '')
  const [reason, setReason] = useState('')
  const [dup, setDup] = useState(r.likelyDuplicates?.[0]?.id ?? '')
  const [ssvc, setSsvc] = useState({
    exploitation: 'none',
    automatable: 'no',
    technicalImpact: 'partial',
    missionWellbeing: 'medium',
  })
  const transition = useChange((b: unknown) => post<Report>(`/reports/${r.id}/transition`, b))
  const decide = useChange((b: unknown) => post<Report>(`/reports/${r.id}/ssvc`, b))
  const open = useChange((b: unknown) => post<Case>('/cases', b))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    transition.mutate(
      { to, reason, ...(to === 'duplicate' ? { duplicateOf: dup } : {}) },
      { onSuccess: () => setReason('') },
    )
  }
  return (
    <section className="ew-triage" aria-label="Triage">
      <h2>Triage</h2>
      {r.likelyDuplicates && r.likelyDuplicates.length > 0 ? (
        <Table compact>
          <caption>Likely duplicates</caption>
          <tbody>
            {r.likelyDuplicates.map((d) => (
              <tr key={d.id}>
                <td>
                  <Link to={`/clearinghouse/reports/${d.id}`} className="usa-link">
                    {d.id}
                  </Link>
                </td>
                <td>{d.title}</td>
                <td>{stateLabel(d.state)}</td>
                <td>{d.match === 'fingerprint' ? 'same fingerprint' : 'same product and CWE'}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
      {NEXT[r.state].length > 0 ? (
        <form onSubmit={submit} aria-label="Change state">
          <ProblemAlert error={transition.error} />
          <label className="usa-label" htmlFor="to">
            Move to
          </label>
          <Select
            id="to"
            name="to"
            value={to}
            onChange={(e) => setTo(e.target.value as ReportState)}
          >
            {NEXT[r.state].map((s) => (
              <option key={s} value={s}>
                {stateLabel(s)}
              </option>
            ))}
          </Select>
          {to === 'duplicate' ? (
            <>
              <label className="usa-label" htmlFor="dup">
                Duplicate of
              </label>
              <TextInput
                id="dup"
                name="dup"
                type="text"
                value={dup}
                onChange={(e) => setDup(e.target.value)}
              />
            </>
          ) : null}
          <label className="usa-label" htmlFor="reason">
            Why
          </label>
          <Textarea
            id="reason"
            name="reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <Button type="submit" disabled={!reason.trim() || transition.isPending}>
            Record decision
          </Button>
        </form>
      ) : null}
      <form
        aria-label="SSVC decision"
        onSubmit={(e) => {
          e.preventDefault()
          decide.mutate(ssvc)
        }}
      >
        <h3>SSVC decision</h3>
        <ProblemAlert error={decide.error} />
        {(
          [
            ['exploitation', ['none', 'public_poc', 'active']],
            ['automatable', ['no', 'yes']],
            ['technicalImpact', ['partial', 'total']],
            ['missionWellbeing', ['low', 'medium', 'high']],
          ] as const
        ).map(([k, values]) => (
          <span key={k} className="ew-inline-field">
            <label className="usa-label" htmlFor={`ssvc-${k}`}>
              {k}
            </label>
            <Select
              id={`ssvc-${k}`}
              name={k}
              value={ssvc[k]}
              onChange={(e) => setSsvc((s) => ({ ...s, [k]: e.target.value }))}
            >
              {values.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </Select>
          </span>
        ))}
        <Button type="submit" outline>
          Decide
        </Button>
      </form>
      {r.state === 'validated' && !r.caseId ? (
        <>
          <ProblemAlert error={open.error} />
          <Button
            type="button"
            onClick={() =>
              open.mutate(
                { reportIds: [r.id] },
                { onSuccess: (c) => navigate(`/clearinghouse/cases/${c.id}`) },
              )
            }
          >
            Open a disclosure case
          </Button>
        </>
      ) : null}
    </section>
  )
}
