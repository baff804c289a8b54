/**
 * Checks for values that come from registries (possibly remote, so untrusted)
 * and end up in git/uv arguments or in pyproject.toml. Each is a zod schema so
 * errors carry the YAML position like any other schema error.
 *
 * @module
 */

import { z } from "zod";
import { PEP508_NAME } from "./names.ts";

// Control characters (C0, DEL, C1) are never legitimate in names, refs, URLs or paths.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A PEP 508 package name. */
export const packageName = z.string().max(200).regex(PEP508_NAME, {
  message: "not a valid package name (PEP 508: letters, digits, `-`, `_`, `.`; " +
    "starts and ends with a letter or digit)",
});

/** A mode name: `dev`, `prod`, `staging`… */
export const modeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, {
  message: "a mode name is letters, digits, `-`, `_`, `.`, starting with a letter or digit",
});

/**
 * Whether `ref` is a safe git reference name (the rules of
 * `git check-ref-format --allow-onelevel`, and no leading `-`).
 */
export function isSafeGitRef(ref: string): boolean {
  return ref.length > 0 && ref.length <= 255 &&
    !CONTROL.test(ref) &&
    !/[ ~^:?*[\\]/.test(ref) &&
    !ref.startsWith("-") && !ref.startsWith("/") && !ref.endsWith("/") &&
    !ref.endsWith(".") && !ref.endsWith(".lock") &&
    !ref.includes("..") && !ref.includes("@{") && !ref.includes("//") &&
    ref !== "@" &&
    !ref.split("/").some((part) => part.startsWith("."));
}

/** A git ref, tag, branch or revision. */
export const gitRef = z.string().refine(isSafeGitRef, {
  message: "not a valid git ref (see `git check-ref-format`; it may not start with `-`)",
});

const GIT_TRANSPORTS = ["https:", "ssh:", "git:", "file:"];

/**
 * Whether `url` is a git URL HPM accepts: https, ssh, git or file transports
 * only, so `ext::` and `fd::` (which run commands) can never reach git.
 */
export function isSafeGitUrl(url: string): boolean {
  if (CONTROL.test(url) || /\s/.test(url) || url.startsWith("-") || url.includes("::")) {
    return false;
  }
  try {
    const parsed = new URL(url);
    return GIT_TRANSPORTS.includes(parsed.protocol) &&
      (parsed.protocol === "file:" || parsed.hostname !== "") &&
      !parsed.hostname.startsWith("-");
  } catch {
    return false;
  }
}

/** A git repository URL. */
export const gitUrl = z.string().refine(isSafeGitUrl, {
  message: "git URLs must use https://, ssh://, git:// or file:// (no `ext::`, no spaces)",
});

/** The URL of a Python package index. */
export const indexUrl = z.string().refine((url) => {
  if (CONTROL.test(url) || /\s/.test(url)) return false;
  try {
    return ["https:", "http:", "file:"].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}, { message: "an index URL must be http://, https:// or file://" });

/** A filesystem path for a local clone. */
export const localPath = z.string().min(1).refine(
  (p) => !CONTROL.test(p) && !p.startsWith("-") && p.length <= 4096,
  { message: "not a usable path (control characters, or starts with `-`: write `./-name`)" },
);

const OPERATOR = "(?:~=|===|==|!=|<=|>=|<|>)";
const VERSION = "[A-Za-z0-9][A-Za-z0-9.*+!_-]*";
const SPECIFIER = new RegExp(
  `^\\s*${OPERATOR}\\s*${VERSION}\\s*(?:,\\s*${OPERATOR}\\s*${VERSION}\\s*)*$`,
);
const BARE_VERSION = new RegExp(`^${VERSION}$`);

/**
 * A PEP 440 version specifier, normalised: a bare `1.2.0` means `==1.2.0`.
 *
 * @param text what the registry says
 * @returns the specifier, or undefined when it is not one
 */
export function normalizeSpecifier(text: string): string | undefined {
  const trimmed = text.trim();
  if (BARE_VERSION.test(trimmed) && /^\d/.test(trimmed)) return `==${trimmed}`;
  if (!SPECIFIER.test(trimmed)) return undefined;
  return trimmed.split(",").map((part) => part.replace(/\s+/g, "")).join(",");
}

/** A version or PEP 440 specifier, normalised. */
export const versionSpecifier = z.string().transform((text, ctx) => {
  const spec = normalizeSpecifier(text);
  if (spec === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `\`${text}\` is not a version (\`1.2.0\`) or PEP 440 specifier (\`>=1.2,<2\`)`,
    });
    return z.NEVER;
  }
  return spec;
});
