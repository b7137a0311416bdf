import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { cweOf, parseSarif } from './sarif.ts'

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/sarif/${name}`, import.meta.url), 'utf8'))

test('CWE ids are read from rule ids, CodeQL tags and hierarchical AI rule ids', () => {
  assert.equal(cweOf('external/cwe/cwe-079'), 'CWE-79')
  assert.equal(cweOf('CWE-78/api-handler'), 'CWE-78')
  assert.equal(cweOf('cwe-1321'), 'CWE-1321')
  assert.equal(cweOf('NOVEL-prompt-injection'), null)
  assert.equal(cweOf('js/unused-local-variable'), null)
  assert.equal(cweOf('external/cwe/cwe-0790x'), null)
})

test('the SARIF SDK’s AI2016 fixtures: demonstrated evidence without backing is kept with a warning, not refused', () => {
  const valid = parseSarif(fixture('ai2016-evidence-backing-valid.sarif'))
  assert.ok(valid.ok)
  assert.deepEqual(valid.warnings, [])
  assert.equal(valid.findings[0]!.cwe, 'CWE-78')
  assert.deepEqual(
    valid.findings[0]!.ai?.evidence.map((e) => e.backing),
    [['https://example.com/repro.md'], ['https://example.com/a.md', 'external/b.md']],
  )
  const invalid = parseSarif(fixture('ai2016-evidence-backing-invalid.sarif'))
  assert.ok(invalid.ok)
  assert.deepEqual(
    invalid.warnings.map((w) => w.path),
    [
      'runs[0].results[0].properties.ai/evidence[0].backing',
      'runs[0].results[0].properties.ai/evidence[1].backing',
      'runs[0].results[0].properties.ai/exploitability',
    ],
  )
})

test('structural problems carry their path', () => {
  const cases: Array<[unknown, string]> = [
    [{ version: '2.0.0', runs: [] }, 'version'],
    [{ version: '2.1.0' }, 'runs'],
    [
      { version: '2.1.0', runs: [{ tool: { driver: {} }, results: [] }] },
      'runs[0].tool.driver.name',
    ],
    [
      { version: '2.1.0', runs: [{ tool: { driver: { name: 't' } }, results: [{ ruleId: 'x' }] }] },
      'runs[0].results[0].message',
    ],
    [
      {
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: 't' } },
            results: [{ ruleId: 'x', message: { text: 'm' }, rank: 101 }],
          },
        ],
      },
      'runs[0].results[0].rank',
    ],
    [
      {
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 't' } }, results: [{ message: { text: 'm' } }] }],
      },
      'runs[0].results[0].ruleId',
    ],
    [
      {
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: 't' } },
            results: [
              { ruleId: 'x', message: { text: 'm' }, properties: { 'ai/evidence': 'prose' } },
            ],
          },
        ],
      },
      'runs[0].results[0].properties.ai/evidence',
    ],
  ]
  for (const [log, path] of cases) {
    const r = parseSarif(log)
    assert.equal(r.ok, false, path)
    if (!r.ok)
      assert.ok(
        r.problems.some((p) => p.path === path),
        `${path}: ${JSON.stringify(r.problems)}`,
      )
  }
})

test('a message given by id is formatted from the rule’s messageStrings', () => {
  const r = parseSarif({
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 't',
            rules: [{ id: 'R1', messageStrings: { m: { text: 'Tainted {0} reaches {1}.' } } }],
          },
        },
        results: [
          {
            ruleIndex: 0,
            message: { id: 'm', arguments: ['input', 'exec'] },
            locations: [{ physicalLocation: { artifactLocation: { index: 0 } } }],
          },
        ],
        artifacts: [{ location: { uri: 'src/a.js' } }],
      },
    ],
  })
  assert.ok(r.ok)
  assert.equal(r.findings[0]!.message, 'Tainted input reaches exec.')
  assert.equal(r.findings[0]!.ruleId, 'R1')
  assert.equal(r.findings[0]!.location.uri, 'src/a.js')
})
