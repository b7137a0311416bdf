/** Evaluation runs: what ran, against which model, how far along, newest first. */
import { Table, Tag } from '@trussworks/react-uswds'
import { formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { type RunStatus, useRuns } from './api.ts'

export function StatusTag({ status }: { status: RunStatus }) {
  const cls = {
    running: 'bg-primary',
    completed: 'bg-green',
    failed: 'bg-secondary-dark',
    stopped: 'bg-gold text-ink',
  }[status]
  return <Tag className={cls}>{status}</Tag>
}

export function RunsPage() {
  const runs = useRuns()
  return (
    <Page
      title="Evaluations"
      lead="Runs of evaluation tasks against models: scores with confidence intervals, per category, with every transcript."
    >
      {runs.error ? <ProblemAlert error={runs.error} /> : null}
      {runs.data && runs.data.items.length === 0 ? (
        <p>
          No runs yet. Start one with <code>earlywatch eval run TASK --model PROVIDER/MODEL</code>.
        </p>
      ) : null}
      {runs.data?.items.length ? (
        <Table fullWidth striped>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Task</th>
              <th scope="col">Model</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.items.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={`/evals/runs/${r.id}`} className="usa-link">
                    {r.label ?? r.id}
                  </Link>
                </td>
                <td>{r.taskName}</td>
                <td>
                  <code>{r.model}</code>
                </td>
                <td>
                  <StatusTag status={r.status} />
                </td>
                <td>
                  {r.done}/{r.totalUnits}
                  {r.errors ? ` · ${r.errors} errors` : ''}
                </td>
                <td>{formatDateTime(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </Table>
      ) : null}
    </Page>
  )
}
