/** The public version API that the matcher uses: ecosystems, names, ordering, OSV ranges, coarse keys, vers. */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { isAppError } from '../../platform/errors.ts'
import { FIXTURES } from './conformance.ts'
import {
  COARSE_MAX,
  coarseKey,
  compareVersions,
  compileAffected,
  ecosystemForPurlType,
  inVersRange,
  isValidVersion,
  matchAffected,
  normaliseEcosystem,
  normalisePackageName,
} from './index.ts'

test('ecosystem names normalise, and an unknown one is an AppError naming it', () => {
  assert.equal(normaliseEcosystem('Debian:12'), 'Debian')
  assert.equal(normaliseEcosystem('pypi'), 'PyPI')
  assert.equal(normaliseEcosystem('AlmaLinux:9'), 'AlmaLinux')
  assert.equal(normaliseEcosystem('Red Hat:rhel_aus:8.4::appstream'), 'Red Hat')
  assert.throws(
    () => normaliseEcosystem('Plan9'),
    (e) => isAppError(e, 'EW_VALIDATION') && e.detail.includes('Plan9'),
  )
})

test('purl types map to OSV ecosystems, distributions from the distro qualifier or namespace', () => {
  assert.equal(ecosystemForPurlType('npm'), 'npm')
  assert.equal(ecosystemForPurlType('cargo'), 'crates.io')
  assert.equal(ecosystemForPurlType('deb', { distro: 'ubuntu-22.04' }), 'Ubuntu')
  assert.equal(ecosystemForPurlType('deb', {}, 'debian'), 'Debian')
  assert.equal(ecosystemForPurlType('rpm', { distro: 'almalinux-9' }), 'AlmaLinux')
  assert.equal(ecosystemForPurlType('rpm', {}, 'redhat'), 'Red Hat')
  assert.equal(ecosystemForPurlType('rpm'), null)
  assert.equal(ecosystemForPurlType('docker'), null)
})

test('package names normalise per ecosystem', () => {
  assert.equal(normalisePackageName('PyPI', 'Django_REST.framework'), 'django-rest-framework')
  assert.equal(
    normalisePackageName('Maven', 'org.apache.logging.log4j/log4j-core'),
    'org.apache.logging.log4j:log4j-core',
  )
  assert.equal(normalisePackageName('NuGet', 'Newtonsoft.Json'), 'newtonsoft.json')
  assert.equal(normalisePackageName('npm', '@Scope/Pkg'), '@Scope/Pkg')
  assert.equal(normalisePackageName('crates.io', 'Serde_JSON'), 'serde-json')
})

test('versions compare per ecosystem; an unreadable one is an AppError naming it', () => {
  assert.equal(compareVersions('PyPI', '1.0.post1', '1.0.1'), -1)
  assert.equal(compareVersions('PyPI', '1.0', '1.0.0'), 0)
  assert.equal(compareVersions('Maven', '1.0-alpha-1', '1.0'), -1)
  assert.equal(compareVersions('Debian:12', '1:1.0', '2.0'), 1)
  assert.equal(compareVersions('AlmaLinux:9', '2.4.57-5.el9', '2.4.57-5.el9_1'), -1)
  assert.equal(compareVersions('Alpine:v3.18', '1.2.3_rc1-r0', '1.2.3-r0'), -1)
  assert.equal(compareVersions('Go', 'v1.2.3', '1.2.4'), -1)
  assert.throws(
    () => compareVersions('npm', 'not-a-version', '1.0.0'),
    (e) => isAppError(e, 'EW_VALIDATION') && e.detail.includes('not-a-version'),
  )
  assert.equal(isValidVersion('npm', '1.2.3'), true)
  assert.equal(isValidVersion('npm', 'banana'), false)
})

