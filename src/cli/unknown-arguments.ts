import { closest } from '../validate/suggest.ts'

/** What yargs knows of the running command's options (`getOptions()`: names and aliases). */
export interface KnownOptions {
  readonly key: Readonly<Record<string, unknown>>
  readonly alias?: Readonly<Record<string, readonly string[]>>
}

/**
 * The message for arguments yargs rejected (`Unknown argument: inventroy`): each as the user
 * typed it, with the option meant when one is close. kubectl's `-o json` becomes
 * `--format json` on commands that have no `-o`.
 *
 * @param names the names yargs reported, without dashes
 * @param raw the command line
 * @param known the options of the command that ran
 * @param commands the names of the commands
 */
export function unknownArguments(names: readonly string[], raw: readonly string[], known: KnownOptions, commands: readonly string[]): string {
  const command = raw.find((a) => commands.includes(a))
  const see = `see nsoffload ${command ? `${command} ` : ''}--help`
  const longs = Object.keys(known.key).filter((k) => k.length > 1 && !/[A-Z]/.test(k))
  const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
  // yargs reports `--sync-wave` twice, also as `syncWave`.
  const typedNames = names.filter((n) => !/[A-Z]/.test(n) || !names.includes(kebab(n)))
  const parts = typedNames.map((name) => {
    const at = raw.findIndex((a) => a === `-${name}` || a === `--${name}` || a.startsWith(`--${name}=`) || a.startsWith(`-${name}=`) || a === `--no-${name}`)
    const typed = at >= 0 ? ((raw[at] ?? name).split('=')[0] ?? name) : undefined
    if (typed === undefined && command === undefined) return `unknown command "${name}"; the commands are ${commands.join(', ')}`
    if (typed === undefined) return `unexpected argument "${name}"`
    if ((name === 'o' || name === 'output') && 'format' in known.key) {
      const eq = raw[at]?.indexOf('=') ?? -1
      const next = eq >= 0 ? raw[at]?.slice(eq + 1) : raw[at + 1]
      const value = next !== undefined && !next.startsWith('-') ? ` ${next}` : ''
      return `unknown option ${typed}; did you mean --format${value}?`
    }
    const guess = name.length > 1 ? closest(name, longs) : undefined
    return guess ? `unknown option ${typed}; did you mean --${guess}?` : `unknown option ${typed}`
  })
  return `${parts.join('; ')} (${see})`
}
