/** One run: live progress, per-scorer scores with CI error bars, the per-category breakdown, and its samples with filters. */
import { Button, Grid, Label, Select, Table, TextInput } from '@trussworks/react-uswds'
import { useState } from 'react'
import { formatDateTime } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { pct, type SampleFilters, useReport, useSamples } from './api.ts'
import { StatusTag } from './RunsPage.tsx'
import { ScoreChart } from './ScoreChart.tsx'

export function RunPage({ id }: { id: string }) {
  const report = useReport(id)
  if (report.error)
    return (
      <Page title="Evaluation run">
        <ProblemAlert error={report.error} />
      </Page>
    )
  if (!report.data) return <p className="ew-loading">Loading the run…</p>
  const { run, progress: p, summary, categories } = report.data
  const tokens = p.inputTokens + p.outputTokens
  return (
    <Page
      title={`${run.taskName} · ${run.model}`}
      lead={run.label ?? `Run ${run.id}`}
      actions={<StatusTag status={run.status} />}
    >
      <section aria-labelledby="progress-h" className="margin-bottom-4">
        <h2 id="progress-h" className="usa-sr-only">
          Progress
        </h2>
        <label htmlFor="run-progress" className="display-block margin-bottom-1">
          {p.done} of {p.total} results ({summary.samples} samples × {run.epochs} epoch
          {run.epochs === 1 ? '' : 's'}) · {p.rate.toFixed(1)}/s
          {p.etaSeconds !== null ? ` · about ${Math.ceil(p.etaSeconds)} s left` : ''} ·{' '}
          {tokens.toLocaleString()} tokens · {p.errors} errors
        </label>
        <progress
          id="run-progress"
          className="ew-progress width-full"
          max={p.total || 1}
          value={p.done}
        />
        {run.statusReason ? <p className="text-secondary-dark">{run.statusReason}</p> : null}
        <p className="font-sans-2xs text-base">
          Started {formatDateTime(run.createdAt)}
          {run.finishedAt ? `, ended ${formatDateTime(run.finishedAt)}` : ''} · reducer{' '}
          {summary.reducer} · up to {run.config.maxConnections} connections ·{' '}
          <a className="usa-link" href={`/api/evals/runs/${run.id}/export?format=inspect`}>
            Inspect log (.eval)
          </a>{' '}
          ·{' '}
          <a className="usa-link" href={`/api/evals/runs/${run.id}/export`}>
            JSON
          </a>
        </p>
      </section>

      {summary.scorers.length ? (
        <Grid row gap>
          <Grid tablet={{ col: 6 }}>
            <ScoreChart
              title="Score by scorer, with 95% confidence intervals"
              rows={summary.scorers.map((s) => ({ label: s.scorer, estimate: s.overall }))}
            />
            <Table compact fullWidth>
              <thead>
                <tr>
                  <th scope="col">Scorer</th>
                  <th scope="col">n</th>
                  <th scope="col">Mean ± SE</th>
                  <th scope="col">95% CI</th>
                  <th scope="col">95% lower bound</th>
                </tr>
              </thead>
              <tbody>
                {summary.scorers.map((s) => (
                  <tr key={s.scorer}>
                    <th scope="row">{s.scorer}</th>
                    <td>{s.overall.n}</td>
                    <td>
                      {pct(s.overall.mean)} ± {pct(s.overall.se)}
                      {s.overall.clustered ? ' (clustered)' : ''}
                    </td>
                    <td>
                      {pct(s.overall.bootstrap[0])}–{pct(s.overall.bootstrap[1])}
                    </td>
                    <td>{pct(s.overall.lowerBound)}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </Grid>
          <Grid tablet={{ col: 6 }}>
            {summary.scorers.slice(0, 1).map((s) => (
              <ScoreChart
                key={s.scorer}
                title={`${s.scorer} by category`}
                rows={s.byCategory.map((c) => ({ label: c.category, estimate: c.estimate }))}
              />
            ))}
          </Grid>
        </Grid>
      ) : (
        <p>No scored samples yet.</p>
      )}

      <Samples
        runId={run.id}
        categories={categories}
        epochs={run.epochs}
        live={run.status === 'running'}
      />
    </Page>
  )
}

function Samples({
  runId,
  categories,
  epochs,
  live,
}: {
  runId: string
  categories: string[]
  epochs: number
  live: boolean
}) {
  const [f, setF] = useState<SampleFilters>({})
  const samples = useSamples(runId, f, live)
  const set = (patch: Partial<SampleFilters>) => setF((old) => ({ ...old, ...patch, offset: 0 }))
  const page = Math.floor((f.offset ?? 0) / 25)
  return (
    <section aria-labelledby="samples-h" className="margin-top-4">
      <h2 id="samples-h">Samples</h2>
      <div className="ew-filters display-flex flex-wrap flex-align-end" style={{ gap: '1rem' }}>
        <div>
          <Label htmlFor="f-category">Category</Label>
          <Select
            id="f-category"
            name="category"
            value={f.category ?? ''}
            onChange={(e) => set({ category: e.target.value || undefined })}
          >
            <option value="">All</option>
            {categories.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </Select>
        </div>
        <div>
          <Label htmlFor="f-outcome">Outcome</Label>
          <Select
            id="f-outcome"
            name="outcome"
            value={f.outcome ?? ''}
            onChange={(e) =>
              set({ outcome: (e.target.value || undefined) as SampleFilters['outcome'] })
            }
          >
            <option value="">All</option>
            <option value="correct">Correct</option>
            <option value="incorrect">Incorrect</option>
            <option value="limit">Hit a limit</option>
            <option value="error">Error</option>
          </Select>
        </div>
        <div>
          <Label htmlFor="f-epoch">Epoch</Label>
          <Select
            id="f-epoch"
            name="epoch"
            value={f.epoch ?? ''}
            onChange={(e) => set({ epoch: e.target.value ? Number(e.target.value) : undefined })}
          >
            <option value="">All</option>
            {Array.from({ length: epochs }, (_, i) => i + 1).map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </Select>
        </div>
        <div>
          <Label htmlFor="f-q">Sample id</Label>
          <TextInput
            id="f-q"
            name="q"
            type="search"
            value={f.q ?? ''}
            onChange={(e) => set({ q: e.target.value || undefined })}
          />
        </div>
      </div>
      {samples.error ? <ProblemAlert error={samples.error} /> : null}
      {samples.data ? (
        <>
          <Table fullWidth striped compact>
            <thead>
              <tr>
                <th scope="col">Sample</th>
                <th scope="col">Epoch</th>
                <th scope="col">Category</th>
                <th scope="col">Score</th>
                <th scope="col">Answer</th>
                <th scope="col">Tokens</th>
                <th scope="col">Tool calls</th>
                <th scope="col">Notes</th>
              </tr>
            </thead>
            <tbody>
              {samples.data.items.map((s) => {
                const first = Object.values(s.scores)[0]
                return (
                  <tr key={`${s.sampleId}:${s.epoch}`}>
                    <td>
                      <Link
                        className="usa-link"
                        to={`/evals/runs/${runId}/samples/${encodeURIComponent(s.sampleId)}/${s.epoch}`}
                      >
                        {s.sampleId}
                      </Link>
                    </td>
                    <td>{s.epoch}</td>
                    <td>{s.category ?? ''}</td>
                    <td>{s.error ? 'error' : pct(s.score)}</td>
                    <td className="ew-clip">{first?.answer ?? ''}</td>
                    <td>{(s.inputTokens + s.outputTokens).toLocaleString()}</td>
                    <td>{s.toolCalls}</td>
                    <td>
                      {s.error ? s.error.slice(0, 80) : s.limitKind ? `${s.limitKind} limit` : ''}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </Table>
          <p>
            {samples.data.total} result{samples.data.total === 1 ? '' : 's'}
            {samples.data.total > 25
              ? ` · page ${page + 1} of ${Math.ceil(samples.data.total / 25)}`
              : ''}{' '}
            {page > 0 ? (
              <Button
                type="button"
                unstyled
                onClick={() => setF((o) => ({ ...o, offset: (page - 1) * 25 }))}
              >
                Previous
              </Button>
            ) : null}{' '}
            {(page + 1) * 25 < samples.data.total ? (
              <Button
                type="button"
                unstyled
                onClick={() => setF((o) => ({ ...o, offset: (page + 1) * 25 }))}
              >
                Next
              </Button>
            ) : null}
          </p>
        </>
      ) : null}
    </section>
  )
}
