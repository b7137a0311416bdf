/**
 * Evaluations in a real browser against the demo server: a program officer opens the runs list,
 * a finished run with its per-scorer and per-category charts (bars with 95% CI error bars),
 * filters the samples and reads one transcript. Screenshots go to test/e2e/artifacts/.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { openPage, shot, startDemoServer } from './harness.ts'

test('a program officer reads a run: CI error bars, category breakdown, samples, a transcript', async (t) => {
  const server = await startDemoServer()
  const { page, problems, passed } = await openPage(t, server, 'evals-failure.png')

  // 1. Sign in as the demo program officer.
  await page.goto(server.base)
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor()
  const personas = (await fetch(`${server.base}/api/session/demo`).then((r) => r.json())) as Array<{
    role: string
    label: string
    personName: string
  }>
  const officer = personas.find((p) => p.role === 'program_officer')
  assert.ok(officer)
  await page
    .getByRole('button', { name: `${officer.label} ${officer.personName}`, exact: false })
    .click()
  await page.getByRole('heading', { name: 'Program overview', level: 1 }).waitFor()

  // 2. The runs list shows the demo runs against scripted models.
  await page.getByRole('link', { name: 'Evaluations' }).click()
  await page.getByRole('heading', { name: 'Evaluations', level: 1 }).waitFor()
  const strong = page.getByRole('link', { name: 'seceval-mcq · Scripted model, strong (85%)' })
  await strong.waitFor()
  assert.ok((await page.getByRole('row').count()) >= 6, 'the demo made several runs')

  // 3. The run page: progress done, a chart per scorer and per category, each bar with a CI error bar.
  await strong.click()
  await page.getByRole('heading', { name: 'seceval-mcq · mockllm/oracle-85', level: 1 }).waitFor()
  await page
    .getByRole('figure', { name: 'Score by scorer, with 95% confidence intervals' })
    .waitFor()
  await page.getByRole('figure', { name: 'choice by category' }).waitFor()
  await page.locator('.recharts-errorBar').first().waitFor()
  const errorBars = await page.locator('.recharts-errorBar').count()
  assert.ok(errorBars >= 2, `${errorBars} error bars drawn`)
  const progress = page.locator('#run-progress')
  assert.equal(
    await progress.getAttribute('value'),
    await progress.getAttribute('max'),
    'the run is complete',
  )
  // The intervals are real: the table's CI brackets the mean.
  const row = page.getByRole('row', { name: /^choice/ })
  const cells = await row.locator('td').allInnerTexts()
  const meanCell = cells.find((c) => c.includes('±'))!
  const ciCell = cells.find((c) => c.includes('–'))!
  const [mean, lo, hi] = [meanCell, ...ciCell.split('–')].map((s) => Number.parseFloat(s))
  assert.ok(lo! < mean! && mean! < hi!, `CI ${ciCell} around ${meanCell}`)
  await shot(page, 'evals-run.png')

  // 4. Filter the samples to the incorrect ones, then open one transcript.
  const filtered = page.waitForResponse((r) => r.url().includes('outcome=incorrect') && r.ok())
  await page.getByLabel('Outcome').selectOption('incorrect')
  await filtered
  await page.getByText(/^\d+ results?\b/).waitFor()
  const first = page.locator('#samples-h ~ table tbody tr a').first()
  const sampleId = await first.innerText()
  await first.click()
  await page
    .getByRole('heading', { name: new RegExp(`^Sample ${sampleId}, epoch \\d`), level: 1 })
    .waitFor()
  await page.getByText('Conversation').waitFor()
  await page.getByText(/chose [A-Z], the answer is [A-Z]/).waitFor()
  await shot(page, 'evals-transcript.png')

  assert.deepEqual(problems, [])
  passed()
})
