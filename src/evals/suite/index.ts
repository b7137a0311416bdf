/**
 * The public sample suite: tasks built from public data (each folder's SOURCE.md names the
 * origin and licence) and earlywatch's own sandboxed CTF challenges.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadBundle } from '../bundle.ts'
import type { TaskEntry } from '../registry.ts'
import { ctfTask } from './ctf/challenges.ts'

export const SUITE_DIR = path.dirname(fileURLToPath(import.meta.url))
export const SUITE = 'public-suite'

const bundle = (folder: string) => () => loadBundle(path.join(SUITE_DIR, folder))

export const SUITE_TASKS: readonly TaskEntry[] = [
  {
    name: 'seceval-mcq',
    description: 'Security knowledge: 60 SecEval multiple-choice questions (CC BY-NC-SA 4.0)',
    suite: SUITE,
    create: bundle('knowledge-mcq'),
  },
  {
    name: 'cyberseceval-cwe',
    description:
      'Vulnerability identification: name the CWE in 48 CyberSecEval code excerpts (MIT)',
    suite: SUITE,
    create: bundle('insecure-code'),
  },
  {
    name: 'intercode-ctf',
    description: 'Six self-contained InterCode-CTF (picoCTF) tasks, agent in the sandbox (MIT)',
    suite: SUITE,
    create: bundle('intercode-ctf'),
  },
  {
    name: 'earlywatch-ctf',
    description:
      'Six earlywatch CTF challenges (crypto, forensics, web, pwn, reversing, privesc) in the sandbox',
    suite: SUITE,
    create: () => ctfTask(),
  },
]
