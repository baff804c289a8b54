/**
 * Checks for values that come from registries (possibly remote, so untrusted)
 * and end up in git/uv arguments or in pyproject.toml. The zod schemas in
 * `_schemas.ts` use them, so errors carry the YAML position.
 *
 * @module
 */

// Control characters (C0, DEL, C1) are never legitimate in names, refs, URLs or paths.
// deno-lint-ignore no-control-regex
export const CONTROL: RegExp = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Whether `ref` is a safe git reference name (the rules of
 * `git check-ref-format --allow-onelevel`, and no leading `-`).
 */
export function isSafeGitRef(ref: string): boolean {
  return ref.length > 0 && ref.length <= 255 &&
    !CONTROL.test(ref) &&
    !/[ ~^:?*[\\]/.test(ref) &&
    !ref.startsWith("-") && !ref.startsWith("/") && !ref.endsWith("/") &&
    !ref.endsWith(".") &&
    !ref.includes("..") && !ref.includes("@{") && !ref.includes("//") &&
    ref !== "@" &&
    !ref.split("/").some((part) => part.startsWith(".") || part.endsWith(".lock"));
}

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
    // ssh is given `user@host`: a user or host that starts with `-` (even
    // percent-encoded) would become an option of ssh (`-oProxyCommand=…`).
    const leadingDash = (part: string) => /^(?:-|%2d)/i.test(part);
    return GIT_TRANSPORTS.includes(parsed.protocol) &&
      (parsed.protocol === "file:" || parsed.hostname !== "") &&
      !leadingDash(parsed.hostname) && !leadingDash(parsed.username) &&
      !leadingDash(parsed.password);
  } catch {
    return false;
  }
}

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

/** Whether `url` is a package index URL HPM accepts (http, https or file). */
export function isSafeIndexUrl(url: string): boolean {
  if (CONTROL.test(url) || /\s/.test(url)) return false;
  try {
    return ["https:", "http:", "file:"].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

/** Whether `path` is usable as a clone path: no control characters, not an option. */
export function isUsablePath(path: string): boolean {
  return path.length > 0 && path.length <= 4096 && !CONTROL.test(path) && !path.startsWith("-");
}
