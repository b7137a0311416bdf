/**
 * The model gateway against the practical limits, side by side in one run, on loopback:
 * 1. the mock model endpoint directly;
 * 2. a bare undici pass-through proxy (a few lines of Node: the limit for any Node gateway);
 * 3. earlywatch's gateway with a real grant, key, limits, metering and request log;
 * 4. `@portkey-ai/gateway` from the npm registry, installed for this run into a temp
 *    directory (never a project dependency).
 * Each server runs in its own process. Throughput: autocannon, closed loop. Latency: an open
 * loop at a fixed 300 requests/s, per-request times from the load generator. Streaming: time
 * to the first byte of a streamed answer, direct and through the gateway.
 * BENCH_SECONDS sets each throughput run's length (default 10); BENCH_SKIP_PORTKEY=1 skips
 * Portkey (no registry access).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { Pool } from 'undici'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = 32
const FIXED_RATE = 300
const LATENCY_SECONDS = Math.max(5, Math.round(SECONDS))
const TTFB_SAMPLES = 300
const PORTKEY_VERSION = '1.15.2'
const SERVERS = fileURLToPath(new URL('./gateway/servers.ts', import.meta.url))

const children: ChildProcess[] = []
const cleanup: Array<() => void> = []
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  for (const fn of cleanup) fn()
})

function start(cmd: string, args: string[], ready: RegExp, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env })
  children.push(child)
  let out = ''
  return new Promise<RegExpExecArray & { pid: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${args.join(' ')} did not start:\n${out}`)),
      120_000,
    )
    const onData = (d: Buffer) => {
      out += d
      const m = ready.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Object.assign(m, { pid: child.pid! }))
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (d) => {
      out += d
    })
    child.once('exit', (code) =>
      reject(new Error(`${args.join(' ')} exited with ${code}:\n${out}`)),
    )
  })
}

const server = (mode: string, upstream = '') =>
  start(process.execPath, [SERVERS, mode, upstream], /READY (\d+)(?: (\S+))?(?: (\S+))?\n/)

interface Target {
  name: string
  url: string
  headers: Record<string, string>
  /** The server process, whose CPU time per answered request is reported where /proc exists. */
  pid?: number
}

/** CPU time (user + system) a process has used, in ms, from /proc; null where there is none. */
function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
  } catch {
    return null
  }
}
/** CPU µs per answered request of each proxy during its throughput run: a figure that a busy machine disturbs less than requests per second. */
const cpuPerRequest: Record<string, number | null> = {}

const body = (stream: boolean) =>
  JSON.stringify({
    model: 'frontier-1',
    messages: [{ role: 'user', content: 'Summarise the advisory in one line.' }],
    ...(stream ? { stream: true } : {}),
  })

async function throughput(target: Target): Promise<number> {
  const cpu0 = cpuMs(target.pid)
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: body(false),
    connections: CONNECTIONS,
    duration: SECONDS,
  })
  const bad = result.non2xx + result.errors + result.timeouts
  // Only answered requests count; failures are reported, not hidden.
  if (bad > 0)
    process.stdout.write(
      `  ${target.name}: ${bad} of ${result.requests.total} requests failed or timed out (not counted)\n`,
    )
  const cpu1 = cpuMs(target.pid)
  cpuPerRequest[target.name] =
    cpu0 !== null && cpu1 !== null && result['2xx'] > 0
      ? ((cpu1 - cpu0) * 1000) / result['2xx']
      : null
  return result['2xx'] / result.duration
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

/** Open loop: one request every 1/rate s whatever the answers do, each timed from its send. */
async function fixedRate(target: Target): Promise<{ p50: number; p99: number }> {
  const url = new URL(target.url)
  const pool = new Pool(url.origin, { connections: 64 })
  const headers = { 'content-type': 'application/json', ...target.headers }
  const payload = body(false)
  const times: number[] = []
  let failed = 0
  const total = FIXED_RATE * LATENCY_SECONDS
  const interval = 1000 / FIXED_RATE
  const t0 = performance.now()
  const pending: Promise<void>[] = []
  for (let i = 0; i < total; i++) {
    const due = t0 + i * interval
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    pending.push(
      (async () => {
        const s = performance.now()
        try {
          const res = await pool.request({
            path: url.pathname,
            method: 'POST',
            headers,
            body: payload,
          })
          await res.body.arrayBuffer()
          if (res.statusCode !== 200) failed++
          // The first second warms connections and caches; it is not counted.
          else if (i >= FIXED_RATE) times.push(performance.now() - s)
        } catch {
          failed++
        }
      })(),
    )
  }
  await Promise.all(pending)
  await pool.close()
  if (failed)
    process.stdout.write(`  ${target.name}: ${failed} of ${total} requests failed (not counted)\n`)
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 50), p99: percentile(times, 99) }
}

/** Time to the first byte of a streamed answer, one stream at a time; the median. */
async function ttfb(target: Target): Promise<number> {
  const url = new URL(target.url)
  const pool = new Pool(url.origin, { connections: 1 })
  const headers = { 'content-type': 'application/json', ...target.headers }
  const times: number[] = []
  for (let i = 0; i < TTFB_SAMPLES + 50; i++) {
    const s = performance.now()
    const res = await pool.request({
      path: url.pathname,
      method: 'POST',
      headers,
      body: body(true),
    })
    let first = 0
    for await (const _chunk of res.body) if (!first) first = performance.now() - s
    if (res.statusCode !== 200) throw new Error(`${target.name}: HTTP ${res.statusCode}`)
    if (i >= 50) times.push(first)
  }
  await pool.close()
  times.sort((a, b) => a - b)
  return percentile(times, 50)
}

