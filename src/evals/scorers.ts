/**
 * Scorers: each turns a finished sample into a score in 0…1 with the answer it compared and an
 * explanation of why, kept with the result.
 */
import { completion, inputText, type Score, type Scorer, type TaskState } from './model.ts'

const norm = (s: string, ignoreCase: boolean) => {
  const t = s
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[.。]$/, '')
  return ignoreCase ? t.toLowerCase() : t
}

/** The text after the last `ANSWER:` marker if there is one, else the whole completion. */
export function extractAnswer(text: string): string {
  const m = [...text.matchAll(/ANSWER\s*:\s*(.+)/gi)].at(-1)
  return (m ? m[1]! : text).trim()
}

function verdict(ok: boolean, answer: string, why: string): Score {
  return { value: ok ? 1 : 0, answer, explanation: why }
}

/** The answer equals a target (after trimming and collapsing spaces). `location` also allows it at the start or end of the answer. */
export function match(
  opts: { location?: 'exact' | 'begin' | 'end' | 'any'; ignoreCase?: boolean } = {},
): Scorer {
  const where = opts.location ?? 'end'
  const ic = opts.ignoreCase ?? true
  return {
    name: 'match',
    params: { location: where, ignoreCase: ic },
    async score(state) {
      const answer = extractAnswer(completion(state))
      const a = norm(answer, ic)
      const hit = state.target.find((t) => {
        const x = norm(t, ic)
        if (where === 'exact') return a === x
        if (where === 'begin') return a.startsWith(x)
        if (where === 'end') return a.endsWith(x)
        return a.includes(x)
      })
      return verdict(
        hit !== undefined,
        answer,
        hit !== undefined
          ? `answer "${answer.slice(0, 200)}" matches target "${hit}" (${where})`
          : `answer "${answer.slice(0, 200)}" does not match any target (${state.target.join(' | ')}) at ${where}`,
      )
    },
  }
}

/** A target appears anywhere in the completion. */
export function includes(opts: { ignoreCase?: boolean } = {}): Scorer {
  const ic = opts.ignoreCase ?? true
  return {
    name: 'includes',
    params: { ignoreCase: ic },
    async score(state) {
      const text = completion(state)
      const hay = ic ? text.toLowerCase() : text
      const hit = state.target.find((t) => hay.includes(ic ? t.toLowerCase() : t))
      return verdict(
        hit !== undefined,
        text.slice(0, 500),
        hit !== undefined
          ? `the completion contains "${hit}"`
          : `the completion contains none of: ${state.target.join(' | ')}`,
      )
    },
  }
}

/** Extracts the answer with a regular expression (its first group, or the whole match) and compares it with the targets. */
export function pattern(regex: string, opts: { ignoreCase?: boolean } = {}): Scorer {
  let re: RegExp
  try {
    re = new RegExp(regex, opts.ignoreCase === false ? '' : 'i')
  } catch (err) {
    throw new Error(
      `pattern scorer: "${regex}" is not a valid regular expression (${(err as Error).message})`,
    )
  }
  return {
    name: 'pattern',
    params: { regex },
    async score(state) {
      const text = completion(state)
      const m = re.exec(text)
      if (!m) return verdict(false, '', `no match for /${regex}/ in the completion`)
      const answer = (m[1] ?? m[0]).trim()
      const hit = state.target.find((t) => norm(t, true) === norm(answer, true))
      return verdict(
        hit !== undefined,
        answer,
        hit !== undefined
          ? `extracted "${answer}" equals target`
          : `extracted "${answer}", expected ${state.target.join(' | ')}`,
      )
    },
  }
}

