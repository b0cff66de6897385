import type { Command } from "commander";
import { UsageError } from "../errors.js";

/** Shells `jit completion` writes a script for. */
export const COMPLETION_SHELLS = ["bash", "zsh", "fish"] as const;

interface CommandWords {
  name: string;
  description: string;
  options: string[];
}

/** Every subcommand of `program` with its options (long forms), and the global options. */
function words(program: Command): { global: string[]; commands: CommandWords[] } {
  const longs = (command: Command) =>
    command.options.map((o) => o.long).filter((flag): flag is string => flag !== undefined);
  return {
    global: [...longs(program), "--help", "--version"],
    commands: program.commands.map((c) => ({
      name: c.name(),
      description: c.description().replace(/\s+/g, " "),
      options: [...longs(c), "--help"],
    })),
  };
}

/**
 * The completion script of `shell` for `program`'s commands and options, generated from the program
 * itself so it never lists a command or option that does not exist.
 * @throws UsageError for a shell other than bash, zsh and fish.
 */
export function completionScript(program: Command, shell: string): string {
  const { global, commands } = words(program);
  const names = commands.map((c) => c.name);
  switch (shell) {
    case "bash":
      return [
        "# jit completion for bash: add `source <(jit completion bash)` to ~/.bashrc",
        "_jit_complete() {",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
        '  local cur="${COMP_WORDS[COMP_CWORD]}" sub="" i',
        "  for ((i = 1; i < COMP_CWORD; i++)); do",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
        '    case "${COMP_WORDS[i]}" in -*) ;; *) sub="${COMP_WORDS[i]}"; break ;; esac',
        "  done",
        '  case "$sub" in',
        ...commands.map(
          (c) =>
            `    ${c.name}) COMPREPLY=($(compgen -W "${[...c.options, ...global].join(" ")}" -- "$cur")) ;;`,
        ),
        `    *) COMPREPLY=($(compgen -W "${[...names, ...global].join(" ")}" -- "$cur")) ;;`,
        "  esac",
        "}",
        "complete -o default -F _jit_complete jit",
        "",
      ].join("\n");
    case "zsh":
      return [
        "#compdef jit",
        "# jit completion for zsh: add `source <(jit completion zsh)` to ~/.zshrc (after compinit)",
        "_jit() {",
        "  local -a commands",
        "  commands=(",
        ...commands.map((c) => `    ${zshQuote(`${c.name}:${c.description}`)}`),
        "  )",
        "  if (( CURRENT == 2 )); then",
        "    _describe 'command' commands",
        "    return",
        "  fi",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
        "  case ${words[2]} in",
        ...commands.map((c) => `    ${c.name}) compadd -- ${[...c.options, ...global].join(" ")} ;;`),
        "  esac",
        "}",
        "compdef _jit jit",
        "",
      ].join("\n");
    case "fish":
      return [
        "# jit completion for fish: jit completion fish > ~/.config/fish/completions/jit.fish",
        "complete -c jit -f",
        ...global.map((o) => `complete -c jit -l ${o.slice(2)}`),
        ...commands.map(
          (c) => `complete -c jit -n __fish_use_subcommand -a ${c.name} -d ${fishQuote(c.description)}`,
        ),
        ...commands.flatMap((c) =>
          c.options.map((o) => `complete -c jit -n '__fish_seen_subcommand_from ${c.name}' -l ${o.slice(2)}`),
        ),
        "",
      ].join("\n");
    default:
      throw new UsageError(
        `jit completion: unknown shell "${shell}"; use one of ${COMPLETION_SHELLS.join(", ")}`,
      );
  }
}

function zshQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function fishQuote(text: string): string {
  return `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** Registers `jit completion <shell>`. */
export function registerCompletionCommand(program: Command, write: (text: string) => void): void {
  program
    .command("completion")
    .description("print a shell completion script: bash, zsh or fish")
    .argument("<shell>", COMPLETION_SHELLS.join(" | "))
    .action((shell: string) => {
      write(completionScript(program, shell));
    });
}
