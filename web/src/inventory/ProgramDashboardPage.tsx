/**
 * The program's view of critical-infrastructure exposure: per advisory, how many hospitals,
 * banks and utilities are still exposed, day by day; how long each sector takes to patch; and
 * exports of both for the people who brief on them.
 */
import { useMemo, useState } from 'react'
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { Page } from '../platform/Page.tsx'
import { ProblemAlert } from '../platform/ProblemAlert.tsx'
import {
  type ProgramDashboard,
  SECTOR_COLORS,
  SECTOR_LABELS,
  SECTORS,
  type Sector,
  useProgramDashboard,
} from './api.ts'

const AXIS = { fill: '#3d4551', fontSize: 13 }

export function ProgramDashboardPage() {
  const [advisoryId, setAdvisoryId] = useState<string | undefined>(undefined)
  const dash = useProgramDashboard(30, advisoryId)
  const d = dash.data
  return (
    <Page
      title="Sector exposure"
      lead="Which critical-infrastructure operators still run affected software, by sector, and how fast each sector patches."
      actions={
        <>
          <a
            className="usa-button usa-button--outline"
            href="/api/inventory/dashboard/program?format=csv&table=exposure"
            download
          >
            Export exposure (CSV)
          </a>
          <a
            className="usa-button usa-button--outline"
            href="/api/inventory/dashboard/program?format=csv&table=time-to-patch"
            download
          >
            Export time to patch (CSV)
          </a>
          <a
            className="usa-button usa-button--outline"
            href="/api/inventory/dashboard/program"
            download="program-dashboard.json"
          >
            JSON
          </a>
        </>
      }
    >
      <ProblemAlert error={dash.error} />
      {dash.isPending ? <p aria-live="polite">Loading the dashboard…</p> : null}
      {d ? (
        <>
          <AdvisoryPicker dashboard={d} value={advisoryId} onChange={setAdvisoryId} />
          <ExposureChart dashboard={d} advisoryId={advisoryId} />
          <TimeToPatchChart dashboard={d} />
          <AdvisoryTable dashboard={d} />
        </>
      ) : null}
    </Page>
  )
}

function AdvisoryPicker({
  dashboard,
  value,
  onChange,
}: {
  dashboard: ProgramDashboard
  value: string | undefined
  onChange: (v: string | undefined) => void
}) {
  return (
    <div className="ew-panel">
      <label className="usa-label" htmlFor="advisory-filter">
        Advisory
      </label>
      <select
        id="advisory-filter"
        className="usa-select"
        value={value ?? ''}
        onChange={(e) => onChange(e.target.value || undefined)}
      >
        <option value="">All advisories</option>
        {dashboard.advisories.map((a) => (
          <option key={a.advisoryId} value={a.advisoryId}>
            {a.advisoryId} — {a.total} operator{a.total === 1 ? '' : 's'} exposed
          </option>
        ))}
      </select>
    </div>
  )
}

