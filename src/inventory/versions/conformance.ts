/**
 * Runs the public version test suites copied into fixtures/ (univers, purl-spec, vers-spec,
 * OSV ecosystem ordering cases) against this folder's comparators and reports, per source,
 * how many cases pass and why each failing one fails. Used by the test (which prints the
 * counts) and by `node src/inventory/versions/conformance.ts` (which prints the failure list
 * kept in docs/inventory-versions.md).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PackageURL } from 'packageurl-js'
import { ECOSYSTEM_SCHEMES } from './ecosystems.ts'
import { nativeToVers } from './native.ts'
import { isValid, type VersionScheme } from './scheme.ts'
import { canonicalVers, parseVers, schemeForVers, VERS_SCHEMES, versContains } from './vers.ts'

/** Test documents as the suites publish them; their shapes vary per file and are read field by field. */
// biome-ignore lint/suspicious/noExplicitAny: JSON test documents of several published schemas
type Json = any

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))

export interface CaseResult {
  source: string
  file: string
  id: string
  ok: boolean
  reason?: string
}

type Check = () => true | string

function run(source: string, file: string, id: string, check: Check): CaseResult {
  try {
    const r = check()
    return r === true ? { source, file, id, ok: true } : { source, file, id, ok: false, reason: r }
  } catch (err) {
    return { source, file, id, ok: false, reason: `threw: ${(err as Error).message}` }
  }
}

const sign = (n: number) => (n < 0 ? '<' : n > 0 ? '>' : '=')

function compareCheck(scheme: VersionScheme | undefined, a: string, b: string, op: string): Check {
  return () => {
    if (!scheme) return 'no ordering implemented for this scheme'
    const got = sign(scheme.compareParsed(scheme.parse(a), scheme.parse(b)))
    const ok = op === '!' ? got !== '=' : got === op
    return ok ? true : `got ${a} ${got} ${b}`
  }
}

/** univers / vers-spec `*_version_cmp` JSON: comparison (sorted pair) and equality cases. */
function versionCmpCases(source: string, file: string): CaseResult[] {
  const doc = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'))
  const tests: Json[] = Array.isArray(doc) ? doc : doc.tests
  return tests.map((t, i) => {
    const [a, b] = t.input.versions as [string, string]
    const scheme = VERS_SCHEMES[t.input.input_scheme]
    const id = `#${i} ${t.test_type} ${a} ${b}`
    if (t.test_type === 'equality')
      return run(source, file, id, compareCheck(scheme, a, b, t.expected_output ? '=' : '!'))
    const [lo, hi] = t.expected_output as [string, string]
    return run(source, file, id, compareCheck(scheme, lo, hi, lo === hi ? '=' : '<'))
  })
}

function rangeCases(source: string, file: string): CaseResult[] {
  const doc = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'))
  const tests: Json[] = Array.isArray(doc) ? doc : doc.tests
  return tests.map((t, i) => {
    const id = `#${i} ${t.test_type} ${JSON.stringify(t.input)}`
    return run(source, file, id, () => {
      switch (t.test_type) {
        case 'from_native': {
          const got = nativeToVers(t.input.scheme, t.input.native_range)
          return got === t.expected_output ? true : `expected ${t.expected_output}, got ${got}`
        }
        case 'containment': {
          const got = versContains(parseVers(t.input.vers), t.input.version)
          return got === t.expected_output ? true : `expected ${t.expected_output}, got ${got}`
        }
        case 'roundtrip':
        case 'validate': {
          const input = typeof t.input === 'string' ? t.input : t.input.vers
          const got = canonicalVers(parseVers(input))
          return got === t.expected_output ? true : `expected ${t.expected_output}, got ${got}`
        }
        case 'parse': {
          let got: ReturnType<typeof parseVers>
          try {
            got = parseVers(t.input, { strict: true })
          } catch (err) {
            return t.expected_failure ? true : `refused: ${(err as Error).message}`
          }
          if (t.expected_failure) return 'accepted a non-canonical vers'
          const want = t.expected_output
          const pairs = got.constraints.map((c) => [c.comparator, c.version])
          return got.scheme === want.scheme &&
            JSON.stringify(pairs) === JSON.stringify(want.version_constraints)
            ? true
            : `got ${JSON.stringify(pairs)}`
        }
        default:
          return `unknown test type ${t.test_type}`
      }
    })
  })
}

