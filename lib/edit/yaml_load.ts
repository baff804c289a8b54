/**
 * Safe YAML loading with source positions, shared by hpm.yaml and registry
 * entries. Registry content may come from a remote server, so this refuses
 * what could exhaust resources or be ambiguous (huge files, alias bombs,
 * duplicate keys, invalid UTF-8) before any value reaches the schema.
 *
 * @module
 */

import { type Document, isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type * as z from "zod/mini";
import { HpmInputError, type SourcePosition } from "../core/errors.ts";
import { suggestName } from "../core/names.ts";

/** Largest YAML file HPM reads; manifests are tiny, so anything bigger is suspect. */
export const MAX_YAML_BYTES = 256 * 1024;
/** Most aliases a YAML file may use: enough for config, too few for a bomb. */
export const MAX_ALIASES = 50;

/** A parsed YAML file that can map a value path back to line:column. */
export interface LoadedYaml {
  /** The file name used in errors. */
  readonly file: string;
  /** The plain JS value. */
  readonly value: unknown;
  /** The parsed document, for position lookups and comment-keeping edits. */
  readonly doc: Document.Parsed;
  /**
   * Position of the node at `path` (or of its nearest existing parent); with
   * `key`, of the mapping key rather than its value.
   */
  positionOf(path: readonly PropertyKey[], key?: boolean): SourcePosition;
}

/** Decode bytes as strict UTF-8, refusing oversized input. */
export function decodeYaml(bytes: Uint8Array, file: string): string {
  if (bytes.length > MAX_YAML_BYTES) {
    throw new HpmInputError(
      "yaml-unsafe",
      `file is ${bytes.length} bytes; the limit is ${MAX_YAML_BYTES}`,
      { file },
      "HPM manifests and registry entries are small; check that this is the right file",
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HpmInputError("yaml-unsafe", "file is not valid UTF-8", { file }, "save it as UTF-8");
  }
}

/** A YAML document that parsed cleanly, with its plain value. */
export interface CheckedYaml {
  /** The document (with source tokens when asked for). */
  readonly doc: Document.Parsed;
  /** Its plain JS value. */
  readonly value: unknown;
  /** Offsets to line:column. */
  readonly lines: LineCounter;
}

/**
 * Parse YAML, refusing syntax errors, duplicate keys and alias bombs (the
 * checks every YAML read and edit shares). Without a file name, the position
 * goes into the message.
 */
export function parseChecked(
  text: string,
  file: string | undefined,
  keepSourceTokens = false,
): CheckedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    uniqueKeys: true,
    prettyErrors: false,
    keepSourceTokens,
  });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const { line, col } = lines.linePos(problem.pos[0]);
    const duplicate = problem.code === "DUPLICATE_KEY";
    const what = duplicate
      ? "duplicate key: each key may appear once"
      : problem.message.split("\n")[0];
    throw new HpmInputError(
      duplicate ? "yaml-unsafe" : "yaml-syntax",
      file ? what : `line ${line}, column ${col}: ${what}`,
      file ? { file, line, column: col } : undefined,
      duplicate ? "remove one of the two entries" : "check indentation, quotes and brackets",
    );
  }
  try {
    return { doc, value: doc.toJS({ maxAliasCount: MAX_ALIASES }), lines };
  } catch (e) {
    throw new HpmInputError(
      "yaml-unsafe",
      `refused: ${e instanceof Error ? e.message : String(e)}`,
      file ? { file } : undefined,
      "expand the YAML aliases by hand; HPM limits them to protect against alias bombs",
    );
  }
}

/**
 * Parse YAML text. Syntax errors, duplicate keys, multiple documents and alias
 * bombs become {@link HpmInputError}s with positions.
 */
