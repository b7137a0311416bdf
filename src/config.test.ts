import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { loadSettings, SettingsError, settingsSummary } from './config.ts'

const key = Buffer.alloc(32, 7).toString('base64')

test('defaults: port 8080, data dir ./.earlywatch, embedded, demo on, worker in process', () => {
  const s = loadSettings({})
  assert.equal(s.port, 8080)
  assert.ok(s.dataDir.endsWith('.earlywatch'))
  assert.equal(s.embedded, true)
  assert.equal(s.demo, true)
  assert.equal(s.workerInProcess, true)
  assert.ok(Object.isFrozen(s))
})

test('each bad setting is named in one error', () => {
  assert.throws(
    () => loadSettings({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' }),
    (err: unknown) => {
      assert.ok(err instanceof SettingsError)
      const text = err.problems.join('\n')
      assert.match(text, /PORT/)
      assert.match(text, /DATABASE_URL/)
      assert.match(text, /LOG_LEVEL/)
      return true
    },
  )
})

test('PostgreSQL requires a master key, and OIDC settings come all together', () => {
  assert.throws(
    () => loadSettings({ DATABASE_URL: 'postgres://localhost/x' }),
    /EARLYWATCH_MASTER_KEY/,
  )
  assert.throws(() => loadSettings({ OIDC_ISSUER: 'https://id.example' }), /OIDC_ISSUER/)
  const s = loadSettings({
    DATABASE_URL: 'postgres://u:pw@localhost/x',
    EARLYWATCH_MASTER_KEY: key,
  })
  assert.equal(s.embedded, false)
  assert.equal(s.workerInProcess, false)
  assert.equal(s.demo, false)
})

test('summary masks secrets and URL passwords', () => {
  const s = loadSettings({
    DATABASE_URL: 'postgres://u:hunter2@localhost/x',
    EARLYWATCH_MASTER_KEY: key,
  })
  const text = JSON.stringify(settingsSummary(s))
  assert.ok(!text.includes('hunter2'))
  assert.ok(!text.includes(key))
  assert.match(text, /\*\*\*\*/)
})

test('a settings file is read, env wins over it, and unknown keys in it are refused', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ew-config-'))
  const file = path.join(dir, 'settings.json')
  writeFileSync(file, JSON.stringify({ PORT: 9000, LOG_LEVEL: 'warn' }))
  const s = loadSettings({ EARLYWATCH_CONFIG: file, LOG_LEVEL: 'debug' })
  assert.equal(s.port, 9000)
  assert.equal(s.logLevel, 'debug')
  writeFileSync(file, JSON.stringify({ PROT: 1 }))
  assert.throws(() => loadSettings({ EARLYWATCH_CONFIG: file }), /PROT.*unknown setting/)
})

test('EARLYWATCH_WITNESSES: a JSON array of witnesses with cosignature keys; anything else is named', async () => {
  const { generateSignerKey } = await import('./translog/note.ts')
  const w = generateSignerKey('witness.example/w1', { type: 0x04 }).verifierKey
  const logKey = generateSignerKey('log.example/log').verifierKey
  assert.deepEqual(loadSettings({}).witnesses, [])
  const s = loadSettings({
    EARLYWATCH_WITNESSES: JSON.stringify([{ url: 'https://witness.example/w1', key: w }]),
  })
  assert.deepEqual(s.witnesses, [{ url: 'https://witness.example/w1/', key: w }])
  const bad = (value: string, pattern: RegExp) =>
    assert.throws(
      () => loadSettings({ EARLYWATCH_WITNESSES: value }),
      (err: unknown) => {
        assert.ok(err instanceof SettingsError)
        assert.match(err.problems.join('\n'), /EARLYWATCH_WITNESSES/)
        assert.match(err.problems.join('\n'), pattern)
        return true
      },
    )
  bad('[{"url":', /not JSON/)
  bad(JSON.stringify([{ url: 'https://w.example/', key: 'nonsense' }]), /key/)
  bad(JSON.stringify([{ url: 'https://w.example/', key: logKey }]), /0x04/)
  bad(JSON.stringify([{ url: 'ftp://w.example/', key: w }]), /http/)
  bad(
    JSON.stringify([
      { url: 'https://a.example/', key: w },
      { url: 'https://b.example/', key: w },
    ]),
    /twice/,
  )
})

test('keys being rotated out: each must be 32 bytes, and the summary masks them', () => {
  const old = Buffer.alloc(32, 9).toString('base64')
  const s = loadSettings({ EARLYWATCH_PREVIOUS_MASTER_KEYS: ` ${old} ,${key}` })
  assert.deepEqual(s.previousMasterKeys, [Buffer.alloc(32, 9), Buffer.alloc(32, 7)])
  assert.equal(settingsSummary(s).EARLYWATCH_PREVIOUS_MASTER_KEYS, '********')
  assert.deepEqual(loadSettings({}).previousMasterKeys, [])
  assert.throws(
    () => loadSettings({ EARLYWATCH_PREVIOUS_MASTER_KEYS: `${old},c2hvcnQ=` }),
    /EARLYWATCH_PREVIOUS_MASTER_KEYS/,
  )
})
