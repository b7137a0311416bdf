/**
 * An operator's view: its systems, its findings by severity and due date, and what to patch
 * first and to which version.
 */
import { formatDate } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { SECTOR_LABELS, useOperatorDashboard } from './api.ts'

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'unknown']
const DUE_LABELS: Record<string, string> = {
  overdue: 'Overdue',
  this_week: 'Due this week',
  this_month: 'Due this month',
  later: 'Later',
}

export function OperatorDashboardPage() {
  const dash = useOperatorDashboard()
  const d = dash.data
  const open = (sev: string) =>
    d?.bySeverity
      .filter((r) => r.severity === sev && (r.status === 'open' || r.status === 'in_progress'))
      .reduce((n, r) => n + r.count, 0) ?? 0
  return (
    <Page
      title={d ? `${d.operator.orgName}: software inventory` : 'Software inventory'}
      lead={
        d
          ? `${SECTOR_LABELS[d.operator.sector]} · ${d.operator.region} · ${d.operator.size}`
          : undefined
      }
      actions={
        <a
          className="usa-button usa-button--outline"
          href="/api/inventory/findings?format=csv&limit=1000"
          download
        >
          Export findings (CSV)
        </a>
      }
    >
      <ProblemAlert error={dash.error} />
      {dash.isPending ? <p aria-live="polite">Loading your inventory…</p> : null}
      {d ? (
        <>
          <section aria-labelledby="open-heading" className="ew-panel">
            <h2 id="open-heading" className="ew-panel__title">
              Open findings
            </h2>
            <ul className="ew-figures">
              {SEVERITY_ORDER.map((s) => (
                <li key={s} className="ew-figure">
                  <span className="ew-figure__value">{open(s)}</span>
                  <span className="ew-figure__label">{s}</span>
                </li>
              ))}
              {['overdue', 'this_week', 'this_month', 'later'].map((b) => (
                <li key={b} className="ew-figure">
                  <span className="ew-figure__value">
                    {d.byDue.find((x) => x.bucket === b)?.count ?? 0}
                  </span>
                  <span className="ew-figure__label">{DUE_LABELS[b]}</span>
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="first-heading" className="ew-panel">
            <h2 id="first-heading" className="ew-panel__title">
              Patch first
            </h2>
            <p className="ew-chart__hint">
              Exploited in the wild first, then by severity, then by due date.
            </p>
            {d.patchFirst.length === 0 ? (
              <p>Nothing open. Well done.</p>
            ) : (
              <table className="usa-table usa-table--borderless usa-table--compact width-full">
                <thead>
                  <tr>
                    <th scope="col">System</th>
                    <th scope="col">Package</th>
                    <th scope="col">Running</th>
                    <th scope="col">Upgrade to</th>
                    <th scope="col">Advisory</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Due</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {d.patchFirst.map((f) => (
                    <tr key={f.findingId}>
                      <td>{f.system}</td>
                      <td>{f.package}</td>
                      <td>{f.versions.join(', ') || 'unknown version'}</td>
                      <td>{f.upgradeTo ? `${f.upgradeTo} or later` : 'no fix yet'}</td>
                      <td>
                        {f.advisoryId}
                        {f.kev ? (
                          <span className="usa-tag bg-secondary-dark margin-left-1">Exploited</span>
                        ) : null}
                      </td>
                      <td>{f.severity}</td>
                      <td>{formatDate(f.dueAt)}</td>
                      <td>{f.status.replace('_', ' ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section aria-labelledby="systems-heading" className="ew-panel">
            <h2 id="systems-heading" className="ew-panel__title">
              Systems
            </h2>
            <table className="usa-table usa-table--borderless usa-table--compact width-full">
              <thead>
                <tr>
                  <th scope="col">System</th>
                  <th scope="col">Criticality</th>
                  <th scope="col">Internet-facing</th>
                  <th scope="col">SBOM version</th>
                  <th scope="col">Components</th>
                  <th scope="col">Last matched</th>
                </tr>
              </thead>
              <tbody>
                {d.systems.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">{s.name}</th>
                    <td>{s.criticality}</td>
                    <td>{s.internetExposed ? 'Yes' : 'No'}</td>
                    <td>{s.currentSbomVersion ?? 'none yet'}</td>
                    <td>{s.componentCount}</td>
                    <td>{formatDate(s.lastMatchedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      ) : null}
    </Page>
  )
}
