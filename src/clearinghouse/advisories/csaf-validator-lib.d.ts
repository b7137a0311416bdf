/** Types for the parts of @secvisogram/csaf-validator-lib we use: the package ships JavaScript with JSDoc only. */
declare module '@secvisogram/csaf-validator-lib/validate.js' {
  export interface Finding {
    message: string
    instancePath: string
  }
  export interface TestResult {
    isValid?: boolean
    errors?: Finding[]
    warnings?: Finding[]
    infos?: Finding[]
  }
  export type DocumentTest = (doc: unknown) => TestResult | Promise<TestResult>
  export default function validate(
    tests: DocumentTest[],
    doc: unknown,
  ): Promise<{
    isValid: boolean
    tests: Array<{
      name: string
      isValid: boolean
      errors: Finding[]
      warnings: Finding[]
      infos: Finding[]
    }>
  }>
}
declare module '@secvisogram/csaf-validator-lib/schemaTests.js' {
  import type { DocumentTest } from '@secvisogram/csaf-validator-lib/validate.js'
  export const csaf_2_0_strict: DocumentTest
}
declare module '@secvisogram/csaf-validator-lib/mandatoryTests.js' {
  import type { DocumentTest } from '@secvisogram/csaf-validator-lib/validate.js'

  const tests: Record<string, DocumentTest>
  export = tests
}
declare module '@secvisogram/csaf-validator-lib/optionalTests.js' {
  import type { DocumentTest } from '@secvisogram/csaf-validator-lib/validate.js'

  const tests: Record<string, DocumentTest>
  export = tests
}
declare module '@secvisogram/csaf-validator-lib/cwe.js' {
  export const weaknesses: ReadonlyArray<{ id: string; name: string }>
}