function installPortkey(): string | null {
  if (process.env.BENCH_SKIP_PORTKEY === '1') return null
  const dir = mkdtempSync(path.join(tmpdir(), 'ew-bench-portkey-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  process.stdout.write(`installing @portkey-ai/gateway@${PORTKEY_VERSION} into a temp directory…\n`)
  try {
    execFileSync(
      'npm',
      [
        'install',
        '--prefix',
        dir,
        '--no-audit',
        '--no-fund',
        `@portkey-ai/gateway@${PORTKEY_VERSION}`,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
  } catch (err) {
    process.stdout.write(
      `Portkey could not be installed (${(err as Error).message.split('\n')[0]}); it is left out.\n`,
    )
    return null
  }
  const entry = path.join(dir, 'node_modules/@portkey-ai/gateway/build/start-server.js')
  return existsSync(entry) ? entry : null
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d

const [, mockPort] = await server('mock')
const mockBase = `http://127.0.0.1:${mockPort}/v1`
const bareServer = await server('bare', mockBase)
const barePort = bareServer[1]
const gatewayServer = await server('gateway', mockBase)
const [, gatewayPort, key, dbKind] = gatewayServer
const portkeyEntry = installPortkey()
let portkey: Target | null = null
if (portkeyEntry) {
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  await start(
    process.execPath,
    [portkeyEntry, `--port=${port}`, '--headless'],
    /Ready for connections/,
    {
      ...process.env,
      NODE_ENV: 'production',
    },
  )
  portkey = {
    name: 'portkey',
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    headers: {
      authorization: 'Bearer sk-bench-lab',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': mockBase,
    },
  }
}

const direct: Target = {
  name: 'direct',
  url: `${mockBase}/chat/completions`,
  headers: { authorization: 'Bearer sk-bench-lab' },
}
const bare: Target = {
  name: 'bare proxy',
  url: `http://127.0.0.1:${barePort}/v1/chat/completions`,
  headers: {},
  pid: bareServer.pid,
}
const gateway: Target = {
  name: 'gateway',
  url: `http://127.0.0.1:${gatewayPort}/gateway/openai/v1/chat/completions`,
  headers: { authorization: `Bearer ${key}` },
  pid: gatewayServer.pid,
}

process.stdout.write(
  `gateway database: ${dbKind}${dbKind === 'pglite' ? ' (embedded; set DATABASE_URL for PostgreSQL)' : ''}; ${CONNECTIONS} connections, ${SECONDS} s per throughput run\n`,
)
// A warm-up of each path under the measured load (JIT and WebAssembly tier-up, connections, the
// grant cache), not measured: the same for every target. Servers run for weeks; the first
// seconds of a process are not its throughput (earlywatch's gateway, with the embedded
// database's WebAssembly in its process, needs about 5 s at full load to reach steady state).
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 6)
for (const target of [direct, bare, gateway, ...(portkey ? [portkey] : [])]) {
  await autocannon({
    url: target.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: body(false),
    connections: CONNECTIONS,
    duration: WARMUP_SECONDS,
  })
}

const rps: Record<string, number> = {}
for (const target of [direct, bare, gateway, ...(portkey ? [portkey] : [])]) {
  rps[target.name] = await throughput(target)
  const cpu = cpuPerRequest[target.name]
  process.stdout.write(
    `throughput  ${target.name.padEnd(11)} ${Math.round(rps[target.name]!)} requests/s${cpu ? `  (${Math.round(cpu)} µs CPU per request)` : ''}\n`,
  )
}

const lat: Record<string, { p50: number; p99: number }> = {}
for (const target of [direct, gateway, ...(portkey ? [portkey] : [])]) {
  lat[target.name] = await fixedRate(target)
  process.stdout.write(
    `latency at ${FIXED_RATE}/s  ${target.name.padEnd(8)} p50 ${lat[target.name]!.p50.toFixed(3)} ms  p99 ${lat[target.name]!.p99.toFixed(3)} ms\n`,
  )
}

const ttfbDirect = await ttfb(direct)
const ttfbGateway = await ttfb(gateway)
process.stdout.write(
  `stream TTFB  direct ${ttfbDirect.toFixed(3)} ms  gateway ${ttfbGateway.toFixed(3)} ms (medians)\n`,
)

const result = {
  direct_rps: Math.round(rps.direct!),
  bare_proxy_rps: Math.round(rps['bare proxy']!),
  gateway_rps: Math.round(rps.gateway!),
  portkey_rps: portkey ? Math.round(rps.portkey!) : null,
  ratio_to_bare_proxy: round(rps.gateway! / rps['bare proxy']!),
  ratio_to_portkey: portkey ? round(rps.gateway! / rps.portkey!) : null,
  added_p50_ms: round(lat.gateway!.p50 - lat.direct!.p50, 3),
  added_p99_ms: round(lat.gateway!.p99 - lat.direct!.p99, 3),
  added_ttfb_ms: round(ttfbGateway - ttfbDirect, 3),
  ...(portkey
    ? {
        portkey_added_p50_ms: round(lat.portkey!.p50 - lat.direct!.p50, 3),
        portkey_added_p99_ms: round(lat.portkey!.p99 - lat.direct!.p99, 3),
      }
    : {}),
  cpu_us_per_request: {
    bare_proxy: cpuPerRequest['bare proxy'] ? Math.round(cpuPerRequest['bare proxy']) : null,
    gateway: cpuPerRequest.gateway ? Math.round(cpuPerRequest.gateway) : null,
  },
  load_average: loadavg().map((n) => round(n)),
  targets: {
    ratio_to_bare_proxy: 0.7,
    ratio_to_portkey: 3,
    added_p50_ms: 1,
    added_p99_ms: 5,
    added_ttfb_ms: 2,
  },
}
for (const c of children) c.kill('SIGTERM')
await new Promise((r) => setTimeout(r, 500))
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
process.exit(0)
