/**
 * Shell completion scripts, generated from the command tree so they never
 * drift from the CLI (which hands `hpm completions` its tree).
 *
 * @module
 */

import { HpmInputError } from "../core/errors.ts";
import type { Io } from "../io/terminal.ts";

/** A command as completion sees it. */
export interface CompletionCommand {
  /** Its name (`sync`, `add`). */
  readonly name: string;
  /** One line of help. */
  readonly description: string;
  /** Its long and short options (`--mode`, `-m`). */
  readonly options: readonly string[];
  /** Its subcommands. */
  readonly commands: readonly CompletionCommand[];
}

/** Shells HPM can complete in. */
export type Shell = "bash" | "zsh" | "fish";

function paths(command: CompletionCommand, prefix: string[] = []): [string[], CompletionCommand][] {
  return [[prefix, command], ...command.commands.flatMap((c) => paths(c, [...prefix, c.name]))];
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * A completion script for `shell`.
 *
 * @param program the root command (`hpm`) with its tree
 * @param shell bash, zsh or fish
 * @returns the script; source it, or install it where the shell looks
 *
 * @example Usage
 * ```ts
 * import { completionScript } from "./completions.ts";
 * import assert from "node:assert/strict";
 *
 * const script = completionScript({
 *   name: "hpm",
 *   description: "",
 *   options: ["--help"],
 *   commands: [{ name: "sync", description: "sync", options: ["--mode"], commands: [] }],
 * }, "bash");
 * assert.match(script, /complete -F _hpm hpm/);
 * ```
 */
export function completionScript(program: CompletionCommand, shell: Shell): string {
  const all = paths(program);
  const fn = `_${program.name.replace(/[^A-Za-z0-9_]/g, "_")}`;
  if (shell === "fish") {
    // fish's __fish_seen_subcommand_from sees `add` in `group add` and in
    // `registry add` alike: each line is for one whole command path, found as
    // bash's script finds it (typed words that extend a known path).
    const known = all.filter(([p]) => p.length).map(([p]) => quote(p.join(" "))).join(" ");
    const lines = [
      `# fish completion for ${program.name}`,
      `complete -c ${program.name} -f`,
      `function _${fn}_path`,
      `    set -l words (commandline -opc)`,
      `    set -e words[1]`,
      `    set -l path`,
      `    for word in $words`,
      `        set -l next (string join " " -- $path $word)`,
      `        contains -- $next ${known}; and set path $next`,
      `    end`,
      `    echo "$path"`,
      `end`,
      `function _${fn}_at`,
      `    set -l path (_${fn}_path)`,
      `    test "$path" = "$argv"`,
      `end`,
    ];
    for (const [path, command] of all) {
      const at = quote([`_${fn}_at`, ...path].join(" "));
      for (const sub of command.commands) {
        lines.push(
          `complete -c ${program.name} -n ${at} -a ${sub.name} -d ${quote(sub.description)}`,
        );
      }
      for (const option of command.options.filter((o) => o.startsWith("--"))) {
        lines.push(`complete -c ${program.name} -n ${at} -l ${option.slice(2)}`);
      }
    }
    return lines.join("\n") + "\n";
  }
  const cases = all.map(([path, command]) => {
    const words = [...command.commands.map((c) => c.name), ...command.options].join(" ");
    return `    ${quote(path.join(" "))}) words=${quote(words)} ;;`;
  });
  // Typed words that extend a known command path (`group`, then `group add`)
  // select the case; everything else (options, values, packages) is skipped.
  const known = `|${all.filter(([p]) => p.length).map(([p]) => p.join(" ")).join("|")}|`;
  const bash = [
    `# ${shell} completion for ${program.name}`,
    ...(shell === "zsh" ? ["autoload -U +X bashcompinit && bashcompinit"] : []),
    `${fn}() {`,
    `  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" next words i`,
    `  local known=${quote(known)}`,
    `  for ((i = 1; i < COMP_CWORD; i++)); do`,
    `    next="\${path:+$path }\${COMP_WORDS[i]}"`,
    `    [[ "$known" == *"|$next|"* ]] && path="$next"`,
    `  done`,
    `  case "$path" in`,
    ...cases,
    `  esac`,
    `  COMPREPLY=($(compgen -W "$words" -- "$cur"))`,
    `}`,
    `complete -F ${fn} ${program.name}`,
  ];
  return bash.join("\n") + "\n";
}

/**
 * `hpm completions SHELL`: the completion script of the command tree.
 *
 * @param flags the shell asked for, and the command tree (`hpm` and its commands)
 * @param io where it prints
 * @throws {HpmInputError} `usage` for a shell other than bash, zsh or fish
 */
export function completionsCommand(
  flags: { readonly shell: string; readonly program: CompletionCommand },
  io: Io,
): void {
  const { shell } = flags;
  if (shell !== "bash" && shell !== "zsh" && shell !== "fish") {
    throw new HpmInputError(
      "usage",
      `unknown shell \`${shell}\``,
      undefined,
      "choose bash, zsh or fish",
    );
  }
  io.out(completionScript(flags.program, shell).trimEnd());
}
