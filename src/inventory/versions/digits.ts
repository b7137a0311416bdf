/** Shared helpers for comparators: arbitrary-length digit runs compared without overflow. */

/**
 * Compares two strings of ASCII digits as non-negative integers of any length
 * (ecosystems allow components such as 999999999999999999999999999999).
 */
export function compareDigits(a: string, b: string): number {
  const x = stripZeros(a)
  const y = stripZeros(b)
  if (x.length !== y.length) return x.length < y.length ? -1 : 1
  return x < y ? -1 : x > y ? 1 : 0
}

export function stripZeros(s: string): string {
  let i = 0
  while (i < s.length - 1 && s.charCodeAt(i) === 48) i++
  return s.slice(i)
}

export function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0
}

/** Plain code-unit comparison (C `strcmp`, Python `<` on str). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'
export const isAlpha = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
