/** What every browser test needs: a real `earlywatch serve` in demo mode, and a Chromium page watched for errors. */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from 'playwright-core'
import { cleanEnv, freePort, runEarlywatch } from '../support.ts'

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface Server {
  base: string
  output: () => string
  stop: () => Promise<void>
}

/**
 * Starts `earlywatch serve` in demo mode on a free port and a fresh data directory; resolves
 * once /readyz answers. With E2E_BASE_URL set, uses that running server instead.
 */
export async function startDemoServer(): Promise<Server> {
  const given = process.env.E2E_BASE_URL
  if (given) return { base: given.replace(/\/$/, ''), output: () => '', stop: async () => {} }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ew-e2e-'))
  const port = await freePort()
  const serve = runEarlywatch(
    ['serve'],
    cleanEnv({
      PORT: String(port),
      EARLYWATCH_DATA_DIR: dataDir,
      EARLYWATCH_DEMO: 'true',
      LOG_LEVEL: 'warn',
    }),
  )
  const stop = async () => {
    await serve.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  for (;;) {
    if (serve.child.exitCode !== null) {
      await stop()
      assert.fail(`earlywatch serve exited before it was ready:\n${serve.output()}`)
    }
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    )
    if (ready) break
    if (Date.now() > deadline) {
      await stop()
      assert.fail(`earlywatch serve was not ready within 90 s:\n${serve.output()}`)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  return { base, output: serve.output, stop }
}

export async function shot(page: Page, name: string) {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true })
}

export interface BrowserSession {
  page: Page
  /** Script errors and Content-Security-Policy violations seen so far. */
  problems: string[]
  /** Call at the end of a passing test; otherwise a screenshot named `failureShot` is kept. */
  passed(): void
}

/**
 * Launches Debian's Chromium headless with a 1366×768 page. Cleanup runs in order after the
 * test: a picture of a failing page first, then the browser, then the server.
 */
export async function openPage(
  t: TestContext,
  server: Server,
  failureShot: string,
): Promise<BrowserSession> {
  assert.ok(
    existsSync(CHROMIUM),
    `No Chromium at ${CHROMIUM}. Install it (apt-get install chromium) or set CHROMIUM_PATH.`,
  )
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  })
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } })
  let failed = true
  t.after(async () => {
    if (failed) await shot(page, failureShot).catch(() => {})
  })
  t.after(() => browser.close())
  t.after(() => server.stop())
  page.setDefaultTimeout(20_000)
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`)
  })
  return {
    page,
    problems,
    passed: () => {
      failed = false
    },
  }
}