export function loadYaml(text: string, file: string): LoadedYaml {
  if (text.length > MAX_YAML_BYTES) {
    throw new HpmInputError("yaml-unsafe", `file is larger than ${MAX_YAML_BYTES} bytes`, { file });
  }
  const { doc, value, lines } = parseChecked(text, file);
  const at = (offset: number): SourcePosition => {
    const { line, col } = lines.linePos(offset);
    return { file, line, column: col };
  };
  const positionOf = (path: readonly PropertyKey[], wantKey = false): SourcePosition => {
    let node: unknown = doc.contents;
    let best = node as Node | null;
    for (const [i, key] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((p) => String((p.key as { value?: unknown })?.value) === key);
        if (!pair) break;
        node = (wantKey && i === path.length - 1) || !pair.value ? pair.key : pair.value;
      } else if (isSeq(node) && typeof key === "number") {
        node = node.items[key];
      } else break;
      if (node && (node as Node).range) best = node as Node;
    }
    return best?.range ? at(best.range[0]) : { file, line: 1, column: 1 };
  };
  return { file, value, doc, positionOf };
}

/**
 * Validate a loaded YAML value against a zod schema; the first issue becomes an
 * {@link HpmInputError} pointing at the offending node, with a "did you mean"
 * for unknown keys.
 */
export function validateYaml<T extends z.ZodMiniType>(
  loaded: LoadedYaml,
  schema: T,
): z.output<T> {
  const result = schema.safeParse(loaded.value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path;
  let hint: string | undefined;
  let message = issue.message;
  let where = loaded.positionOf(path);
  let context = path;
  // A discriminated union (a source's `type:`) lists its choices.
  const choices = issue.code === "invalid_union" && "options" in issue &&
      Array.isArray(issue.options)
    ? issue.options.map(String)
    : undefined;
  if (issue.code === "invalid_key" && issue.issues[0]) {
    message = `invalid key \`${String(path.at(-1))}\`: ${issue.issues[0].message}`;
    where = loaded.positionOf(path, true);
  } else if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    where = loaded.positionOf([...path, key], true);
    const known = knownKeys(schema, path);
    const guess = suggestName(key, known);
    message = `unknown key \`${key}\``;
    hint = guess
      ? `did you mean \`${guess}\`?`
      : known.length
      ? `allowed here: ${known.join(", ")}`
      : undefined;
  } else if (path.length && valueAt(loaded.value, path) === undefined) {
    message = `missing required key \`${String(path.at(-1))}\``;
    context = path.slice(0, -1);
    where = loaded.positionOf(context);
    if (choices) hint = `\`${String(path.at(-1))}\` is one of: ${choices.join(", ")}`;
  } else if (choices) {
    // zod's "Invalid discriminator value" does not say what was written.
    const value = valueAt(loaded.value, path);
    const written = typeof value === "string" ? `\`${value}\`` : JSON.stringify(value);
    message = `${written} is not a valid \`${String(path.at(-1))}\``;
    const guess = typeof value === "string" ? suggestName(value, choices) : undefined;
    hint = (guess ? `did you mean \`${guess}\`? ` : "") + `valid: ${choices.join(", ")}`;
  }
  const at = context.length ? `at \`${context.join(".")}\`: ` : "";
  throw new HpmInputError("schema", `${at}${message}`, where, hint);
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

// The keys a strict object schema accepts at `path`, for "did you mean" hints.
function knownKeys(schema: z.ZodMiniType, path: readonly PropertyKey[]): string[] {
  // deno-lint-ignore no-explicit-any
  let node: any = schema;
  for (const key of path) {
    node = unwrap(node);
    if (node?.shape) node = node.shape[key as string];
    else if (node?.def?.type === "record") node = node.def.valueType;
    else if (node?.def?.type === "array") node = node.def.element;
    else return [];
  }
  node = unwrap(node);
  if (node?.def?.type === "union" || node?.def?.options) {
    return [
      ...new Set(
        node.def.options.flatMap((o: z.ZodMiniType) => Object.keys(unwrap(o)?.shape ?? {})),
      ),
    ] as string[];
  }
  return node?.shape ? Object.keys(node.shape) : [];
}

// deno-lint-ignore no-explicit-any
function unwrap(node: any): any {
  while (node?.def?.innerType || node?.def?.type === "pipe") {
    node = node.def.innerType ?? node.def.in;
  }
  return node;
}
