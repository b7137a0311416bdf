/** Every determination the reader may see (a lab: its own), newest first, each linking to its report. */
import { formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { useDeterminations } from './api.ts'
import { OutcomeTag } from './DeterminationPage.tsx'

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

export function DeterminationsPage() {
  const list = useDeterminations()
  const items = list.data?.items ?? []
  return (
    <Page
      title="Determinations"
      lead="Each run of the controlled benchmark on a submission ends in a determination under the threshold policy in force when it started. None is ever overwritten."
      actions={
        <Link to="/benchmark/policy" className="usa-button usa-button--outline">
          Threshold policy
        </Link>
      }
    >
      <ProblemAlert error={list.error} />
      {list.isPending ? <p aria-live="polite">Loading determinations…</p> : null}
      {list.data && items.length === 0 ? <p>No determination has been made yet.</p> : null}
      {items.length ? (
        <table className="usa-table usa-table--borderless width-full">
          <caption className="usa-sr-only">Determinations, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Lab</th>
              <th scope="col">Outcome</th>
              <th scope="col">Composite</th>
              <th scope="col">Policy version</th>
              <th scope="col">Determined</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id}>
                <th scope="row">
                  <Link to={`/determinations/${d.id}`} className="usa-link">
                    {d.modelName} {d.modelVersion}
                  </Link>
                </th>
                <td>{d.labName}</td>
                <td>
                  <OutcomeTag outcome={d.outcome} />
                </td>
                <td>{d.composite ? pct(d.composite.mean) : '—'}</td>
                <td>{d.policyVersion}</td>
                <td>{formatDateTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </Page>
  )
}
