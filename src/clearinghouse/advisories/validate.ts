/**
 * The validators every export and import goes through: csaf-validator-lib for CSAF 2.0
 * (schema, mandatory §6.1 and optional/recommended §6.2 tests), Ajv for OSV and CVE JSON 5
 * against the schemas published by their maintainers (copied beside this file, see SOURCE.md).
 */
import { Ajv as Ajv7, type ErrorObject } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import providerSchema from './schemas/csaf-provider-schema.json' with { type: 'json' }
import csafSchema from './schemas/csaf-schema.json' with { type: 'json' }
import cveSchema from './schemas/cve5-bundled.json' with { type: 'json' }
import osvSchema from './schemas/osv-schema.json' with { type: 'json' }

/** One problem, as the validator gives it: a JSON pointer into the document and why. */
export interface Problem {
  path: string
  message: string
  /** Which test or schema found it, e.g. `mandatoryTest_6_1_11`, `osv-schema`. */
  test: string
}

export interface ValidationResult {
  valid: boolean
  errors: Problem[]
  /** CSAF optional (§6.2) tests report warnings; an export is expected to have none. */
  warnings: Problem[]
}

/**
 * csaf-validator-lib compiles several dozen JSON schemas when its test modules load: about 8 s
 * of CPU. Loaded on first use, so a process that never validates CSAF (a worker, a test, the
 * demo's first start until an advisory is published) does not pay for it.
 */
let csafLib:
  | Promise<{
      validate: typeof import('@secvisogram/csaf-validator-lib/validate.js').default
      tests: unknown[]
    }>
  | undefined
function loadCsafLib() {
  csafLib ??= (async () => {
    const [mandatory, optional, schema, validate] = await Promise.all([
      import('@secvisogram/csaf-validator-lib/mandatoryTests.js'),
      import('@secvisogram/csaf-validator-lib/optionalTests.js'),
      import('@secvisogram/csaf-validator-lib/schemaTests.js'),
      import('@secvisogram/csaf-validator-lib/validate.js'),
    ])
    return {
      validate: validate.default,
      tests: [schema.csaf_2_0_strict, ...Object.values(mandatory), ...Object.values(optional)],
    }
  })()
  return csafLib
}

/**
 * CSAF 2.0: schema (strict), every mandatory test, every optional ("recommended" in CSAF 2.1)
 * test. The informative tests (§6.3) are left out: two of them fetch URLs or need hunspell.
 */
export async function validateCsaf(doc: unknown): Promise<ValidationResult> {
  const lib = await loadCsafLib()
  const r = await lib.validate(lib.tests as Parameters<typeof lib.validate>[0], doc)
  const errors: Problem[] = []
  const warnings: Problem[] = []
  for (const t of r.tests) {
    for (const e of t.errors)
      errors.push({ path: e.instancePath || '/', message: e.message, test: t.name })
    for (const w of t.warnings)
      warnings.push({ path: w.instancePath || '/', message: w.message, test: t.name })
  }
  return { valid: r.isValid && errors.length === 0, errors, warnings }
}

function ajvProblems(errors: ErrorObject[] | null | undefined, test: string): Problem[] {
  return (errors ?? []).map((e) => ({
    path: e.instancePath || '/',
    message: `${e.message ?? 'is not valid'}${e.params && Object.keys(e.params).length ? ` (${JSON.stringify(e.params)})` : ''}`,
    test,
  }))
}

const osvAjv = new Ajv2020({ allErrors: true, strict: false })
addFormats.default(osvAjv)
const osvCheck = osvAjv.compile(osvSchema)

/** OSV against the OSV schema (1.7.x). */
export function validateOsv(doc: unknown): ValidationResult {
  const ok = osvCheck(doc)
  return { valid: ok, errors: ok ? [] : ajvProblems(osvCheck.errors, 'osv-schema'), warnings: [] }
}

const cveAjv = new Ajv7({ allErrors: true, strict: false })
addFormats.default(cveAjv)
const cveCheck = cveAjv.compile(cveSchema)

/** A CVE record against the CVE JSON 5.1 bundled schema. */
export function validateCve(doc: unknown): ValidationResult {
  const ok = cveCheck(doc)
  return {
    valid: ok,
    errors: ok ? [] : ajvProblems(cveCheck.errors, 'cve-5.1-schema'),
    warnings: [],
  }
}

const providerAjv = new Ajv2020({ allErrors: true, strict: false })
addFormats.default(providerAjv)
// The provider schema takes its publisher object from the CSAF document schema, by URL. Only
// that part is registered: the rest refers on to FIRST's CVSS schemas, which it never needs.
providerAjv.addSchema({
  $id: csafSchema.$id,
  $schema: csafSchema.$schema,
  $defs: csafSchema.$defs,
  properties: {
    document: { properties: { publisher: csafSchema.properties.document.properties.publisher } },
  },
})
const providerCheck = providerAjv.compile(providerSchema)

/** provider-metadata.json against the CSAF 2.0 provider schema. */
export function validateProviderMetadata(doc: unknown): ValidationResult {
  const ok = providerCheck(doc)
  return {
    valid: ok,
    errors: ok ? [] : ajvProblems(providerCheck.errors, 'csaf-provider-schema'),
    warnings: [],
  }
}
