/**
 * Category scores against the policy's thresholds: each measure's mean as a bar with its 95%
 * interval as an error bar, the threshold as a red tick on the same row and, when a reference
 * model ran on the same items, its mean as a grey diamond.
 */
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  ErrorBar,
  Legend,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { type Interval, type Measure, measureLabel } from './api.ts'

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

interface Row {
  label: string
  mean: number | null
  err: [number, number]
  threshold: number
  interval: Interval | null
  baseline: number | null
}

/** The red tick of a threshold: a vertical line the height of a row's bar. */
function ThresholdTick(props: { cx?: number; cy?: number }) {
  if (props.cx === undefined || props.cy === undefined) return null
  return (
    <line
      className="ew-threshold-tick"
      x1={props.cx}
      x2={props.cx}
      y1={props.cy - 14}
      y2={props.cy + 14}
      stroke="#b50909"
      strokeWidth={3}
    />
  )
}

function BaselineMark(props: { cx?: number; cy?: number }) {
  if (props.cx === undefined || props.cy === undefined) return null
  const { cx, cy } = props
  return (
    <path
      className="ew-baseline-mark"
      d={`M${cx} ${cy - 6}L${cx + 6} ${cy}L${cx} ${cy + 6}L${cx - 6} ${cy}Z`}
      fill="#71767a"
      stroke="#fff"
    />
  )
}

export function ThresholdChart({
  measures,
  baseline,
  title,
}: {
  measures: Measure[]
  /** A reference model's estimates by measure, if one ran. */
  baseline?: { label: string; estimates: Record<string, Interval | null> }
  title: string
}) {
  const rows: Row[] = measures.map((m) => {
    const e = m.estimate
    return {
      label: measureLabel(m.measure),
      mean: e ? e.mean : null,
      err: e ? [Math.max(0, e.mean - e.low), Math.max(0, e.high - e.mean)] : [0, 0],
      threshold: m.threshold,
      interval: e,
      baseline: baseline?.estimates[m.measure]?.mean ?? null,
    }
  })
  return (
    <figure className="ew-chart ew-threshold-chart margin-x-0" aria-label={title}>
      <figcaption className="text-bold margin-bottom-1">{title}</figcaption>
      <ResponsiveContainer width="100%" height={Math.max(240, 80 + rows.length * 48)}>
        <ComposedChart
          data={rows}
          layout="vertical"
          margin={{ left: 16, right: 32, top: 8, bottom: 8 }}
        >
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis
            type="number"
            domain={[0, 1]}
            tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
          />
          <YAxis type="category" dataKey="label" width={210} />
          <Tooltip
            formatter={(value, name, item) => {
              const r = item.payload as Row
              if (name === 'Threshold') return [pct(Number(value)), 'Threshold']
              if (name === 'Score')
                return [
                  r.interval
                    ? `${pct(r.interval.mean)} (95% CI ${pct(r.interval.low)}–${pct(r.interval.high)}, n = ${r.interval.n})`
                    : 'not measured',
                  'Score',
                ]
              return [pct(Number(value)), String(name)]
            }}
          />
          <Legend />
          <Bar dataKey="mean" name="Score" fill="#005ea2" maxBarSize={30} isAnimationActive={false}>
            <ErrorBar
              dataKey="err"
              width={8}
              strokeWidth={2}
              stroke="#1b1b1b"
              direction="x"
              isAnimationActive={false}
            />
          </Bar>
          <Scatter
            dataKey="threshold"
            name="Threshold"
            fill="#b50909"
            shape={<ThresholdTick />}
            isAnimationActive={false}
          />
          {baseline ? (
            <Scatter
              dataKey="baseline"
              name={baseline.label}
              fill="#71767a"
              shape={<BaselineMark />}
              isAnimationActive={false}
            />
          ) : null}
        </ComposedChart>
      </ResponsiveContainer>
      <table className="usa-sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col">Score and 95% interval</th>
            <th scope="col">Threshold</th>
            {baseline ? <th scope="col">{baseline.label}</th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <th scope="row">{r.label}</th>
              <td>
                {r.interval
                  ? `${pct(r.interval.mean)}, ${pct(r.interval.low)} to ${pct(r.interval.high)}`
                  : 'not measured'}
              </td>
              <td>{pct(r.threshold)}</td>
              {baseline ? <td>{r.baseline === null ? '—' : pct(r.baseline)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  )
}