/** osv-scalibr / osv.dev `A < B` lines. */
function osvLines(file: string, scheme: VersionScheme | undefined): CaseResult[] {
  const out: CaseResult[] = []
  const lines = readFileSync(join(FIXTURES, 'osv-semantic', file), 'utf8').split('\n')
  lines.forEach((line, n) => {
    const t = line.trim()
    if (!t || t.startsWith('#') || t.startsWith('//')) return
    const m = /^(.*?)\s+([<=>])\s+(.*)$/.exec(t)
    if (!m) return
    out.push(
      run('osv-semantic', file, `line ${n + 1}: ${t}`, compareCheck(scheme, m[1]!, m[3]!, m[2]!)),
    )
  })
  return out
}

const OSV_FILES: Record<string, string> = {
  'maven-versions.txt': 'Maven',
  'rubygems-versions.txt': 'RubyGems',
  'packagist-versions.txt': 'Packagist',
  'osv-dev-packagist_test_cases.txt': 'Packagist',
  'alpine-versions.txt': 'Alpine',
  'hackage-versions.txt': 'Hackage',
  'pub-versions.txt': 'Pub',
  'pypi-versions.txt': 'PyPI',
  'nuget-versions.txt': 'NuGet',
  'debian-versions.txt': 'Debian',
  'redhat-versions.txt': 'Red Hat',
  'semver-versions.txt': 'npm',
  'cran-versions.txt': 'CRAN',
}

function osvSemantic(): CaseResult[] {
  const out: CaseResult[] = []
  for (const [file, eco] of Object.entries(OSV_FILES))
    out.push(...osvLines(file, ECOSYSTEM_SCHEMES[eco] ?? undefined))
  for (const [file, valid] of [
    ['osv-dev-alpine-valid_versions.txt', true],
    ['osv-dev-alpine-invalid_versions.txt', false],
  ] as const) {
    const lines = readFileSync(join(FIXTURES, 'osv-semantic', file), 'utf8').split('\n')
    lines.forEach((line, n) => {
      const v = line.trim()
      if (!v || v.startsWith('#')) return
      out.push(
        run('osv-semantic', file, `line ${n + 1}: ${v}`, () =>
          isValid(ECOSYSTEM_SCHEMES.Alpine!, v) === valid
            ? true
            : valid
              ? 'refused a valid version'
              : 'accepted an invalid version',
        ),
      )
    })
  }
  return out
}

