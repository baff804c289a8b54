/**
 * What the kernel says of a process (Linux's /proc), so that a program a
 * killed HPM run left running is recognised before it is waited for or
 * stopped, and a reused process id never is. /proc is the kernel's view of
 * a process, not a file of a project, HPM's state or the cache: no root
 * confines it and no link in it leads to anything HPM reads.
 *
 * @module
 */

/**
 * When a process started (field 22 of /proc/PID/stat, in clock ticks since
 * boot), so that a process id that was reused is never taken for it.
 *
 * @param pid the process id
 * @returns the start time, or undefined when the process is gone (or a zombie) or there is no /proc
 */
export function procStartTime(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[0] === "Z" ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether the process's command line shows `program` as what runs (a
 * launcher such as a pyenv shim runs it as its first argument).
 *
 * @param pid the process id
 * @param program the program's name or path
 * @returns whether it runs it; false when it is gone or there is no /proc
 */
export function procRuns(pid: number, program: string): boolean {
  try {
    const argv = Deno.readTextFileSync(`/proc/${pid}/cmdline`).split("\0").slice(0, 2);
    const want = program.replace(/^.*[\\/]/, "").replace(/\.exe$/i, "");
    return argv.some((a) => a.replace(/^.*[\\/]/, "").replace(/\.exe$/i, "") === want);
  } catch {
    return false;
  }
}

/** Whether this system has /proc: without it, no process is ever recognised. */
export const HAS_PROC: boolean = (() => {
  try {
    Deno.statSync("/proc/self");
    return true;
  } catch {
    return false;
  }
})();
