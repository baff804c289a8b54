/**
 * Before a registry names a release, check that the release exists where uv
 * will fetch it: a tag or branch on the git remote. A ref that is not there
 * is refused; a remote that cannot be reached only gets a warning, so that
 * working offline stays possible.
 *
 * @module
 */

import { HpmOperationError } from "../core/errors.ts";
import { remoteRef } from "../io/git.ts";
import type { Runner } from "../io/runner.ts";

/** How long a remote gets to answer. */
export const REMOTE_CHECK_TIMEOUT_MS = 20_000;

/** What {@link checkReleaseOnRemote} needs. */
export interface ReleaseCheck {
  /** Runs git. */
  readonly runner: Runner;
  /** Where to run git. */
  readonly cwd: string;
  /** The repository uv (or a developer) fetches the release from. */
  readonly url: string;
  /** The tag, branch or commit. */
  readonly ref: string;
  /** The package, for messages. */
  readonly name: string;
  /** The command that was run, for the hint (`hpm pin P`). */
  readonly command: string;
  /** Warnings. */
  readonly log: (message: string) => void;
  /** How long the remote gets. @default REMOTE_CHECK_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** Do not ask the remote (`HPM_OFFLINE=1`); say so. */
  readonly offline?: boolean;
}

/**
 * Refuse a release ref that the remote does not have; warn and go on when the
 * remote cannot be reached, or when the ref is a commit (the remote cannot be
 * asked about one).
 *
 * @param check the ref, the remote and how to report
 * @throws {HpmOperationError} when the remote answers and has no such tag or branch
 */
export async function checkReleaseOnRemote(check: ReleaseCheck): Promise<void> {
  if (check.offline) {
    check.log(`offline (HPM_OFFLINE=1): \`${check.ref}\` was not checked on ${check.url}`);
    return;
  }
  const answer = await remoteRef(
    check.runner,
    check.cwd,
    check.url,
    check.ref,
    check.timeoutMs ?? REMOTE_CHECK_TIMEOUT_MS,
  );
  switch (answer.state) {
    case "found":
      return;
    case "commit":
      check.log(
        `note: \`${check.ref}\` looks like a commit; its presence on ${check.url} was not checked`,
      );
      return;
    case "unreachable":
      check.log(
        `warning: could not check that \`${check.ref}\` exists on ${check.url} ` +
          `(${answer.reason}); going on`,
      );
      return;
    case "missing":
      throw new HpmOperationError(
        `\`${check.ref}\` is not a tag or branch of ${check.url}, so \`${check.name}\` ` +
          `cannot be installed from it`,
        `push it first (\`git push origin ${check.ref}\`) and run \`${check.command}\` again; ` +
          "or check the name; `--no-verify` skips this check",
      );
  }
}
