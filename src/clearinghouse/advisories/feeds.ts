/**
 * The CSAF provider's distribution files (CSAF 2.0 §7): provider-metadata.json, the ROLIE feed
 * for TLP:WHITE (= TLP:CLEAR), index.txt and changes.csv of the directory, and the exact bytes
 * of each document that its hashes and signature cover. Pure.
 */
import { createHash } from 'node:crypto'
import { CSAF_TLP, csafPath } from './csaf.ts'
import type { Advisory } from './model.ts'

/** Everything public lives under here, as §7.1.1 asks. */
export const CSAF_ROOT = '/.well-known/csaf'
export const ROLIE_FEED = 'feed-tlp-white.json'
/** Only TLP:CLEAR is public, and CSAF 2.0 calls it WHITE. */
export const PUBLIC_DIR = CSAF_TLP.CLEAR.toLowerCase()

/** The bytes served for a document: hashes and signatures are over exactly these. */
export const documentBytes = (doc: unknown): Buffer =>
  Buffer.from(`${JSON.stringify(doc, null, 2)}\n`)

/** `<hex>  <filename>` like sha256sum prints it, which CSAF downloaders accept (§7.1.18). */
export function hashFile(bytes: Buffer, algorithm: 'sha256' | 'sha512', filename: string): string {
  return `${createHash(algorithm).update(bytes).digest('hex')}  ${filename}\n`
}

const lastRevisionAt = (a: Advisory): Date => a.history[a.history.length - 1]?.at ?? a.updatedAt

export function providerMetadata(o: {
  publicUrl: string
  publisherName: string
  advisories: Advisory[]
  signer: { fingerprint: string } | null
  now: Date
}): Record<string, unknown> {
  const base = o.publicUrl.replace(/\/$/, '')
  const updated =
    o.advisories.map(lastRevisionAt).sort((a, b) => b.getTime() - a.getTime())[0] ?? o.now
  return {
    canonical_url: `${base}${CSAF_ROOT}/provider-metadata.json`,
    distributions: [
      {
        directory_url: `${base}${CSAF_ROOT}/${PUBLIC_DIR}/`,
        rolie: {
          feeds: [
            {
              summary: 'Published advisories of the earlywatch clearinghouse (TLP:CLEAR).',
              tlp_label: 'WHITE',
              url: `${base}${CSAF_ROOT}/${ROLIE_FEED}`,
            },
          ],
        },
      },
    ],
    last_updated: updated.toISOString(),
    list_on_CSAF_aggregators: true,
    metadata_version: '2.0',
    mirror_on_CSAF_aggregators: true,
    ...(o.signer
      ? {
          public_openpgp_keys: [
            {
              fingerprint: o.signer.fingerprint,
              url: `${base}${CSAF_ROOT}/openpgp/${o.signer.fingerprint}.asc`,
            },
          ],
        }
      : {}),
    publisher: { category: 'coordinator', name: o.publisherName, namespace: base },
    role: 'csaf_provider',
  }
}

/** The ROLIE feed (RFC 8322, JSON as CSAF §7.1.20 shows it): one entry per public document. */
export function rolieFeed(o: {
  publicUrl: string
  advisories: Array<{ advisory: Advisory; summary: string }>
  signed: boolean
  now: Date
}): Record<string, unknown> {
  const base = o.publicUrl.replace(/\/$/, '')
  const updated =
    o.advisories
      .map((x) => lastRevisionAt(x.advisory))
      .sort((a, b) => b.getTime() - a.getTime())[0] ?? o.now
  return {
    feed: {
      id: 'earlywatch-csaf-feed-tlp-white',
      title: 'earlywatch clearinghouse CSAF feed (TLP:CLEAR)',
      link: [{ rel: 'self', href: `${base}${CSAF_ROOT}/${ROLIE_FEED}` }],
      category: [{ scheme: 'urn:ietf:params:rolie:category:information-type', term: 'csaf' }],
      updated: updated.toISOString(),
      entry: o.advisories.map(({ advisory: a, summary }) => {
        const url = `${base}${CSAF_ROOT}/${csafPath(a, o.now)}`
        return {
          id: a.id,
          title: a.content.title,
          link: [
            { rel: 'self', href: url },
            { rel: 'hash', href: `${url}.sha256` },
            { rel: 'hash', href: `${url}.sha512` },
            ...(o.signed ? [{ rel: 'signature', href: `${url}.asc` }] : []),
          ],
          published: (a.publishedAt ?? o.now).toISOString(),
          updated: lastRevisionAt(a).toISOString(),
          summary: { content: summary },
          content: { type: 'application/json', src: url },
          format: {
            schema: 'https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json',
            version: '2.0',
          },
        }
      }),
    },
  }
}

/** Paths relative to the TLP directory, as index.txt (§7.1.12) lists them. */
const relative = (a: Advisory, now: Date) => csafPath(a, now).slice(PUBLIC_DIR.length + 1)

export function indexTxt(advisories: Advisory[], now: Date): string {
  return advisories.map((a) => `${relative(a, now)}\n`).join('')
}

/** changes.csv (§7.1.13): path and last change, newest first. */
export function changesCsv(advisories: Advisory[], now: Date): string {
  return [...advisories]
    .sort((a, b) => lastRevisionAt(b).getTime() - lastRevisionAt(a).getTime())
    .map((a) => `"${relative(a, now)}","${lastRevisionAt(a).toISOString()}"\n`)
    .join('')
}
