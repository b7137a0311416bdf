/**
 * The public transparency report: what the program decided, counted from its public log up to
 * the latest signed checkpoint, and that checkpoint, which lets anyone check the figures and
 * every entry behind them. Open to everyone, signed in or not.
 */
import { useMemo } from 'react'
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { formatDateTime, plural } from '../platform/format.ts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import { Link } from '../platform/router.tsx'
import { ENTRY_TYPES, type EntryType, entryTypeLabel, type Report, useReport } from './api.ts'
import { CheckpointPanel } from './CheckpointPanel.tsx'

/** The figures critics ask about first, in the order the totals panel shows them. */
const HEADLINE: EntryType[] = [
  'submission.registered',
  'submission.withdrawn',
  'determination.made',
  'partner.proposed',
  'partner.approved',
  'partner.refused',
  'partner.appealed',
  'grant.issued',
  'grant.revoked',
  'advisory.published',
]

/** One colour per entry type, from USWDS's palette; the ones drawn next to each other differ in hue and lightness. */
const TYPE_COLORS: Record<EntryType, string> = {
  'submission.registered': '#005ea2',
  'submission.accepted': '#73b3e7',
  'submission.transitioned': '#00bde3',
  'submission.dates_changed': '#97d4ea',
  'submission.withdrawn': '#a9aeb1',
  'determination.made': '#5e519e',
  'threshold_policy.approved': '#b8a2e3',
  'threshold_policy.activated': '#8168b3',
  'partner.proposed': '#c05600',
  'partner.approved': '#00a91c',
  'partner.refused': '#d83933',
  'partner.appealed': '#ffbe2e',
  'partner.vetted': '#e66f0e',
  'grant.issued': '#216e1f',
  'grant.changed': '#538200',
  'grant.revoked': '#8b0a03',
  'report.received': '#936f38',
  'case.opened': '#c2850c',
  'embargo.set': '#3d4551',
  'embargo.changed': '#71767a',
  'advisory.published': '#1a4480',
}

const utcDay = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
})
const utcDate = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
})
const periodLabel = (start: string) => utcDay.format(new Date(`${start}T00:00:00Z`))
const periodName = (start: string, period: Report['period']) =>
  period === 'week'
    ? `Week of ${utcDate.format(new Date(`${start}T00:00:00Z`))}`
    : utcDate.format(new Date(`${start}T00:00:00Z`))

export function TransparencyPage() {
  const report = useReport()
  const r = report.data

  return (
    <Page
      title="Transparency report"
      lead="Every consequential decision the program makes is written to a public, append-only log that anyone can check. These figures are counted from that log."
      actions={
        <Link to="/log-explorer" className="usa-button usa-button--outline">
          Browse the log
        </Link>
      }
    >
      <ProblemAlert error={report.error} />
      {report.isPending ? <p aria-live="polite">Loading the report…</p> : null}
      {r ? (
        <>
          <p className="ew-report-basis">
            Counted from the {plural(r.size, 'entry', 'entries')} covered by the log’s latest signed
            checkpoint, of {formatDateTime(r.checkpoint.createdAt)}. Decisions made since are
            counted once the next checkpoint covers them, within seconds.
          </p>
          <Totals report={r} />
          <Activity report={r} />
          <Breakdowns report={r} />
          <CheckpointPanel checkpoint={r.checkpoint} verifierKey={r.verifierKey} />
        </>
      ) : null}
    </Page>
  )
}

function Totals({ report }: { report: Report }) {
  const others = ENTRY_TYPES.filter((t) => !HEADLINE.includes(t) && report.totals[t] > 0)
  return (
    <section aria-labelledby="totals-heading" className="ew-panel">
      <h2 id="totals-heading" className="ew-panel__title">
        Totals
      </h2>
      <ul className="ew-figures">
        {[...HEADLINE, ...others].map((t) => (
          <li key={t} className="ew-figure" style={{ borderTopColor: TYPE_COLORS[t] }}>
            <span className="ew-figure__value">{report.totals[t].toLocaleString()}</span>
            <span className="ew-figure__label">{entryTypeLabel(t)}</span>
          </li>
        ))}
      </ul>
    </section>
  )
}

