/**
 * Ctrl-C and SIGTERM while HPM runs programs: the first signal is kept, and
 * an abort signal stops the programs, so the command can end in its own
 * words (a sync rolls back; `foreach` says what it stopped).
 *
 * @module
 */

/** The signals that interrupt HPM. */
export type Interrupt = "SIGINT" | "SIGTERM";

/** Listens for SIGINT and SIGTERM once {@link Interrupts.listen} is called. */
export class Interrupts {
  /** Aborted on the first signal. */
  readonly abort: AbortController = new AbortController();
  /** The first signal caught. */
  caught?: Interrupt;
  readonly #listeners: [Interrupt, () => void][] = [];

  /** Start listening (again: no effect). */
  listen(): void {
    if (this.#listeners.length) return;
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const listener = () => {
        this.caught ??= signal;
        this.abort.abort();
      };
      try {
        Deno.addSignalListener(signal, listener);
        this.#listeners.push([signal, listener]);
      } catch {
        // SIGTERM cannot be listened to on Windows
      }
    }
  }

  /** Stop listening: the signals end HPM again. */
  close(): void {
    for (const [signal, listener] of this.#listeners.splice(0)) {
      Deno.removeSignalListener(signal, listener);
    }
  }
}
