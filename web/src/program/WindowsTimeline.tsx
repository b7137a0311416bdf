/**
 * Review windows on a timeline: one horizontal bar per submission from the day its window
 * opens to the day it closes, a line at "now", and the days left beside each bar. The chart
 * is drawn for sighted readers; the same facts are in a table that screen readers get instead.
 */
import { useMemo } from 'react'
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  LabelList,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'
import { formatDate, formatShortDate } from '../platform/format.ts'
import type { Submission } from './api.ts'
import { STATE_INFO, SUBMISSION_STATES } from './states.ts'
import { isTentative, neverOpened, windowCell, windowStatus } from './window.ts'

const DAY = 86_400_000
const ROW_HEIGHT = 44
const AXIS_HEIGHT = 56

interface Row {
  id: string
  model: string
  lab: string
  state: Submission['state']
  range: [number, number]
  status: string
  submission: Submission
}

export function WindowsTimeline({
  submissions,
  now = Date.now(),
}: {
  submissions: Submission[]
  now?: number
}) {
  const rows = useMemo(() => toRows(submissions), [submissions])
  const drawn = rows.filter((r) => !neverOpened(r.submission))
  const undrawn = rows.filter((r) => neverOpened(r.submission))
  const [from, to] = domain(drawn, now)
  const ticks = dayTicks(from, to)
  const height = drawn.length * ROW_HEIGHT + AXIS_HEIGHT

  return (
    <figure className="ew-timeline" aria-labelledby="timeline-caption">
      <figcaption id="timeline-caption" className="ew-timeline__caption">
        <span className="ew-timeline__title">Review windows</span>
        <span className="ew-timeline__hint">
          Each bar runs from the day a window opens to the day it closes; an outlined bar is the
          earliest window acceptance would give. The red line is now.
        </span>
      </figcaption>
      <Legend />
      {drawn.length > 0 ? (
        <div aria-hidden="true" className="ew-timeline__plot">
          <ResponsiveContainer width="100%" height={height}>
            <BarChart
              layout="vertical"
              data={drawn}
              margin={{ top: 24, right: 132, bottom: 4, left: 8 }}
              barCategoryGap={10}
              accessibilityLayer={false}
            >
              <CartesianGrid horizontal={false} stroke="#dfe1e2" />
              <XAxis
                type="number"
                dataKey="range"
                domain={[from, to]}
                ticks={ticks}
                tickFormatter={formatShortDate}
                allowDataOverflow
                tick={{ fill: '#3d4551', fontSize: 13 }}
                stroke="#a9aeb1"
              />
              <YAxis
                type="category"
                dataKey="id"
                width={210}
                tick={<ModelTick rows={drawn} />}
                tickLine={false}
                stroke="#a9aeb1"
                interval={0}
              />
              <Tooltip
                cursor={{ fill: '#f0f0f0' }}
                content={<WindowTooltip />}
                isAnimationActive={false}
              />
              <Bar dataKey="range" isAnimationActive={false} radius={3} minPointSize={4}>
                {drawn.map((r) => (
                  <Cell key={r.id} {...barStyle(r)} />
                ))}
                <LabelList dataKey="status" position="right" fill="#1b1b1b" fontSize={13} />
              </Bar>
              <ReferenceLine
                x={now}
                stroke="#d83933"
                strokeWidth={2}
                ifOverflow="extendDomain"
                label={{
                  value: 'Now',
                  position: 'top',
                  fill: '#b50909',
                  fontSize: 13,
                  fontWeight: 700,
                }}
              />
            </BarChart>
          </ResponsiveContainer>
        </div>
      ) : null}
      {undrawn.length > 0 ? (
        <p className="ew-timeline__note">
          Not drawn, withdrawn before a window opened: {undrawn.map((r) => r.model).join(', ')}.
        </p>
      ) : null}
      <table className="usa-sr-only">
        <caption>Review windows, one row per submission</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Lab</th>
            <th scope="col">State</th>
            <th scope="col">Window</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <th scope="row">{r.model}</th>
              <td>{r.lab}</td>
              <td>{STATE_INFO[r.state].label}</td>
              <td>{windowCell(r.submission)}</td>
              <td>{r.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  )
}

/** Solid for a window that is or was real; outlined and dashed for a tentative one; faded once withdrawn. */
function barStyle(r: Row) {
  const color = STATE_INFO[r.state].color
  if (isTentative(r))
    return { fill: '#ffffff', stroke: color, strokeWidth: 2, strokeDasharray: '6 3' }
  if (r.state === 'withdrawn') return { fill: color, fillOpacity: 0.35, stroke: color }
  return { fill: color, stroke: color }
}

function toRows(submissions: Submission[]): Row[] {
  return submissions
    .map((s) => ({
      id: s.id,
      model: `${s.modelName} ${s.modelVersion}`,
      lab: s.labName,
      state: s.state,
      range: [Date.parse(s.window.opensAt), Date.parse(s.window.closesAt)] as [number, number],
      status: windowStatus(s.window, s.state),
      submission: s,
    }))
    .sort((a, b) => a.range[0] - b.range[0])
}

/** From a day before the earliest window (or now) to a day after the latest, on day boundaries. */
function domain(rows: Row[], now: number): [number, number] {
  const starts = rows.map((r) => r.range[0])
  const ends = rows.map((r) => r.range[1])
  const from = startOfDay(Math.min(now, ...starts)) - DAY
  const to = startOfDay(Math.max(now, ...ends)) + 2 * DAY
  return [from, to]
}

function startOfDay(ms: number): number {
  const d = new Date(ms)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

/** Ticks on local midnights, spaced so there are about eight of them. */
function dayTicks(from: number, to: number): number[] {
  const days = Math.round((to - from) / DAY)
  const step = [1, 2, 7, 14, 28, 56].find((s) => days / s <= 9) ?? Math.ceil(days / 8)
  const ticks: number[] = []
  for (let t = from; t <= to; t += step * DAY) {
    // Daylight-saving changes make some days 23 or 25 hours; snap back to midnight.
    ticks.push(startOfDay(t + DAY / 2))
  }
  return ticks
}

function ModelTick(props: { x?: number; y?: number; payload?: { value: string }; rows: Row[] }) {
  const row = props.rows.find((r) => r.id === props.payload?.value)
  if (!row || props.x === undefined || props.y === undefined) return null
  return (
    <g transform={`translate(${props.x - 8},${props.y})`}>
      <text textAnchor="end" fill="#1b1b1b" fontSize={14} fontWeight={700} dy={-2}>
        {truncate(row.model, 26)}
      </text>
      <text textAnchor="end" fill="#565c65" fontSize={12} dy={14}>
        {truncate(row.lab, 30)}
      </text>
    </g>
  )
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}

function WindowTooltip(props: { active?: boolean; payload?: ReadonlyArray<{ payload?: Row }> }) {
  const row = props.active ? props.payload?.[0]?.payload : undefined
  if (!row) return null
  const w = row.submission.window
  return (
    <div className="ew-tooltip">
      <strong>{row.model}</strong>
      <span>{row.lab}</span>
      <span>
        {STATE_INFO[row.state].label} · {row.status}
      </span>
      {w ? (
        <span>
          {formatDate(w.opensAt)} to {formatDate(w.closesAt)} ({w.days} days)
        </span>
      ) : null}
    </div>
  )
}

function Legend() {
  return (
    <ul className="ew-legend" aria-label="Colour key">
      {SUBMISSION_STATES.map((s) => (
        <li key={s}>
          <span
            className={`ew-legend__swatch ew-legend__swatch--${s}`}
            style={{
              borderColor: STATE_INFO[s].color,
              backgroundColor: s === 'submitted' ? undefined : STATE_INFO[s].color,
            }}
          />
          {STATE_INFO[s].label}
        </li>
      ))}
      <li>
        <span className="ew-legend__now" />
        Now
      </li>
    </ul>
  )
}