function universText(): CaseResult[] {
  const out: CaseResult[] = []
  const apk = readFileSync(join(FIXTURES, 'univers', 'alpine_test.txt'), 'utf8').split('\n')
  apk.forEach((line, n) => {
    const m = /^(\S+)\s+([<=>])\s+(\S+)$/.exec(line.trim())
    if (m)
      out.push(
        run(
          'univers',
          'alpine_test.txt',
          `line ${n + 1}: ${line.trim()}`,
          compareCheck(ECOSYSTEM_SCHEMES.Alpine!, m[1]!, m[3]!, m[2]!),
        ),
      )
  })
  const rpm = readFileSync(join(FIXTURES, 'univers', 'rpmvercmp.at'), 'utf8').split('\n')
  rpm.forEach((line, n) => {
    const m = /^RPMVERCMP\(([^,]*), ([^,]*), (-?\d)\)$/.exec(line.trim())
    if (m) {
      const op = m[3] === '-1' ? '<' : m[3] === '1' ? '>' : '='
      out.push(
        run(
          'univers',
          'rpmvercmp.at',
          `line ${n + 1}: ${m[1]} ${op} ${m[2]}`,
          compareCheck(ECOSYSTEM_SCHEMES['Red Hat']!, m[1]!, m[2]!, op),
        ),
      )
    }
  })
  const npm: Json[] = JSON.parse(
    readFileSync(join(FIXTURES, 'univers', 'npm_advisory.json'), 'utf8'),
  )
  for (const t of npm) {
    out.push(
      run('univers', 'npm_advisory.json', `#${t.test_index} ${t.npm_native}`, () => {
        const got = nativeToVers('npm', t.npm_native)
        return got === t.expected_vers ? true : `expected ${t.expected_vers}, got ${got}`
      }),
    )
  }
  const suite: Json[] = JSON.parse(
    readFileSync(join(FIXTURES, 'univers', 'test-suite-data.json'), 'utf8'),
  )
  for (const t of suite) {
    out.push(
      run('univers', 'test-suite-data.json', t.vers, () => {
        const got = canonicalVers(parseVers(t.vers))
        return got === t.canonical_vers ? true : `expected ${t.canonical_vers}, got ${got}`
      }),
    )
  }
  const openssl: Json[] = JSON.parse(
    readFileSync(join(FIXTURES, 'univers', 'openssl', 'openssl_versort_expected.json'), 'utf8'),
  )
  const all = readFileSync(join(FIXTURES, 'univers', 'openssl', 'openssl_all_versions.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
  out.push(
    run('univers', 'openssl_versort_expected.json', `sort ${all.length} versions`, () => {
      const s = schemeForVers('openssl')
      const got = [...all]
        .map((v) => v.trim())
        .sort((a, b) => s.compareParsed(s.parse(a), s.parse(b)))
      const want = openssl.map((o) => o.string)
      return JSON.stringify(got) === JSON.stringify(want) ? true : 'sorted differently'
    }),
  )
  return out
}

function jsonFiles(dir: string): string[] {
  return readdirSync(join(FIXTURES, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(dir, f))
    .sort()
}

/** purl-spec: parse, build, roundtrip/validate cases through packageurl-js. */
function purlCases(): CaseResult[] {
  const out: CaseResult[] = []
  for (const file of jsonFiles('purl-spec/tests')) {
    const tests: Json[] = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')).tests
    tests.forEach((t, i) => {
      out.push(
        run(
          'purl-spec',
          file,
          `#${i} ${t.test_type} ${JSON.stringify(t.input).slice(0, 120)}`,
          () => {
            let got: unknown
            try {
              if (t.test_type === 'build') {
                const x = t.input
                got = new PackageURL(
                  x.type,
                  x.namespace,
                  x.name,
                  x.version,
                  x.qualifiers,
                  x.subpath,
                ).toString()
              } else {
                const p = PackageURL.fromString(t.input)
                got =
                  t.test_type === 'parse'
                    ? {
                        type: p.type,
                        namespace: p.namespace ?? null,
                        name: p.name,
                        version: p.version ?? null,
                        qualifiers:
                          p.qualifiers && Object.keys(p.qualifiers).length ? p.qualifiers : null,
                        subpath: p.subpath ?? null,
                      }
                    : p.toString()
              }
            } catch (err) {
              return t.expected_failure ? true : `refused: ${(err as Error).message}`
            }
            if (t.expected_failure) return 'accepted invalid input'
            return JSON.stringify(sortKeys(got)) === JSON.stringify(sortKeys(t.expected_output))
              ? true
              : `got ${JSON.stringify(got)}`
          },
        ),
      )
    })
  }
  const legacy: Json[] = JSON.parse(
    readFileSync(join(FIXTURES, 'purl-spec/legacy/test-suite-data.json'), 'utf8'),
  )
  legacy.forEach((t, i) => {
    out.push(
      run('purl-spec', 'legacy/test-suite-data.json', `#${i} ${t.purl}`, () => {
        let got: string
        try {
          got = PackageURL.fromString(t.purl).toString()
        } catch (err) {
          return t.is_invalid ? true : `refused: ${(err as Error).message}`
        }
        if (t.is_invalid) return 'accepted invalid input'
        return got === t.canonical_purl ? true : `expected ${t.canonical_purl}, got ${got}`
      }),
    )
  })
  return out
}

function sortKeys(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v
  return Object.fromEntries(
    Object.entries(v)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, x]) => [k, sortKeys(x)]),
  )
}

/** Every case of every source. */
export function runConformance(): CaseResult[] {
  const out: CaseResult[] = []
  for (const file of jsonFiles('univers/schema')) {
    out.push(
      ...(file.includes('range') ? rangeCases('univers', file) : versionCmpCases('univers', file)),
    )
  }
  out.push(...universText())
  for (const file of jsonFiles('vers-spec/tests')) {
    out.push(
      ...(/version_cmp|lexicographic/.test(file)
        ? versionCmpCases('vers-spec', file)
        : rangeCases('vers-spec', file)),
    )
  }
  out.push(...osvSemantic())
  out.push(...purlCases())
  return out
}

export function summarise(
  results: CaseResult[],
): Array<{ source: string; passed: number; total: number }> {
  const by = new Map<string, { passed: number; total: number }>()
  for (const r of results) {
    const s = by.get(r.source) ?? { passed: 0, total: 0 }
    s.total++
    if (r.ok) s.passed++
    by.set(r.source, s)
  }
  return [...by].map(([source, s]) => ({ source, ...s }))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = runConformance()
  for (const s of summarise(results)) process.stdout.write(`${s.source}: ${s.passed}/${s.total}\n`)
  if (process.argv.includes('--failures')) {
    for (const r of results.filter((x) => !x.ok))
      process.stdout.write(
        `| ${r.source} | ${r.file} | ${r.id.replace(/\|/g, '\\|')} | ${(r.reason ?? '').replace(/\|/g, '\\|')} |\n`,
      )
  }
}
