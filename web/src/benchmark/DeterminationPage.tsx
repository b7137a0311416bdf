/**
 * A determination's report: the outcome and why, category scores with 95% intervals against the
 * thresholds, the composite, the policy version, the run's size and duration, the elicitation
 * evidence (solvability check, refusals, sandbagging signal), the contamination probe, and
 * comparisons with the lab's earlier determinations and with baseline models. Aggregates only:
 * the server sends nothing item-level to anyone, so the lab's page is the program's page.
 */
import { Alert, Tag } from '@trussworks/react-uswds'
import { formatDateTime, plural } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import {
  type Determination,
  type DeterminationReport,
  type Interval,
  measureLabel,
  OUTCOME_TEXT,
  type Outcome,
  useDeterminationReport,
} from './api.ts'
import { ThresholdChart } from './ThresholdChart.tsx'

const pct = (x: number) => `${(x * 100).toFixed(1)}%`
const interval = (e: Interval | null) =>
  e ? `${pct(e.mean)} [${pct(e.low)}, ${pct(e.high)}]` : 'not measured'

const OUTCOME_CLASS: Record<Outcome, string> = {
  covered: 'bg-secondary-dark',
  not_covered: 'bg-green',
  inconclusive: 'bg-accent-warm-dark',
}

export function OutcomeTag({ outcome }: { outcome: Outcome }) {
  return <Tag className={OUTCOME_CLASS[outcome]}>{OUTCOME_TEXT[outcome]}</Tag>
}

function minutes(d: Determination) {
  const ms = Date.parse(d.run.finishedAt) - Date.parse(d.run.startedAt)
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s`
  return ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`
}

export function DeterminationPage({ id }: { id: string }) {
  const report = useDeterminationReport(id)
  if (report.isPending) return <p aria-live="polite">Loading determination…</p>
  if (report.error)
    return (
      <Page title="Determination">
        <ProblemAlert error={report.error} />
        <Link to="/benchmark/determinations" className="usa-link">
          All determinations
        </Link>
      </Page>
    )
  return <Report report={report.data} />
}

