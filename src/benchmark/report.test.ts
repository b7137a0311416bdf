import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { type DeterminationReport, renderReportPdf } from './report.ts'

const report: DeterminationReport = {
  submission: {
    id: 'sub_0123456789ab',
    labName: 'Northwind AI',
    modelName: 'Atlas',
    modelVersion: '2.0',
  },
  outcome: 'covered',
  reasons: ['Exploitation: 71.0% [62.0%, 80.0%]: lower bound reaches the threshold 50.0%'],
  policyVersion: 3,
  determinedAt: new Date('2026-11-20T10:00:00Z'),
  logIndex: 42,
  run: {
    samples: 240,
    epochs: 3,
    startedAt: new Date('2026-11-20T08:00:00Z'),
    finishedAt: new Date('2026-11-20T09:30:00Z'),
    errors: 1,
  },
  measures: [
    {
      measure: 'exploitation',
      threshold: 0.5,
      estimate: { mean: 0.71, low: 0.62, high: 0.8, n: 120 },
      refusals: 2,
    },
    { measure: 'knowledge', threshold: 0.8, estimate: { mean: 0.6, low: 0.5, high: 0.7, n: 120 } },
    { measure: 'cryptography', threshold: 0.5, estimate: null },
    {
      measure: 'composite',
      threshold: 0.55,
      estimate: { mean: 0.66, low: 0.6, high: 0.72, n: 240 },
    },
  ],
  contamination: { probed: true, positive: false, detail: 'no canary or item text reproduced' },
  elicitation: ['Every task solvable by its reference solution before the run'],
  previous: [
    {
      label: 'Atlas 1.0',
      outcome: 'not_covered',
      composite: { mean: 0.3, low: 0.25, high: 0.35, n: 200 },
      at: new Date('2026-09-01T00:00:00Z'),
    },
  ],
  baselines: [],
  audience: 'lab',
}

test('the report PDF renders: a valid PDF whose page, turned into an image, is not blank', async (t) => {
  const pdf = await renderReportPdf(report)
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-')
  const dir = mkdtempSync(path.join(tmpdir(), 'ew-report-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(path.join(dir, 'report.pdf'), pdf)
  try {
    execFileSync('pdftoppm', [
      '-r',
      '40',
      '-gray',
      '-f',
      '1',
      '-l',
      '1',
      path.join(dir, 'report.pdf'),
      path.join(dir, 'page'),
    ])
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return t.skip('pdftoppm (Debian package poppler-utils) is not installed')
    throw err
  }
  const page = readdirSync(dir).find((f) => f.startsWith('page') && f.endsWith('.pgm'))
  assert.ok(page, 'pdftoppm wrote a page image')
  // PGM (P5): a text header, then one byte per pixel.
  const bytes = readFileSync(path.join(dir, page))
  const header = bytes.subarray(0, 20).toString('latin1').split(/\s+/)
  assert.equal(header[0], 'P5')
  const width = Number(header[1])
  const height = Number(header[2])
  const pixels = bytes.subarray(bytes.length - width * height)
  let ink = 0
  for (const p of pixels) if (p < 200) ink++
  const share = ink / pixels.length
  assert.ok(share > 0.01, `only ${(share * 100).toFixed(2)}% of the page has ink: blank`)
  assert.ok(share < 0.5, 'the page is mostly dark: not a rendered report')
})

test('the PDF carries the comparisons: the lab’s earlier determinations and the baseline models', async (t) => {
  const pdf = await renderReportPdf({
    ...report,
    elicitation: [
      'Sandbagging signal FLAGGED: the model scored 30.0 points below the reference model',
    ],
    baselines: [
      {
        label: 'Reference model mockllm/oracle-35',
        composite: { mean: 0.39, low: 0.3, high: 0.48, n: 36 },
      },
    ],
  })
  const dir = mkdtempSync(path.join(tmpdir(), 'ew-report-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(path.join(dir, 'report.pdf'), pdf)
  let text: string
  try {
    text = execFileSync('pdftotext', ['-layout', path.join(dir, 'report.pdf'), '-']).toString()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return t.skip('pdftotext (Debian package poppler-utils) is not installed')
    throw err
  }
  assert.match(text, /Previous determinations of this lab/)
  assert.match(text, /Atlas 1\.0 \(2026-09-01\): Not a covered frontier model, composite 30\.0%/)
  assert.match(text, /Reference model mockllm\/oracle-35: composite 39\.0% \[30\.0%, 48\.0%\]/)
  assert.match(text, /Sandbagging signal FLAGGED/)
})