test('OSV ranges: introduced / fixed / last_affected / limit and explicit versions', () => {
  const ranged = {
    ranges: [
      {
        type: 'ECOSYSTEM',
        events: [
          { introduced: '0' },
          { fixed: '1.2.3' },
          { introduced: '2.0.0' },
          { fixed: '2.0.5' },
        ],
      },
    ],
  }
  assert.deepEqual(matchAffected('npm', '1.0.0', ranged), {
    affected: true,
    range: '>=0 <1.2.3',
    fixed: '1.2.3',
  })
  assert.deepEqual(matchAffected('npm', '1.2.3', ranged), { affected: false })
  assert.deepEqual(matchAffected('npm', '1.5.0', ranged), { affected: false })
  assert.deepEqual(matchAffected('npm', '2.0.1', ranged), {
    affected: true,
    range: '>=2.0.0 <2.0.5',
    fixed: '2.0.5',
  })
  const lastAffected = {
    ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.0' }, { last_affected: '1.4' }] }],
  }
  assert.equal(matchAffected('PyPI', '1.4', lastAffected).affected, true)
  assert.equal(matchAffected('PyPI', '1.4.1', lastAffected).affected, false)
  assert.equal(matchAffected('PyPI', '0.9', lastAffected).affected, false)
  const limited = {
    ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.0' }, { limit: '1.5' }] }],
  }
  assert.equal(matchAffected('PyPI', '1.4', limited).affected, true)
  assert.equal(matchAffected('PyPI', '1.5', limited).affected, false)
  const listed = { versions: ['1.0', '1.1'] }
  assert.deepEqual(matchAffected('PyPI', '1.1.0', listed), { affected: true, range: 'listed' })
  assert.equal(matchAffected('PyPI', '1.2', listed).affected, false)
  // SEMVER ranges ignore the ecosystem's own spelling of `v`.
  const go = { ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.17.0' }] }] }
  assert.equal(matchAffected('Go', 'v0.16.1', go).affected, true)
  // GIT ranges say nothing about package versions.
  const git = {
    ranges: [
      {
        type: 'GIT',
        repo: 'https://example.org/r.git',
        events: [{ introduced: '0' }, { fixed: 'abc' }],
      },
    ],
  }
  assert.equal(matchAffected('PyPI', '1.0', git).affected, false)
})

test('a range that cannot be read is reported as a problem, and a component version that cannot be read throws', () => {
  const c = compileAffected('npm', {
    ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'x.y' }] }],
  })
  assert.equal(c.problems.length, 1)
  assert.match(c.problems[0]!, /x\.y/)
  assert.throws(
    () =>
      matchAffected('npm', 'banana', {
        ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }],
      }),
    (e) => isAppError(e, 'EW_VALIDATION') && e.detail.includes('banana'),
  )
})

/** Ordered pairs from the fixtures: the coarse key must never order them the other way round. */
function orderedPairs(file: string): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const line of readFileSync(join(FIXTURES, 'osv-semantic', file), 'utf8').split('\n')) {
    const m = /^(\S+)\s+([<>])\s+(\S+)$/.exec(line.trim())
    if (m) out.push(m[2] === '<' ? [m[1]!, m[3]!] : [m[3]!, m[1]!])
  }
  return out
}

test('coarse keys never order two versions the wrong way round', () => {
  const files: Record<string, string> = {
    'maven-versions.txt': 'Maven',
    'pypi-versions.txt': 'PyPI',
    'semver-versions.txt': 'npm',
    'debian-versions.txt': 'Debian',
    'redhat-versions.txt': 'Red Hat',
    'alpine-versions.txt': 'Alpine',
    'rubygems-versions.txt': 'RubyGems',
    'packagist-versions.txt': 'Packagist',
    'nuget-versions.txt': 'NuGet',
    'cran-versions.txt': 'CRAN',
    'hackage-versions.txt': 'Hackage',
  }
  let checked = 0
  for (const [file, eco] of Object.entries(files)) {
    for (const [lo, hi] of orderedPairs(file)) {
      const a = coarseKey(eco, lo)
      const b = coarseKey(eco, hi)
      if (a === '' || b === '') continue
      checked++
      assert.ok(a <= b, `${eco}: ${lo} < ${hi} but key ${a} > ${b}`)
    }
  }
  assert.ok(checked > 500, `only ${checked} pairs had keys`)
  const r = compileAffected('npm', {
    ranges: [{ type: 'SEMVER', events: [{ introduced: '1.2.0' }, { fixed: '1.4.0' }] }],
  }).ranges[0]!
  const k = coarseKey('npm', '1.3.9')
  assert.ok(r.lower <= k && k <= r.upper)
  const open = compileAffected('npm', {
    ranges: [{ type: 'SEMVER', events: [{ introduced: '1.2.0' }] }],
  }).ranges[0]!
  assert.equal(open.upper, COARSE_MAX)
  assert.equal(coarseKey('Maven', 'RELEASE'), '')
})

test('purl vers ranges', () => {
  assert.equal(inVersRange('vers:npm/>=1.0.0|<2.0.0', '1.5.0'), true)
  assert.equal(inVersRange('vers:npm/>=1.0.0|<2.0.0', '2.0.0'), false)
  assert.equal(inVersRange('vers:pypi/<=1.3.0|3.0.0', '3.0.0'), true)
  assert.equal(inVersRange('vers:deb/*', '1:2.3-4'), true)
  assert.equal(inVersRange('vers:maven/!=1.0|>=0.5', '1.0'), false)
  assert.throws(
    () => inVersRange('npm/>=1.0.0', '1.0.0'),
    (e) => isAppError(e, 'EW_VALIDATION'),
  )
})
