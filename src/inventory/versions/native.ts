/** Native range syntaxes (npm, PyPI, RubyGems, Composer, Go, NuGet, …) → purl `vers` strings. */
export function nativeToVers(scheme: string, native: string): string {
  throw new Error(`native ${scheme} range conversion is not implemented: ${native}`)
}
