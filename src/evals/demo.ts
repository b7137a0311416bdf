/**
 * Demo runs: the public suite against scripted models of three strengths, finished, so the
 * evaluation pages show real charts with real intervals. The sandboxed CTF task (strong model
 * only) is included when this host can make sandboxes (bubblewrap), and left out otherwise.
 */
import type { SandboxProvider } from './sandbox-port.ts'
import type { EvalsService } from './service.ts'

export const DEMO_MODELS = [
  { model: 'mockllm/oracle-85', label: 'Scripted model, strong (85%)' },
  { model: 'mockllm/oracle-60', label: 'Scripted model, middling (60%)' },
  { model: 'mockllm/oracle-35', label: 'Scripted model, weak (35%)' },
] as const

const MCQ_TASKS = ['seceval-mcq', 'cyberseceval-cwe'] as const

async function canSandbox(
  sandboxes: (() => Promise<SandboxProvider>) | undefined,
): Promise<boolean> {
  if (!sandboxes) return false
  try {
    const sb = await (await sandboxes()).create({ network: false })
    await sb.close()
    return true
  } catch {
    return false
  }
}

/** Starts and finishes the demo runs in this process; returns how many it made. */
export async function seedEvalsDemo(
  evals: EvalsService,
  opts: { sandboxes?: () => Promise<SandboxProvider> } = {},
): Promise<{ runs: number }> {
  // Seeded once: the first demo task's runs mark it (other capabilities' demos run tasks of their own).
  if ((await evals.listRuns({ task: MCQ_TASKS[0], limit: 1, offset: 0 })).total > 0)
    return { runs: 0 }
  const ctf = await canSandbox(opts.sandboxes)
  let runs = 0
  for (const m of DEMO_MODELS) {
    for (const task of [
      ...MCQ_TASKS,
      ...(ctf && m.model === 'mockllm/oracle-85' ? ['earlywatch-ctf'] : []),
    ]) {
      const run = await evals.startRun({
        task,
        model: m.model,
        // One epoch keeps first start quick; the intervals are still real (48–60 samples each).
        epochs: 1,
        label: `${task} · ${m.label}`,
        createdBy: 'demo',
        maxSamples: 16,
        maxSandboxes: 3,
      })
      await evals.runHere(run.id)
      runs++
    }
  }
  return { runs }
}
