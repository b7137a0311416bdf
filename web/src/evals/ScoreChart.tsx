/** Mean scores as bars with their 95% confidence intervals as error bars (bootstrap, or ± 1.96 SE when there is none). */
import {
  Bar,
  BarChart,
  CartesianGrid,
  ErrorBar,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { type Estimate, pct } from './api.ts'

export interface ChartRow {
  label: string
  estimate: Estimate
}

function interval(e: Estimate): [number, number] | null {
  const [lo, hi] = e.bootstrap[0] !== null && e.bootstrap[1] !== null ? e.bootstrap : e.ci
  return lo === null || hi === null || e.mean === null ? null : [lo, hi]
}

export function ScoreChart({ rows, title }: { rows: ChartRow[]; title: string }) {
  const data = rows.map((r) => {
    const ci = interval(r.estimate)
    const mean = r.estimate.mean ?? 0
    return {
      label: r.label,
      mean,
      // Recharts draws asymmetric error bars from [below, above] distances to the bar's top.
      err: ci ? [Math.max(0, mean - ci[0]), Math.max(0, ci[1] - mean)] : [0, 0],
      ci,
      n: r.estimate.n,
    }
  })
  return (
    <figure className="ew-chart margin-x-0" aria-label={title}>
      <figcaption className="text-bold margin-bottom-1">{title}</figcaption>
      <ResponsiveContainer width="100%" height={Math.max(220, 60 + rows.length * 42)}>
        <BarChart data={data} layout="vertical" margin={{ left: 16, right: 32, top: 8, bottom: 8 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis
            type="number"
            domain={[0, 1]}
            tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
          />
          <YAxis type="category" dataKey="label" width={140} />
          <Tooltip
            formatter={(_v, _n, item) => {
              const p = item.payload as (typeof data)[number]
              return [
                `${pct(p.mean)}  (95% CI ${p.ci ? `${pct(p.ci[0])}–${pct(p.ci[1])}` : '—'}, n = ${p.n})`,
                'mean',
              ]
            }}
          />
          <Bar dataKey="mean" fill="#005ea2" isAnimationActive={false}>
            <ErrorBar dataKey="err" width={6} strokeWidth={2} stroke="#1b1b1b" direction="x" />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
      <table className="usa-sr-only">
        <caption>{title}</caption>
        <tbody>
          {data.map((d) => (
            <tr key={d.label}>
              <th scope="row">{d.label}</th>
              <td>
                {pct(d.mean)}, 95% CI{' '}
                {d.ci ? `${pct(d.ci[0])} to ${pct(d.ci[1])}` : 'not available'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  )
}
