/**
 * The determination report as a PDF: category scores with their 95% intervals drawn against the
 * thresholds, the composite, the policy version, the run's size and duration, the
 * contamination probe, and comparisons. Built from aggregates only: nothing item-level ever
 * reaches this module, so no version of the report can carry controlled content.
 */
import PDFDocument from 'pdfkit'
import { CATEGORY_LABELS, type Category, type Estimate, type Outcome } from './policy.ts'

export interface ReportMeasure {
  measure: Category | 'composite'
  threshold: number | null
  estimate: Estimate | null
  /** Samples the model refused in this category. */
  refusals?: number
}

export interface ReportComparison {
  label: string
  outcome?: Outcome
  composite: Estimate | null
  at?: Date
}

export interface DeterminationReport {
  submission: { id: string; labName: string; modelName: string; modelVersion: string }
  outcome: Outcome
  reasons: string[]
  policyVersion: number
  determinedAt: Date
  logIndex: number | null
  run: { samples: number; epochs: number; startedAt: Date; finishedAt: Date; errors: number }
  measures: ReportMeasure[]
  contamination: { probed: boolean; positive: boolean; detail: string }
  elicitation: string[]
  /** Per-task aggregates: only in the program's and the custodian's version. */
  tasks?: Array<{ name: string; category: string; estimate: Estimate }>
  previous: ReportComparison[]
  baselines: ReportComparison[]
  audience: 'lab' | 'program'
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  covered: 'Covered frontier model',
  not_covered: 'Not a covered frontier model',
  inconclusive: 'Inconclusive',
}
const OUTCOME_COLOUR: Record<Outcome, string> = {
  covered: '#b50909',
  not_covered: '#00a91c',
  inconclusive: '#c05600',
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`
const label = (m: Category | 'composite') => (m === 'composite' ? 'Composite' : CATEGORY_LABELS[m])

/** Renders the report; resolves with the PDF bytes. */
export function renderReportPdf(r: DeterminationReport): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: {
      Title: `Determination: ${r.submission.modelName} ${r.submission.modelVersion}`,
      Author: 'earlywatch',
      Subject: 'Covered frontier model determination',
    },
  })
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })

  doc.fontSize(18).fillColor('#1b1b1b').text('Covered frontier model determination')
  doc
    .moveDown(0.3)
    .fontSize(11)
    .fillColor('#454545')
    .text(
      `${r.submission.labName} · ${r.submission.modelName} ${r.submission.modelVersion} · submission ${r.submission.id}`,
    )
  doc.moveDown(0.8)
  doc.fontSize(16).fillColor(OUTCOME_COLOUR[r.outcome]).text(OUTCOME_TEXT[r.outcome])
  doc.moveDown(0.3).fontSize(10).fillColor('#1b1b1b')
  for (const reason of r.reasons) doc.text(`• ${reason}`)
  doc.moveDown(0.5)
  doc
    .fillColor('#454545')
    .text(
      `Threshold policy version ${r.policyVersion} · determined ${r.determinedAt.toISOString()}${r.logIndex !== null ? ` · transparency-log entry ${r.logIndex}` : ''}`,
    )
    .text(
      `Run: ${r.run.samples} samples × ${r.run.epochs} epochs, ${Math.round((r.run.finishedAt.getTime() - r.run.startedAt.getTime()) / 60_000)} min, ${r.run.errors} errors`,
    )
  doc.moveDown(1)

  chart(doc, r.measures)

  doc.moveDown(1).fontSize(12).fillColor('#1b1b1b').text('Elicitation and contamination')
  doc.fontSize(10).fillColor('#1b1b1b')
  doc.text(
    `Contamination probe: ${r.contamination.probed ? (r.contamination.positive ? 'POSITIVE — ' : 'negative — ') : 'not run — '}${r.contamination.detail}`,
  )
  for (const line of r.elicitation) doc.text(`• ${line}`)
  const refusals = r.measures.filter((m) => (m.refusals ?? 0) > 0)
  if (refusals.length)
    doc.text(`Refusals: ${refusals.map((m) => `${label(m.measure)} ${m.refusals}`).join(', ')}`)

  comparisons(doc, 'Previous determinations of this lab', r.previous)
  comparisons(doc, 'Baseline models', r.baselines)

  if (r.audience === 'program' && r.tasks?.length) {
    doc.moveDown(1).fontSize(12).fillColor('#1b1b1b').text('Per-task aggregates')
    doc.fontSize(9)
    for (const t of r.tasks)
      doc.text(
        `${t.name} (${t.category}): ${pct(t.estimate.mean)} [${pct(t.estimate.low)}, ${pct(t.estimate.high)}], n = ${t.estimate.n}`,
      )
  }
  doc.end()
  return done
}

/** Each measure on one row: its interval as a bar, the mean as a dot, the threshold as a red tick. */
function chart(doc: PDFKit.PDFDocument, measures: ReportMeasure[]) {
  const left = 200
  const width = 300
  const rowH = 24
  const top = doc.y + 10
  const x = (v: number) => left + v * width
  doc
    .fontSize(12)
    .fillColor('#1b1b1b')
    .text('Scores with 95% intervals against thresholds', 50, doc.y)
  doc.fontSize(8).fillColor('#71767a')
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    doc.text(pct(tick).replace('.0', ''), x(tick) - 12, top + 8, { width: 24, align: 'center' })
    doc
      .moveTo(x(tick), top + 20)
      .lineTo(x(tick), top + 24 + rowH * measures.length)
      .lineWidth(0.5)
      .strokeColor('#dfe1e2')
      .stroke()
  }
  measures.forEach((m, i) => {
    const y = top + 24 + i * rowH + rowH / 2
    doc
      .fontSize(9)
      .fillColor('#1b1b1b')
      .text(label(m.measure), 50, y - 5, { width: 145, lineBreak: false })
    const e = m.estimate
    if (e) {
      doc.moveTo(x(e.low), y).lineTo(x(e.high), y).lineWidth(2).strokeColor('#005ea2').stroke()
      for (const end of [e.low, e.high])
        doc
          .moveTo(x(end), y - 4)
          .lineTo(x(end), y + 4)
          .lineWidth(1.5)
          .strokeColor('#005ea2')
          .stroke()
      doc.circle(x(e.mean), y, 3.5).fillColor('#005ea2').fill()
    } else {
      doc
        .fontSize(8)
        .fillColor('#71767a')
        .text('not measured', x(0) + 4, y - 4)
    }
    if (m.threshold !== null)
      doc
        .moveTo(x(m.threshold), y - 9)
        .lineTo(x(m.threshold), y + 9)
        .lineWidth(2)
        .strokeColor('#b50909')
        .stroke()
  })
  doc.y = top + 24 + rowH * measures.length + 10
  doc.x = 50
  doc
    .fontSize(8)
    .fillColor('#71767a')
    .text('Blue: mean and 95% interval. Red: threshold of the policy version in force.')
}

function comparisons(doc: PDFKit.PDFDocument, title: string, rows: ReportComparison[]) {
  doc.moveDown(1).fontSize(12).fillColor('#1b1b1b').text(title)
  doc.fontSize(10)
  if (rows.length === 0) {
    doc.fillColor('#71767a').text('None.')
    return
  }
  for (const c of rows)
    doc
      .fillColor('#1b1b1b')
      .text(
        `${c.label}${c.at ? ` (${c.at.toISOString().slice(0, 10)})` : ''}: ${c.outcome ? `${OUTCOME_TEXT[c.outcome]}, ` : ''}composite ${c.composite ? `${pct(c.composite.mean)} [${pct(c.composite.low)}, ${pct(c.composite.high)}]` : 'not measured'}`,
      )
}
