import type { Argv, CommandModule } from 'yargs'
import { ExitCode } from '../exit-codes.ts'
import type { CommandContext, GlobalArgs } from '../context.ts'

export const COMPLETION_SHELLS = ['bash', 'zsh'] as const
type Shell = (typeof COMPLETION_SHELLS)[number]

interface Args extends GlobalArgs {
  readonly shell?: Shell
}

/**
 * The hidden flag yargs answers with the completions of a partial command line (commands,
 * options, an option's choices). The scripts below call it; `main.ts` enables it with
 * `.completion(COMPLETION_HOOK, false)`.
 */
export const COMPLETION_HOOK = '__complete'

// SHELL is pinned in each script: yargs formats its answer for the shell it believes it runs
// in (`name:description` lines for zsh), whatever the user's login shell is.
const BASH = `# bash completion for nsoffload
# Install:  nsoffload completion bash > ~/.local/share/bash-completion/completions/nsoffload
#     or:   echo 'source <(nsoffload completion bash)' >> ~/.bashrc
_nsoffload_completions()
{
    local cur="\${COMP_WORDS[COMP_CWORD]}"
    local IFS=$'\\n'
    local candidates
    candidates=$(SHELL=/bin/bash nsoffload --get-yargs-completions "\${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null)
    COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
    return 0
}
complete -o bashdefault -o default -F _nsoffload_completions nsoffload
`

const ZSH = `#compdef nsoffload
# zsh completion for nsoffload
# Install:  nsoffload completion zsh > "\${fpath[1]}/_nsoffload"
#     or:   echo 'source <(nsoffload completion zsh)' >> ~/.zshrc
_nsoffload() {
  local -a candidates
  candidates=("\${(@f)$(SHELL=/bin/zsh nsoffload --get-yargs-completions "\${(@)words[1,CURRENT]}" 2>/dev/null)}")
  if [[ \${#candidates} -gt 0 && -n "\${candidates[1]}" ]]; then
    _describe 'nsoffload' candidates
  else
    _files
  fi
}
if [[ "\${zsh_eval_context[-1]}" == "loadautofunc" ]]; then
  _nsoffload "$@"
else
  compdef _nsoffload nsoffload
fi
`

/** The completion script of a shell (pure). */
export function completionScript(shell: Shell): string {
  return shell === 'zsh' ? ZSH : BASH
}

/** `nsoffload completion [bash|zsh]`: prints the script; the shell defaults to `$SHELL`'s. */
export function completionCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'completion [shell]',
    describe: 'Print a shell completion script (bash or zsh)',
    builder: (y: Argv<GlobalArgs>) =>
      y
        .positional('shell', { choices: COMPLETION_SHELLS, describe: 'the shell (default: from $SHELL, else bash)' })
        .example('source <($0 completion bash)', 'complete nsoffload in this bash session')
        .example('$0 completion zsh > "${fpath[1]}/_nsoffload"', 'install for zsh') as Argv<Args>,
    handler: (args) => {
      const fromEnv: Shell = (ctx.host.env['SHELL'] ?? '').endsWith('zsh') ? 'zsh' : 'bash'
      ctx.host.stdout(completionScript(args.shell ?? fromEnv))
      ctx.exit(ExitCode.ok)
    },
  }
}