function ExposureChart({
  dashboard,
  advisoryId,
}: {
  dashboard: ProgramDashboard
  advisoryId: string | undefined
}) {
  const sectors = useMemo(
    () => SECTORS.filter((s) => dashboard.exposureOverTime.some((p) => p.sector === s)),
    [dashboard],
  )
  const data = useMemo(() => {
    const byDay = new Map<string, Record<string, number | string>>()
    for (const p of dashboard.exposureOverTime) {
      const row = byDay.get(p.day) ?? { day: p.day }
      row[p.sector] = p.operators
      byDay.set(p.day, row)
    }
    return [...byDay.values()].map((r) => ({
      ...Object.fromEntries(sectors.map((s) => [s, 0])),
      ...r,
    }))
  }, [dashboard, sectors])
  return (
    <section aria-labelledby="exposure-heading" className="ew-panel">
      <figure className="ew-chart" aria-labelledby="exposure-heading">
        <h2 id="exposure-heading" className="ew-panel__title">
          Operators still exposed{advisoryId ? ` to ${advisoryId}` : ''}, last {dashboard.days} days
        </h2>
        <figcaption className="ew-chart__hint">
          Operators with at least one open finding each day (UTC), by sector. A finding stops
          counting once patched, mitigated, accepted or found not to affect them.
        </figcaption>
        {data.length === 0 ? (
          <p>No operator is exposed in this period.</p>
        ) : (
          <div aria-hidden="true" className="ew-chart__plot" data-testid="exposure-chart">
            <ResponsiveContainer width="100%" height={320}>
              <LineChart
                data={data}
                margin={{ top: 8, right: 16, bottom: 8, left: 0 }}
                accessibilityLayer={false}
              >
                <CartesianGrid vertical={false} stroke="#dfe1e2" />
                <XAxis dataKey="day" tick={AXIS} stroke="#a9aeb1" minTickGap={16} />
                <YAxis allowDecimals={false} tick={AXIS} stroke="#a9aeb1" width={40} />
                <Tooltip isAnimationActive={false} />
                <Legend wrapperStyle={{ fontSize: 14 }} />
                {sectors.map((s) => (
                  <Line
                    key={s}
                    type="stepAfter"
                    dataKey={s}
                    name={SECTOR_LABELS[s]}
                    stroke={SECTOR_COLORS[s]}
                    strokeWidth={2}
                    dot={false}
                    isAnimationActive={false}
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
        )}
        <table className="usa-sr-only">
          <caption>Operators exposed per day, by sector</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {sectors.map((s) => (
                <th key={s} scope="col">
                  {SECTOR_LABELS[s]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.map((r) => (
              <tr key={String(r.day)}>
                <th scope="row">{String(r.day)}</th>
                {sectors.map((s) => (
                  <td key={s}>{String(r[s] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </figure>
    </section>
  )
}

function TimeToPatchChart({ dashboard }: { dashboard: ProgramDashboard }) {
  const data = dashboard.timeToPatch.map((t) => ({
    ...t,
    label: SECTOR_LABELS[t.sector as Sector],
  }))
  return (
    <section aria-labelledby="ttp-heading" className="ew-panel">
      <figure className="ew-chart" aria-labelledby="ttp-heading">
        <h2 id="ttp-heading" className="ew-panel__title">
          Time to patch by sector
        </h2>
        <figcaption className="ew-chart__hint">
          Days from a finding’s first match to its patch: median and 90th percentile, over every
          patched finding.
        </figcaption>
        {data.length === 0 ? (
          <p>No finding has been patched yet.</p>
        ) : (
          <div aria-hidden="true" className="ew-chart__plot" data-testid="ttp-chart">
            <ResponsiveContainer width="100%" height={280}>
              <BarChart
                data={data}
                margin={{ top: 8, right: 16, bottom: 8, left: 0 }}
                accessibilityLayer={false}
              >
                <CartesianGrid vertical={false} stroke="#dfe1e2" />
                <XAxis dataKey="label" tick={AXIS} stroke="#a9aeb1" />
                <YAxis tick={AXIS} stroke="#a9aeb1" width={40} unit="d" />
                <Tooltip isAnimationActive={false} />
                <Legend wrapperStyle={{ fontSize: 14 }} />
                <Bar
                  dataKey="medianDays"
                  name="Median (days)"
                  fill="#005ea2"
                  isAnimationActive={false}
                />
                <Bar
                  dataKey="p90Days"
                  name="90th percentile (days)"
                  fill="#73b3e7"
                  isAnimationActive={false}
                />
              </BarChart>
            </ResponsiveContainer>
          </div>
        )}
        <table className="usa-sr-only">
          <caption>Time to patch by sector, in days</caption>
          <thead>
            <tr>
              <th scope="col">Sector</th>
              <th scope="col">Patched findings</th>
              <th scope="col">Median days</th>
              <th scope="col">90th percentile days</th>
            </tr>
          </thead>
          <tbody>
            {data.map((t) => (
              <tr key={t.sector}>
                <th scope="row">{t.label}</th>
                <td>{t.patched}</td>
                <td>{t.medianDays ?? '—'}</td>
                <td>{t.p90Days ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figure>
    </section>
  )
}

function AdvisoryTable({ dashboard }: { dashboard: ProgramDashboard }) {
  const top = dashboard.advisories.slice(0, 25)
  return (
    <section aria-labelledby="advisories-heading" className="ew-panel">
      <h2 id="advisories-heading" className="ew-panel__title">
        Advisories with the widest exposure
      </h2>
      <table className="usa-table usa-table--borderless usa-table--compact width-full">
        <thead>
          <tr>
            <th scope="col">Advisory</th>
            <th scope="col">Severity</th>
            <th scope="col">Exploited</th>
            {SECTORS.map((s) => (
              <th key={s} scope="col">
                {SECTOR_LABELS[s]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {top.map((a) => (
            <tr key={a.advisoryId}>
              <th scope="row">{a.advisoryId}</th>
              <td>{a.severity}</td>
              <td>{a.kev ? 'Yes (KEV)' : ''}</td>
              {SECTORS.map((s) => (
                <td key={s}>{a.bySector[s] ?? 0}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
