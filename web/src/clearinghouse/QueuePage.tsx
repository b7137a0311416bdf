/** The analyst's triage queue (or, for everyone else, their organisation's reports): demonstrated exploits first. */
import { Button, Select, Table, TextInput } from '@trussworks/react-uswds'
import { useState } from 'react'
import { hasRole, type Session } from '../accounts/session.ts'
import { formatDate } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { type QueueQuery, REPORT_STATES, stateLabel, useReports } from './api.ts'
import { ReportStateTag, SlaBadge } from './Tags.tsx'

const PAGE = 25

export function QueuePage({ session }: { session: Session }) {
  const staff = hasRole(session, 'analyst') || hasRole(session, 'admin')
  const [query, setQuery] = useState<QueueQuery>({ limit: PAGE, offset: 0 })
  const reports = useReports(query)
  const set = (patch: Partial<QueueQuery>) => setQuery((q) => ({ ...q, ...patch, offset: 0 }))
  return (
    <Page
      title={staff ? 'Triage queue' : 'Your vulnerability reports'}
      lead={
        staff
          ? 'Demonstrated exploits first, then by SSVC decision, then the longest waiting.'
          : 'Reports your organisation sent to the clearinghouse, and where each one stands.'
      }
      actions={
        <>
          <Link to="/clearinghouse/report" className="usa-button">
            Report a vulnerability
          </Link>
          <Link to="/clearinghouse/cases" className="usa-button usa-button--outline">
            Disclosure cases
          </Link>
        </>
      }
    >
      <form className="ew-filters" aria-label="Filter reports" onSubmit={(e) => e.preventDefault()}>
        <label className="usa-label" htmlFor="q-state">
          State
        </label>
        <Select
          id="q-state"
          name="state"
          value={query.state ?? ''}
          onChange={(e) => set({ state: (e.target.value || undefined) as QueueQuery['state'] })}
        >
          <option value="">Any state</option>
          {REPORT_STATES.map((s) => (
            <option key={s} value={s}>
              {stateLabel(s)}
            </option>
          ))}
        </Select>
        <label className="usa-label" htmlFor="q-exploit">
          AI exploitability
        </label>
        <Select
          id="q-exploit"
          name="exploitability"
          value={query.exploitability ?? ''}
          onChange={(e) =>
            set({ exploitability: (e.target.value || undefined) as QueueQuery['exploitability'] })
          }
        >
          <option value="">Any</option>
          <option value="demonstrated">demonstrated</option>
          <option value="poc">proof of concept</option>
          <option value="theoretical">theoretical</option>
        </Select>
        <label className="usa-label" htmlFor="q-text">
          Search
        </label>
        <TextInput
          id="q-text"
          name="q"
          type="search"
          defaultValue=""
          onChange={(e) => set({ q: e.target.value || undefined })}
        />
      </form>
      <ProblemAlert error={reports.error} />
      <Table fullWidth striped className="ew-queue">
        <thead>
          <tr>
            <th scope="col">Report</th>
            <th scope="col">Product · weakness</th>
            <th scope="col">AI exploitability</th>
            <th scope="col">SSVC</th>
            <th scope="col">State</th>
            <th scope="col">SLA</th>
            {staff ? <th scope="col">Likely duplicates</th> : null}
          </tr>
        </thead>
        <tbody>
          {(reports.data?.items ?? []).map((r) => (
            <tr key={r.id} data-report={r.id}>
              <td>
                <Link to={`/clearinghouse/reports/${r.id}`} className="usa-link">
                  {r.title}
                </Link>
                <div className="usa-hint">
                  {r.id} · {formatDate(r.receivedAt)} · {r.reporterOrgName}
                  {r.foundWith.method === 'model' ? ' · found with a pre-release model' : ''}
                </div>
              </td>
              <td>
                {r.productKey}
                <div className="usa-hint">{r.cwe ?? 'no CWE'}</div>
              </td>
              <td>
                {r.ai?.exploitability ? (
                  <strong className={`ew-exploit ew-exploit--${r.ai.exploitability}`}>
                    {r.ai.exploitability}
                  </strong>
                ) : (
                  '—'
                )}
              </td>
              <td>{r.ssvc ? `${r.ssvc.decision}${r.ssvc.kev ? ' (KEV)' : ''}` : '—'}</td>
              <td>
                <ReportStateTag state={r.state} />
              </td>
              <td>
                {r.sla.map((s) => (
                  <SlaBadge key={s.kind} sla={s} />
                ))}
              </td>
              {staff ? (
                <td>
                  {(r.likelyDuplicates ?? [])
                    .filter((d) => d.state !== 'duplicate')
                    .slice(0, 3)
                    .map((d) => (
                      <div key={d.id}>
                        <Link to={`/clearinghouse/reports/${d.id}`} className="usa-link">
                          {d.id}
                        </Link>{' '}
                        <span className="usa-hint">
                          ({d.match === 'fingerprint' ? 'same fingerprint' : 'same product and CWE'}
                          )
                        </span>
                      </div>
                    ))}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </Table>
      {reports.data && reports.data.items.length === 0 ? <p>No reports match.</p> : null}
      {reports.data && reports.data.total > query.offset + PAGE ? (
        <Button
          type="button"
          outline
          onClick={() => setQuery((q) => ({ ...q, offset: q.offset + PAGE }))}
        >
          Next page
        </Button>
      ) : null}
    </Page>
  )
}
