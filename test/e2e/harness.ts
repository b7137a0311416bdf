/** What every browser test needs: a real `earlywatch serve` in demo mode, and a Chromium page watched for errors. */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { chromium, type Page, type Response } from 'playwright-core'
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
export async function startDemoServer(opts: { logLevel?: string } = {}): Promise<Server> {
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
      LOG_LEVEL: opts.logLevel ?? 'warn',
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

/** One response the browser received, with its body when it is text. */
export interface RecordedResponse {
  url: string
  status: number
  contentType: string
  body: string
  /** What the test had set as `session.context` (e.g. the persona signed in) when it arrived. */
  context: string
}

export interface BrowserSession {
  page: Page
  /** Script errors and Content-Security-Policy violations seen so far. */
  problems: string[]
  /**
   * Every response the page received so far (text bodies kept, binary ones empty), for tests
   * that scan what reached the browser. Call `settled()` before reading it.
   */
  responses: RecordedResponse[]
  /** A label stamped on each response as it arrives, e.g. the persona signed in. */
  context: string
  /** Resolves once every response seen so far has its body recorded. */
  settled(): Promise<void>
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
  const pending = new Set<Promise<void>>()
  const session: BrowserSession = {
    page,
    problems,
    responses: [],
    context: '',
    settled: async () => {
      while (pending.size) await Promise.all([...pending])
    },
    passed: () => {
      failed = false
    },
  }
  page.on('response', (res: Response) => {
    const context = session.context
    const contentType = res.headers()['content-type'] ?? ''
    const text = /^(text\/|application\/(json|problem\+json|javascript|xml))/.test(contentType)
    const p = (text ? res.text() : Promise.resolve(''))
      .catch(() => '')
      .then((body) => {
        session.responses.push({ url: res.url(), status: res.status(), contentType, body, context })
      })
      .finally(() => pending.delete(p))
    pending.add(p)
  })
  return session
}
