/** The verifier as an independent tlog-tiles client, against Tessera's real log served over HTTP. */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { formatCheckpoint } from './checkpoint.ts'
import { leafHash, rootOf } from './merkle.ts'
import { generateSignerKey, parseSignerKey, signNote } from './note.ts'
import { encodeEntryBundle, entriesPath, tilePath } from './tiles.ts'
import { verifyLog } from './verifier.ts'

const TESSERA_KEY = 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx'
const TESSERA_DIR = fileURLToPath(new URL('./fixtures/tessera/', import.meta.url))

function loadTree(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>()
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else if (name !== 'SOURCE.md')
        files.set(relative(dir, p).split('\\').join('/'), readFileSync(p))
    }
  }
  walk(dir)
  return files
}

/** A static tlog-tiles server on 127.0.0.1 serving `files` under /log/; tests swap files between runs. */
async function serveLog(
  t: { after(fn: () => unknown): void },
  files: Map<string, Uint8Array>,
  requested: string[] = [],
) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    requested.push(path.slice('/log/'.length))
    const body = path.startsWith('/log/') ? files.get(path.slice('/log/'.length)) : undefined
    if (!body) {
      res.writeHead(404).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/log`
}

async function tempState(t: { after(fn: () => unknown): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'ew-verify-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return join(dir, 'state', 'log.json')
}

test('a fresh verification of the Tessera log passes and records the checkpoint', async (t) => {
  const files = loadTree(TESSERA_DIR)
  const baseUrl = await serveLog(t, files)
  const stateFile = await tempState(t)
  const progress: number[] = []
  const r = await verifyLog({
    baseUrl,
    verifierKey: TESSERA_KEY,
    stateFile,
    onProgress: (done) => progress.push(done),
  })
  assert.deepEqual(r.problems, [])
  assert.equal(r.ok, true)
  assert.equal(r.size, 15)
  assert.equal(r.entriesChecked, 15)
  assert.equal(progress.at(-1), 15)
  const state = JSON.parse(await readFile(stateFile, 'utf8'))
  assert.equal(state.size, 15)
  assert.equal(state.origin, 'example.com/log/testdata')
  assert.equal(state.checkpoint, Buffer.from(files.get('checkpoint')!).toString('utf8'))
})

test('1. checkpoint 10 then checkpoint 15: consistent, state advances; inclusion of chosen entries', async (t) => {
  const files = loadTree(TESSERA_DIR)
  const baseUrl = await serveLog(t, files)
  const stateFile = await tempState(t)
  const latest = files.get('checkpoint')!
  files.set('checkpoint', files.get('checkpoint.10')!)
  const first = await verifyLog({ baseUrl, verifierKey: TESSERA_KEY, stateFile })
  assert.deepEqual(first.problems, [])
  assert.equal(first.size, 10)

  files.set('checkpoint', latest)
  const second = await verifyLog({
    baseUrl,
    verifierKey: TESSERA_KEY,
    stateFile,
    entries: [0, 7, 14],
  })
  assert.deepEqual(second.problems, [])
  assert.equal(second.previous?.size, 10)
  assert.deepEqual(
    second.included.map((e) => [e.index, e.data]),
    [
      [0, 'one'],
      [7, 'eit'],
      [14, 'fivten'],
    ],
  )
  assert.equal(JSON.parse(await readFile(stateFile, 'utf8')).size, 15)
})

test('an entry index beyond the tree is a problem, not a crash', async (t) => {
  const baseUrl = await serveLog(t, loadTree(TESSERA_DIR))
  const r = await verifyLog({ baseUrl, verifierKey: TESSERA_KEY, entries: [15] })
  assert.equal(r.ok, false)
  assert.deepEqual(r.problems, ['entry 15 is not in the log: checkpoint 15 holds entries 0 to 14'])
})

test('a modified entry bundle is reported at the exact entry', async (t) => {
  const files = loadTree(TESSERA_DIR)
  const bundle = Buffer.from(files.get('tile/entries/000.p/15')!)
  // "nain" (entry 8) becomes "nine": same length, so only the content check can catch it.
  const at = bundle.indexOf('nain')
  bundle.write('nine', at)
  files.set('tile/entries/000.p/15', bundle)
  const baseUrl = await serveLog(t, files)
  const stateFile = await tempState(t)
  const r = await verifyLog({ baseUrl, verifierKey: TESSERA_KEY, stateFile })
  assert.equal(r.ok, false)
  assert.deepEqual(r.problems, [
    'entry 8 does not match its leaf hash: the log content was changed',
  ])
  await assert.rejects(
    readFile(stateFile),
    { code: 'ENOENT' },
    'a failed run must not record its checkpoint',
  )
})

test('a modified hash tile no longer gives the signed root', async (t) => {
  const files = loadTree(TESSERA_DIR)
  const tile = Buffer.from(files.get('tile/0/000.p/15')!)
  tile[5 * 32] = tile[5 * 32]! ^ 0xff
  files.set('tile/0/000.p/15', tile)
  const r = await verifyLog({ baseUrl: await serveLog(t, files), verifierKey: TESSERA_KEY })
  assert.equal(r.ok, false)
  assert.equal(r.problems.length, 1)
  assert.match(
    r.problems[0]!,
    /^the root computed from the tiles \(.+\) differs from checkpoint 15's signed root/,
  )
})

test('malformed tiles, bundles and checkpoints give clear problems', async (t) => {
  const cases: Array<[string, (f: Map<string, Uint8Array>) => void, RegExp]> = [
    [
      'short tile',
      (f) => f.set('tile/0/000.p/15', f.get('tile/0/000.p/15')!.subarray(1)),
      /tile tile\/0\/000\.p\/15 is 479 bytes; a tile of 15 hashes is 480/,
    ],
    ['missing tile', (f) => f.delete('tile/0/000.p/15'), /answered HTTP 404/],
    [
      'truncated bundle',
      (f) => f.set('tile/entries/000.p/15', f.get('tile/entries/000.p/15')!.subarray(0, 20)),
      /entry bundle tile\/entries\/000\.p\/15 is malformed: .*truncated/,
    ],
    [
      'bundle with an entry missing',
      (f) => f.set('tile/entries/000.p/15', f.get('tile/entries/000.p/14')!),
      /holds 14 entries, not 15/,
    ],
    [
      'tampered checkpoint',
      (f) =>
        f.set(
          'checkpoint',
          Buffer.from(Buffer.from(f.get('checkpoint')!).toString().replace('\n15\n', '\n14\n')),
        ),
      /checkpoint at .* is not acceptable: signature does not verify with key example\.com\/log\/testdata\+33d7b496/,
    ],
    [
      'not a note',
      (f) => f.set('checkpoint', Buffer.from('<html>')),
      /is not acceptable: note does not end with a newline/,
    ],
    [
      'oversized tile',
      (f) => f.set('tile/0/000.p/15', new Uint8Array(8193)),
      /sends more than 8192 bytes, more than any valid resource of its kind/,
    ],
    [
      'oversized checkpoint',
      (f) => f.set('checkpoint', new Uint8Array(2 << 20)),
      /checkpoint sends more than 1048576 bytes/,
    ],
  ]
  for (const [name, change, re] of cases) {
    const files = loadTree(TESSERA_DIR)
    change(files)
    const r = await verifyLog({ baseUrl: await serveLog(t, files), verifierKey: TESSERA_KEY })
    assert.equal(r.ok, false, name)
    assert.equal(r.problems.length, 1, `${name}: ${r.problems.join(' | ')}`)
    assert.match(r.problems[0]!, re, name)
  }
})

test('a wrong key or an unreachable log is reported, not thrown', async (t) => {
  const baseUrl = await serveLog(t, loadTree(TESSERA_DIR))
  const other = generateSignerKey('example.com/log/testdata').verifierKey
  const wrongKey = await verifyLog({ baseUrl, verifierKey: other })
  assert.match(wrongKey.problems[0]!, /not signed by any trusted key/)
  const badKey = await verifyLog({ baseUrl, verifierKey: 'nonsense' })
  assert.match(
    badKey.problems[0]!,
    /the verifier key is not usable: verifier key must have the form/,
  )
  const down = await verifyLog({ baseUrl: 'http://127.0.0.1:1/log', verifierKey: TESSERA_KEY })
  assert.match(down.problems[0]!, /could not fetch http:\/\/127\.0\.0\.1:1\/log\/checkpoint/)
})

test('2. an older checkpoint served after a newer one was seen: history rewritten', async (t) => {
  const files = loadTree(TESSERA_DIR)
  const baseUrl = await serveLog(t, files)
  const stateFile = await tempState(t)
  assert.equal((await verifyLog({ baseUrl, verifierKey: TESSERA_KEY, stateFile })).ok, true)
  const seenAt = JSON.parse(await readFile(stateFile, 'utf8')).seenAt
  files.set('checkpoint', files.get('checkpoint.12')!)
  const r = await verifyLog({ baseUrl, verifierKey: TESSERA_KEY, stateFile })
  assert.equal(r.ok, false)
  assert.deepEqual(r.problems, [
    `checkpoint 12 is not consistent with checkpoint 15 seen on ${seenAt}: the log shrank, so history was rewritten (or an old checkpoint is being replayed)`,
  ])
  assert.equal(
    JSON.parse(await readFile(stateFile, 'utf8')).size,
    15,
    'the newer checkpoint stays remembered',
  )
})

/** A tiled log of our own, with full and partial tiles at every level, signed with a key we hold. */
function buildLog(entries: string[], signer: ReturnType<typeof parseSignerKey>) {
  const data = entries.map((e) => Buffer.from(e))
  const files = new Map<string, Uint8Array>()
  let hashes = data.map((d) => leafHash(d))
  const body = formatCheckpoint({ origin: signer.name, size: data.length, root: rootOf(hashes) })
  files.set('checkpoint', Buffer.from(signNote(body, signer)))
  for (let n = 0; n * 256 < data.length; n++) {
    const part = data.slice(n * 256, (n + 1) * 256)
    files.set(entriesPath(n, part.length < 256 ? part.length : undefined), encodeEntryBundle(part))
  }
  for (let level = 0; hashes.length > 0; level++) {
    const above: Buffer[] = []
    for (let n = 0; n * 256 < hashes.length; n++) {
      const part = hashes.slice(n * 256, (n + 1) * 256)
      files.set(
        tilePath(level, n, part.length < 256 ? part.length : undefined),
        Buffer.concat(part),
      )
      if (part.length === 256) above.push(rootOf(part))
    }
    hashes = above
  }
  return files
}

test('a log with full and partial tiles on two levels verifies; a wrong level-1 tile is named', async (t) => {
  const key = generateSignerKey('log.example/big')
  const files = buildLog(
    Array.from({ length: 600 }, (_, i) => `entry ${i}`),
    parseSignerKey(key.signerKey),
  )
  assert.ok(files.has('tile/0/000') && files.has('tile/0/002.p/88') && files.has('tile/1/000.p/2'))
  const baseUrl = await serveLog(t, files)
  const ok = await verifyLog({ baseUrl, verifierKey: key.verifierKey, entries: [0, 255, 256, 599] })
  assert.deepEqual(ok.problems, [])
  assert.equal(ok.entriesChecked, 600)
  assert.deepEqual(
    ok.included.map((e) => e.data),
    ['entry 0', 'entry 255', 'entry 256', 'entry 599'],
  )

  const level1 = Buffer.from(files.get('tile/1/000.p/2')!)
  level1[40] = level1[40]! ^ 1
  files.set('tile/1/000.p/2', level1)
  const bad = await verifyLog({ baseUrl, verifierKey: key.verifierKey })
  assert.deepEqual(bad.problems, [
    'tile tile/1/000.p/2 hash 1 does not match the tiles below it: the log serves a tree other than the one its entries make',
  ])

  files.set('tile/1/000.p/2', level1.subarray(0, 32))
  files.set('tile/entries/001', encodeEntryBundle([]))
  const worse = await verifyLog({ baseUrl, verifierKey: key.verifierKey })
  assert.equal(worse.ok, false)
  assert.match(
    worse.problems.join('\n'),
    /tile\/1\/000\.p\/2 is 32 bytes; a tile of 2 hashes is 64/,
  )
})

test('3. a rewritten history signed by the log itself is caught against the checkpoint seen before', async (t) => {
  const key = generateSignerKey('log.example/rewritten')
  const signer = parseSignerKey(key.signerKey)
  const honest = Array.from({ length: 10 }, (_, i) => `decision ${i}`)
  let files = buildLog(honest, signer)
  const server = new Map<string, Uint8Array>()
  const swap = (f: Map<string, Uint8Array>) => {
    server.clear()
    for (const [k, v] of f) server.set(k, v)
  }
  swap(files)
  const baseUrl = await serveLog(t, server)
  const stateFile = await tempState(t)
  const now = () => new Date('2026-11-23T09:00:00.000Z')
  assert.equal(
    (await verifyLog({ baseUrl, verifierKey: key.verifierKey, stateFile, now })).ok,
    true,
  )

  // The log drops entries 8 and 9 and writes others in their place, then grows to 11.
  files = buildLog(
    [...honest.slice(0, 8), 'decision 8 (edited)', 'decision 9', 'decision 10'],
    signer,
  )
  swap(files)
  const r = await verifyLog({ baseUrl, verifierKey: key.verifierKey, stateFile })
  assert.equal(r.ok, false)
  assert.equal(r.problems.length, 1)
  assert.match(
    r.problems[0]!,
    /^checkpoint 11 is not consistent with checkpoint 10 seen on 2026-11-23T09:00:00\.000Z: the first 10 entries now hash to .+, not .+, so history was rewritten$/,
  )

  // Same size, different root: also a rewrite.
  swap(buildLog([...honest.slice(0, 9), 'decision 9 (edited)'], signer))
  const same = await verifyLog({ baseUrl, verifierKey: key.verifierKey, stateFile })
  assert.match(same.problems[0]!, /checkpoint 10 is not consistent with checkpoint 10 seen on/)
  assert.match(same.evidence!.previous, /^log\.example\/rewritten\n10\n/)
  assert.match(same.evidence!.current, /^log\.example\/rewritten\n10\n/)
  assert.notEqual(same.evidence!.previous, same.evidence!.current)

  // An honest extension still verifies.
  swap(buildLog([...honest, 'decision 10'], signer))
  assert.deepEqual(
    (await verifyLog({ baseUrl, verifierKey: key.verifierKey, stateFile })).problems,
    [],
  )
})

test('an empty log verifies', async (t) => {
  const key = generateSignerKey('log.example/empty')
  const baseUrl = await serveLog(t, buildLog([], parseSignerKey(key.signerKey)))
  const r = await verifyLog({ baseUrl, verifierKey: key.verifierKey })
  assert.deepEqual(r.problems, [])
  assert.equal(r.size, 0)
})

test('a corrupt state file is a clear problem', async (t) => {
  const baseUrl = await serveLog(t, loadTree(TESSERA_DIR))
  const stateFile = await tempState(t)
  await verifyLog({ baseUrl, verifierKey: TESSERA_KEY, stateFile })
  await writeFile(stateFile, '{"origin":"x"')
  const r = await verifyLog({ baseUrl, verifierKey: TESSERA_KEY, stateFile })
  assert.match(r.problems[0]!, /state file .* is not JSON; restore it from a backup, or delete it/)
  await writeFile(stateFile, '{"origin":"x","size":-1}')
  const r2 = await verifyLog({ baseUrl, verifierKey: TESSERA_KEY, stateFile })
  assert.match(r2.problems[0]!, /is not a verifier state \(size: /)
})

test('a different key for a log seen before is refused (trust on first use)', async (t) => {
  const key = generateSignerKey('log.example/rotated')
  const baseUrl = await serveLog(t, buildLog(['a', 'b'], parseSignerKey(key.signerKey)))
  const stateFile = await tempState(t)
  assert.equal((await verifyLog({ baseUrl, verifierKey: key.verifierKey, stateFile })).ok, true)
  const other = generateSignerKey('log.example/rotated')
  const r = await verifyLog({ baseUrl, verifierKey: other.verifierKey, stateFile })
  assert.equal(r.ok, false)
  assert.match(
    r.problems[0]!,
    /^the verifier key .* is not the key .* that verified checkpoint 2 seen on .*start a new --state file$/,
  )
})

test('a quick check reads only the tiles a light client needs, and still proves chosen entries', async (t) => {
  const key = generateSignerKey('log.example/quick')
  const signer = parseSignerKey(key.signerKey)
  const files = buildLog(
    Array.from({ length: 600 }, (_, i) => `entry ${i}`),
    signer,
  )
  const requested: string[] = []
  const baseUrl = await serveLog(t, files, requested)
  const stateFile = await tempState(t)
  const r = await verifyLog({
    baseUrl,
    verifierKey: key.verifierKey,
    stateFile,
    full: false,
    entries: [300],
  })
  assert.deepEqual(r.problems, [])
  assert.equal(r.entriesChecked, 1)
  assert.deepEqual(
    r.included.map((e) => e.data),
    ['entry 300'],
  )
  assert.deepEqual(requested.sort(), [
    'checkpoint',
    'tile/0/001',
    'tile/0/002.p/88',
    'tile/1/000.p/2',
    'tile/entries/001',
  ])

  // 1. A changed chosen entry is caught; entries nobody asked about are not read at all.
  const bundle = Buffer.from(files.get('tile/entries/001')!)
  bundle.write('ENTRY 300', bundle.indexOf('entry 300'))
  files.set('tile/entries/001', bundle)
  const changed = await verifyLog({
    baseUrl,
    verifierKey: key.verifierKey,
    full: false,
    entries: [300],
  })
  assert.deepEqual(changed.problems, [
    'entry 300 does not match its leaf hash: the log content was changed',
  ])

  // 2. A wrong upper tile changes the root a light client computes.
  const level1 = Buffer.from(files.get('tile/1/000.p/2')!)
  level1[0] = level1[0]! ^ 1
  files.set('tile/1/000.p/2', level1)
  const wrongTile = await verifyLog({ baseUrl, verifierKey: key.verifierKey, full: false })
  assert.match(wrongTile.problems[0]!, /differs from checkpoint 600's signed root/)

  // 3. A rewrite is caught from tiles alone, against the checkpoint the state file holds.
  const rewritten = buildLog(
    Array.from({ length: 700 }, (_, i) => (i === 10 ? 'edited' : `entry ${i}`)),
    signer,
  )
  files.clear()
  for (const [k, v] of rewritten) files.set(k, v)
  const rewrite = await verifyLog({ baseUrl, verifierKey: key.verifierKey, stateFile, full: false })
  assert.match(
    rewrite.problems[0]!,
    /^checkpoint 700 is not consistent with checkpoint 600 seen on .*: the first 600 entries now hash to/,
  )
})