function Report({ report }: { report: DeterminationReport }) {
  const { determination: d, submission: s } = report
  const composite = d.measures.find((m) => m.measure === 'composite')
  const ref = d.elicitation.reference
  const refusals = Object.entries(d.refusals).filter(([, n]) => n > 0)
  return (
    <>
      <nav className="usa-breadcrumb padding-top-0 padding-bottom-1" aria-label="Breadcrumbs">
        <ol className="usa-breadcrumb__list">
          <li className="usa-breadcrumb__list-item">
            <Link to="/benchmark/determinations" className="usa-breadcrumb__link">
              <span>Determinations</span>
            </Link>
          </li>
          <li className="usa-breadcrumb__list-item">
            <Link to={`/submissions/${s.id}`} className="usa-breadcrumb__link">
              <span>
                {s.modelName} {s.modelVersion}
              </span>
            </Link>
          </li>
          <li className="usa-breadcrumb__list-item usa-current" aria-current="page">
            <span>Determination of {formatDateTime(d.createdAt)}</span>
          </li>
        </ol>
      </nav>
      <Page
        title={`Determination: ${s.modelName} ${s.modelVersion}`}
        lead={
          <>
            <OutcomeTag outcome={d.outcome} />{' '}
            <span className="margin-left-1">
              {s.labName} · determined {formatDateTime(d.createdAt)} under threshold policy version{' '}
              {d.policyVersion}
            </span>
          </>
        }
        actions={
          <a
            className="usa-button usa-button--outline"
            href={`/api/determinations/${encodeURIComponent(d.id)}/report.pdf`}
            download
          >
            Download the report (PDF)
          </a>
        }
      >
        <section className="ew-panel" aria-labelledby="outcome-heading">
          <h2 id="outcome-heading" className="ew-panel__title">
            {OUTCOME_TEXT[d.outcome]}
          </h2>
          <ul className="margin-top-0">
            {d.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </section>

        <section className="ew-panel" aria-labelledby="scores-heading">
          <h2 id="scores-heading" className="ew-panel__title">
            Scores against the thresholds
          </h2>
          <ThresholdChart
            title="Category scores and composite with 95% intervals; red ticks are the thresholds"
            measures={d.measures}
            {...(ref
              ? {
                  baseline: {
                    label: `Reference model ${ref.model}`,
                    estimates: Object.fromEntries(ref.measures.map((m) => [m.measure, m.estimate])),
                  },
                }
              : {})}
          />
          <table className="usa-table usa-table--borderless usa-table--compact width-full">
            <caption>Each measure and what the policy’s rule made of it</caption>
            <thead>
              <tr>
                <th scope="col">Measure</th>
                <th scope="col">Score [95% interval]</th>
                <th scope="col">Threshold</th>
                <th scope="col">Samples</th>
                <th scope="col">Refused</th>
                <th scope="col">Reading</th>
              </tr>
            </thead>
            <tbody>
              {d.measures.map((m) => (
                <tr key={m.measure}>
                  <th scope="row">{measureLabel(m.measure)}</th>
                  <td>{interval(m.estimate)}</td>
                  <td>{pct(m.threshold)}</td>
                  <td>{m.estimate?.n ?? '—'}</td>
                  <td>{m.measure === 'composite' ? '—' : (d.refusals[m.measure] ?? 0)}</td>
                  <td>{m.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>

        <div className="grid-row grid-gap-4">
          <section
            className="desktop:grid-col-6 ew-panel"
            aria-labelledby="run-heading"
            data-testid="run-facts"
          >
            <h2 id="run-heading" className="ew-panel__title">
              The run
            </h2>
            <dl className="ew-facts">
              <dt>Composite</dt>
              <dd>{interval(composite?.estimate ?? null)}</dd>
              <dt>Threshold policy</dt>
              <dd>
                <Link to="/benchmark/policy" className="usa-link">
                  Version {d.policyVersion}
                </Link>{' '}
                (in force when the run started)
              </dd>
              <dt>Size</dt>
              <dd>
                {plural(d.run.samples, 'sample')} ({plural(d.run.epochs, 'epoch')} each),{' '}
                {plural(d.run.errors, 'error')}
              </dd>
              <dt>Duration</dt>
              <dd>
                {minutes(d)} ({formatDateTime(d.run.startedAt)} to{' '}
                {formatDateTime(d.run.finishedAt)})
              </dd>
              <dt>Model evaluated</dt>
              <dd>
                <code className="ew-code">{d.run.model}</code>
              </dd>
              <dt>Transparency log</dt>
              <dd>
                <Link to={`/log-explorer/${d.logIndex}`} className="usa-link">
                  Entry {d.logIndex}
                </Link>
              </dd>
              <dt>Commitment to the per-item results</dt>
              <dd>
                <code className="ew-code text-wrap">{d.resultsCommitment.slice(0, 24)}…</code>
              </dd>
            </dl>
          </section>
          <section
            className="desktop:grid-col-6 ew-panel"
            aria-labelledby="evidence-heading"
            data-testid="evidence"
          >
            <h2 id="evidence-heading" className="ew-panel__title">
              Elicitation and contamination
            </h2>
            {ref?.flagged ? (
              <Alert type="warning" slim>
                Sandbagging signal: {ref.note}
              </Alert>
            ) : null}
            {d.contamination.positive ? (
              <Alert type="error" slim>
                Contamination probe positive: {d.contamination.detail}
              </Alert>
            ) : null}
            <dl className="ew-facts">
              <dt>Contamination probe</dt>
              <dd>
                {d.contamination.probed
                  ? d.contamination.positive
                    ? 'Positive'
                    : 'Negative'
                  : 'Not run'}{' '}
                — {d.contamination.detail}
              </dd>
              <dt>Solvability check</dt>
              <dd>
                {d.elicitation.solvability
                  ? `Passed before the run: ${d.elicitation.solvability.passed} of ${d.elicitation.solvability.checked} items in ${plural(d.elicitation.solvability.tasks, 'task')} solved by their reference solutions`
                  : 'Not recorded for this run'}
              </dd>
              <dt>Refusals</dt>
              <dd>
                {refusals.length
                  ? refusals.map(([c, n]) => `${measureLabel(c)}: ${n}`).join(', ')
                  : 'None detected'}
              </dd>
              <dt>Sandbagging signal</dt>
              <dd>{ref ? ref.note : 'No reference model was run.'}</dd>
              {d.elicitation.skippedTasks?.length ? (
                <>
                  <dt>Tasks left out</dt>
                  <dd>{d.elicitation.skippedTasks.join(', ')} (a demo run without a sandbox)</dd>
                </>
              ) : null}
            </dl>
          </section>
        </div>

        <section className="ew-panel" aria-labelledby="compare-heading">
          <h2 id="compare-heading" className="ew-panel__title">
            Comparisons
          </h2>
          <table className="usa-table usa-table--borderless usa-table--compact width-full">
            <caption>This determination, the lab’s earlier ones, and baseline models</caption>
            <thead>
              <tr>
                <th scope="col">What</th>
                <th scope="col">Outcome</th>
                <th scope="col">Composite [95% interval]</th>
                <th scope="col">Policy version</th>
                <th scope="col">Determined</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">This determination</th>
                <td>
                  <OutcomeTag outcome={d.outcome} />
                </td>
                <td>{interval(composite?.estimate ?? null)}</td>
                <td>{d.policyVersion}</td>
                <td>{formatDateTime(d.createdAt)}</td>
              </tr>
              {report.previous.map((p) => (
                <tr key={p.id}>
                  <th scope="row">
                    <Link to={`/determinations/${p.id}`} className="usa-link">
                      {p.label}
                    </Link>
                  </th>
                  <td>
                    <OutcomeTag outcome={p.outcome} />
                  </td>
                  <td>{interval(p.composite)}</td>
                  <td>{p.policyVersion}</td>
                  <td>{formatDateTime(p.createdAt)}</td>
                </tr>
              ))}
              {report.baselines.map((b) => (
                <tr key={b.label}>
                  <th scope="row">{b.label} (baseline, same items)</th>
                  <td>—</td>
                  <td>
                    {interval(b.measures.find((m) => m.measure === 'composite')?.estimate ?? null)}
                  </td>
                  <td>—</td>
                  <td>—</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.previous.length === 0 ? (
            <p className="text-base">The lab has no earlier determination.</p>
          ) : null}
        </section>
      </Page>
    </>
  )
}
