/** `earlywatch advisories …`: import OSV data, native advisory databases and the KEV catalog; inspect what is stored. */
import type { Command } from 'commander'
import type { Services } from '../../app.ts'
import type { CliContext } from '../../cli-context.ts'
import { table } from '../../platform/cli.ts'
import { countRecords, importItems } from './import.ts'
import type { AdvisoriesService } from './service.ts'

/**
 * @example
 * registerAdvisoriesCommands(program, ctx)
 * // earlywatch advisories import ./osv/all.zip
 * // earlywatch advisories import ./known_exploited_vulnerabilities.json
 */
export function registerAdvisoriesCommands(root: Command, ctx: CliContext): void {
  const pick = (services: Services): AdvisoriesService => services.inventoryAdvisories
  const cmd = root
    .command('advisories')
    .description('Advisories that inventories are matched against')

  cmd
    .command('import')
    .description(
      'Import OSV records (a .json file, .jsonl[.gz], a .zip dump such as osv.dev all.zip, or a directory of them), native npm / RubyGems / Packagist advisory databases, or the CISA KEV catalog. Re-importing is a no-op; every record version is kept in its history.',
    )
    .argument('<path>', 'file, zip or directory')
    .option('--source <name>', 'the source recorded for these records (default: the file name)')
    .action(async (path: string, opts: { source?: string }) => {
      const out = ctx.out()
      const total = await countRecords(path)
      await ctx.withServices(async (services) => {
        const bar = out.progress(total, 'importing')
        const summary = await pick(services)
          .importItems(
            importItems(path),
            opts.source ?? path.split('/').filter(Boolean).pop()!,
            (n) => bar.tick(n),
          )
          .finally(() => bar.stop())
        const { changedIds, ...rest } = summary
        // New and changed records fan out to the inventories they name (a job each, for the workers).
        for (const id of changedIds) await services.inventory.service.advisoryChanged(id)
        out.print({ ...rest, changed: summary.changed, fanOut: changedIds.length }, (s) =>
          [
            `read ${s.read} records: ${s.new} new, ${s.changed} changed, ${s.withdrawn} of them withdrawn, ${s.unchanged} unchanged, ${s.older} older versions kept in history, ${s.failed} failed`,
            s.kev ? `KEV catalog: ${s.kev} entries` : '',
            ...s.failures.map((f) => `  ${f.where}: ${f.problem}`),
            s.failed > s.failures.length ? `  … and ${s.failed - s.failures.length} more` : '',
          ]
            .filter(Boolean)
            .join('\n'),
        )
      })
    })

  cmd
    .command('show')
    .description('One advisory: its current record, KEV flag and every version seen')
    .argument('<id>')
    .action(async (id: string) => {
      await ctx.withServices(async (services) => {
        const s = pick(services)
        const record = await s.getAdvisory(id)
        if (!record)
          throw new (await import('../../platform/cli.ts')).CliError(`no advisory ${id}`, 3)
        const history = await s.history(id)
        ctx.out().print({ ...record, history }, (d) =>
          [
            `${d.id}  modified ${d.osv.modified}${d.osv.withdrawn ? `  WITHDRAWN ${d.osv.withdrawn}` : ''}  TLP:${d.tlp}${d.kev ? '  KNOWN EXPLOITED (KEV)' : ''}`,
            d.osv.summary ?? '',
            table(
              d.history.map((h) => ({
                modified: h.modified,
                withdrawn: h.withdrawn ?? '',
                source: h.source,
                digest: h.digest.slice(0, 12),
              })),
            ),
          ].join('\n'),
        )
      })
    })

  cmd
    .command('kev')
    .description('CISA KEV entries for CVE ids')
    .argument('<cve...>')
    .action(async (cves: string[]) => {
      await ctx.withServices(async (services) => {
        const rows = await pick(services).kevLookup(cves.map((c) => c.toUpperCase()))
        ctx.out().print(rows, (r) =>
          table(
            r.map((k) => ({
              cve: k.cveId,
              added: k.dateAdded,
              due: k.dueDate ?? '',
              ransomware: k.knownRansomwareCampaignUse,
              product: `${k.vendorProject} ${k.product}`,
            })),
          ),
        )
      })
    })

  cmd
    .command('stats')
    .description('How many advisories, withdrawn records and KEV entries are stored')
    .action(async () => {
      await ctx.withServices(async (services) => {
        const c = await pick(services).counts()
        ctx
          .out()
          .print(
            c,
            (d) => `${d.advisories} advisories (${d.withdrawn} withdrawn), ${d.kev} KEV entries`,
          )
      })
    })
}