/** Multiple choice: the letter(s) after `ANSWER:` equal the target letter(s), as the model saw them. */
export function choice(): Scorer {
  return {
    name: 'choice',
    async score(state) {
      const text = completion(state)
      const m = [...text.matchAll(/ANSWER\s*:\s*\(?([A-Z](?:\s*,\s*[A-Z])*)\)?/gi)].at(-1)
      if (!m) return verdict(false, '', 'no "ANSWER: $LETTER" line in the completion')
      const given = [...new Set(m[1]!.toUpperCase().split(/\s*,\s*/))].sort()
      const want = [...new Set(state.target.map((t) => t.trim().toUpperCase()))].sort()
      const ok = given.join(',') === want.join(',')
      const shown = (l: string) => state.choices?.[l.charCodeAt(0) - 65]?.text
      return {
        ...verdict(
          ok,
          given.join(','),
          ok
            ? `chose ${given.join(',')} (${shown(given[0]!) ?? '?'}), which is correct`
            : `chose ${given.join(',')}, the answer is ${want.join(',')} (${shown(want[0]!) ?? '?'})`,
        ),
        ...(state.choices
          ? { metadata: { order: state.choices.map((c) => c.originalIndex) } }
          : {}),
      }
    },
  }
}

export const FLAG_PATTERN = '[A-Za-z0-9_]{2,32}\\{[^{}\\s]{1,200}\\}'

/**
 * CTF flag: the submitted answer (or any flag-shaped string in the final output) equals a
 * target exactly. Flags are case-sensitive; only surrounding whitespace is ignored.
 */
export function flag(opts: { pattern?: string } = {}): Scorer {
  const re = new RegExp(opts.pattern ?? FLAG_PATTERN, 'g')
  return {
    name: 'flag',
    async score(state) {
      const candidates =
        state.submission !== undefined
          ? [state.submission.trim(), ...(state.submission.match(re) ?? [])]
          : (state.output?.message.content.match(re) ?? [])
      const hit = candidates.find((c) => state.target.includes(c))
      if (hit)
        return verdict(
          true,
          hit,
          state.submission !== undefined
            ? 'submitted the correct flag'
            : 'the correct flag appears in the final answer',
        )
      if (!candidates.length)
        return verdict(
          false,
          '',
          state.submission !== undefined
            ? 'submitted an empty answer'
            : 'no flag was submitted or found in the output',
        )
      return verdict(false, candidates[0]!, `"${candidates[0]!.slice(0, 100)}" is not the flag`)
    },
  }
}

export const GRADER_TEMPLATE = `You are grading an answer to a question against a rubric.

[BEGIN DATA]
[Question]: {question}
[Answer]: {answer}
[Reference answer]: {target}
[Rubric]: {rubric}
[END DATA]

Explain your reasoning briefly, then end with a line "GRADE: C" if the answer meets the rubric, "GRADE: P" if it partly does, or "GRADE: I" if it does not.`

const GRADES: Record<string, number> = { C: 1, P: 0.5, I: 0 }

/** A grader model reads the answer with a rubric and grades it C (1), P (0.5) or I (0); its reasoning is the explanation. */
export function modelGraded(opts: { rubric: string; template?: string }): Scorer {
  return {
    name: 'model_graded',
    params: { rubric: opts.rubric },
    async score(state: TaskState, ctx) {
      const answer = completion(state)
      const prompt = (opts.template ?? GRADER_TEMPLATE)
        .replace('{question}', inputText(state.sample))
        .replace('{answer}', answer)
        .replace('{target}', state.target.join(' | ') || '(none)')
        .replace('{rubric}', opts.rubric)
      const out = await ctx.grader.generate(
        { messages: [{ role: 'user', content: prompt }], config: { temperature: 0 } },
        {
          signal: ctx.signal,
          hint: {
            sampleId: state.sample.id,
            epoch: state.epoch,
            target: state.target,
            metadata: state.sample.metadata,
          },
        },
      )
      const text = out.message.content
      const g = [...text.matchAll(/GRADE\s*:\s*([CPI])/gi)].at(-1)?.[1]?.toUpperCase()
      if (!g)
        return {
          value: 0,
          answer: answer.slice(0, 500),
          explanation: `the grader gave no GRADE line: ${text.slice(0, 500)}`,
          metadata: { grader: ctx.grader.id },
        }
      return {
        value: GRADES[g]!,
        answer: answer.slice(0, 500),
        explanation: text.slice(0, 4000),
        metadata: { grade: g, grader: ctx.grader.id },
      }
    },
  }
}
