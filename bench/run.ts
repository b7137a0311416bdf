/** Runs one benchmark by name: `npm run bench -- NAME`. Each prints its figures and ends with `RESULT {…}`. */
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('.', import.meta.url))
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
const name = process.argv[2]
if (!name || !available.includes(name)) {
  process.stderr.write(
    `usage: npm run bench -- NAME\nbenchmarks: ${available.join(', ') || '(none)'}\n${name ? `no benchmark named ${name}\n` : ''}`,
  )
  process.exit(2)
}
await import(`./${name}.bench.ts`)