function Activity({ report }: { report: Report }) {
  // Only the types that happened get a colour in the legend; a type at zero would be noise.
  const types = useMemo(() => ENTRY_TYPES.filter((t) => report.totals[t] > 0), [report.totals])
  // Zeros as nulls, so a period's tooltip lists only what happened in it.
  const data = useMemo(
    () =>
      report.series.map((p) => ({
        start: p.start,
        ...Object.fromEntries(types.map((t) => [t, p.counts[t] || null])),
      })),
    [report.series, types],
  )
  const unit = report.period === 'week' ? 'week (ISO weeks, from Monday, UTC)' : 'day (UTC)'

  return (
    <section aria-labelledby="activity-heading" className="ew-panel">
      <figure className="ew-chart" aria-labelledby="activity-heading">
        <h2 id="activity-heading" className="ew-panel__title">
          Decisions over time
        </h2>
        <figcaption className="ew-chart__hint">
          Entries added to the log per {unit}, stacked by kind of decision.
        </figcaption>
        {data.length === 0 ? (
          <p>The log has no entries yet.</p>
        ) : (
          <>
            <div aria-hidden="true" className="ew-chart__plot">
              <ResponsiveContainer width="100%" height={340}>
                <BarChart
                  data={data}
                  margin={{ top: 8, right: 16, bottom: 8, left: 0 }}
                  accessibilityLayer={false}
                >
                  <CartesianGrid vertical={false} stroke="#dfe1e2" />
                  <XAxis
                    dataKey="start"
                    tickFormatter={periodLabel}
                    tick={{ fill: '#3d4551', fontSize: 13 }}
                    stroke="#a9aeb1"
                    minTickGap={16}
                  />
                  <YAxis
                    allowDecimals={false}
                    tick={{ fill: '#3d4551', fontSize: 13 }}
                    stroke="#a9aeb1"
                    width={40}
                  />
                  <Tooltip
                    isAnimationActive={false}
                    cursor={{ fill: '#f0f0f0' }}
                    labelFormatter={(start) => periodName(String(start), report.period)}
                  />
                  <Legend
                    wrapperStyle={{ fontSize: 14 }}
                    formatter={(name) => <span className="ew-legend-text">{name}</span>}
                  />
                  {types.map((t) => (
                    <Bar
                      key={t}
                      dataKey={t}
                      name={entryTypeLabel(t)}
                      stackId="entries"
                      fill={TYPE_COLORS[t]}
                      isAnimationActive={false}
                    />
                  ))}
                </BarChart>
              </ResponsiveContainer>
            </div>
            <table className="usa-sr-only">
              <caption>Decisions per {unit}, by kind; periods with none are left out</caption>
              <thead>
                <tr>
                  <th scope="col">Period</th>
                  {types.map((t) => (
                    <th key={t} scope="col">
                      {entryTypeLabel(t)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {report.series
                  .filter((p) => types.some((t) => p.counts[t] > 0))
                  .map((p) => (
                    <tr key={p.start}>
                      <th scope="row">{periodName(p.start, report.period)}</th>
                      {types.map((t) => (
                        <td key={t}>{p.counts[t]}</td>
                      ))}
                    </tr>
                  ))}
              </tbody>
            </table>
          </>
        )}
      </figure>
    </section>
  )
}

const humanize = (key: string) => {
  const s = key.replace(/[_-]+/g, ' ')
  return s.charAt(0).toUpperCase() + s.slice(1)
}

function Breakdowns({ report }: { report: Report }) {
  return (
    <div className="grid-row grid-gap-4">
      <div className="tablet:grid-col-6">
        <BreakdownChart
          id="outcomes"
          title="Determinations by outcome"
          empty="No determination has been made yet."
          color={TYPE_COLORS['determination.made']}
          rows={report.determinationsByOutcome.map((d) => ({
            label: humanize(d.outcome),
            count: d.count,
          }))}
        />
      </div>
      <div className="tablet:grid-col-6">
        <BreakdownChart
          id="refusals"
          title="Partner refusals by reason"
          empty="No proposed partner has been refused yet."
          color={TYPE_COLORS['partner.refused']}
          rows={report.refusalsByReason.map((d) => ({
            label: humanize(d.reasonCategory),
            count: d.count,
          }))}
          note={`${plural(report.totals['partner.approved'], 'partner')} approved, ${plural(report.totals['partner.appealed'], 'refusal')} appealed.`}
        />
      </div>
    </div>
  )
}

function BreakdownChart(props: {
  id: string
  title: string
  empty: string
  color: string
  rows: Array<{ label: string; count: number }>
  note?: string
}) {
  const { id, title, rows } = props
  return (
    <section aria-labelledby={`${id}-heading`} className="ew-panel">
      <figure className="ew-chart" aria-labelledby={`${id}-heading`}>
        <h2 id={`${id}-heading`} className="ew-panel__title">
          {title}
        </h2>
        {rows.length === 0 ? (
          <p className="margin-0">{props.empty}</p>
        ) : (
          <>
            <div aria-hidden="true" className="ew-chart__plot">
              <ResponsiveContainer width="100%" height={rows.length * 40 + 30}>
                <BarChart
                  layout="vertical"
                  data={rows}
                  margin={{ top: 0, right: 40, bottom: 0, left: 0 }}
                  accessibilityLayer={false}
                >
                  <XAxis type="number" allowDecimals={false} hide />
                  <YAxis
                    type="category"
                    dataKey="label"
                    width={150}
                    tick={{ fill: '#1b1b1b', fontSize: 14 }}
                    tickLine={false}
                    stroke="#a9aeb1"
                  />
                  <Bar
                    dataKey="count"
                    fill={props.color}
                    isAnimationActive={false}
                    label={{ position: 'right', fill: '#1b1b1b', fontSize: 14 }}
                  />
                </BarChart>
              </ResponsiveContainer>
            </div>
            <table className="usa-sr-only">
              <caption>{title}</caption>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.label}>
                    <th scope="row">{r.label}</th>
                    <td>{r.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        {props.note ? <p className="ew-chart__hint margin-bottom-0">{props.note}</p> : null}
      </figure>
    </section>
  )
}
