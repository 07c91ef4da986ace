// The words of the snackbar: every problem says what went wrong and, where the server gave one, its reason.
import { ApiError, NetworkError } from "./api";
import type { Accepted, InvalidEntry } from "./types";

export interface Notice {
  severity: "error" | "info";
  text: string;
  details: string[];
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** One line for a failed request: the server's reason, or that the server could not be reached. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.reason} (HTTP ${error.status})`;
  if (error instanceof NetworkError) return "could not reach the server; check the connection and try again";
  return error instanceof Error ? error.message : String(error);
}

const entryLine = ({ url, reason }: InvalidEntry) => `${url} — ${reason}`;

function acceptedText(accepted: Accepted[], what: [string, string]): string {
  const duplicates = accepted.filter((item) => item.duplicate).length;
  const queued = `${plural(accepted.length, ...what)} queued`;
  return duplicates ? `${queued}; ${plural(duplicates, "was", "were")} already submitted (marked in the table)` : queued;
}

export function invalidUrlsNotice(invalid: InvalidEntry[]): Notice {
  return {
    severity: "error",
    text: `Nothing was sent: ${plural(invalid.length, "entry is not", "entries are not")} an absolute http(s) URL.`,
    details: invalid.map(entryLine),
  };
}

export function batchFailedNotice(error: unknown): Notice {
  const refused = error instanceof ApiError;
  return {
    severity: "error",
    text: refused ? `The server refused the URLs: ${describeError(error)}` : `The URLs were not sent: ${describeError(error)}`,
    details: refused ? error.invalid.map(entryLine) : [],
  };
}

export function batchAcceptedNotice(accepted: Accepted[]): Notice {
  return { severity: "info", text: acceptedText(accepted, ["URL", "URLs"]), details: [] };
}

/** One notice for a set of uploads: every file that did not go through with why, else how many were queued. */
export function uploadNotice(accepted: Accepted[], failures: Array<{ name: string; reason: string }>): Notice {
  if (failures.length > 0) {
    const total = accepted.length + failures.length;
    return {
      severity: "error",
      text:
        total === 1
          ? `${failures[0].name} was not uploaded: ${failures[0].reason}`
          : `${plural(failures.length, "file was", "files were")} not uploaded` +
            (accepted.length ? ` (${acceptedText(accepted, ["photo", "photos"])}):` : ":"),
      details: total === 1 ? [] : failures.map(({ name, reason }) => `${name} — ${reason}`),
    };
  }
  return { severity: "info", text: acceptedText(accepted, ["photo", "photos"]), details: [] };
}

export function listFailedNotice(error: unknown): Notice {
  return { severity: "error", text: `Could not load the catalogue: ${describeError(error)}`, details: [] };
}

const named = (image: { id: number; name: string }) => image.name || `Image #${image.id}`;

export function deletedNotice(image: { id: number; name: string }): Notice {
  return { severity: "info", text: `${named(image)} was deleted`, details: [] };
}

/** One notice for images asked to be processed again: each one that was not with the server's reason, else how many
 * were queued. */
export function reprocessNotice(
  queued: Array<{ id: number; name: string }>,
  failures: Array<{ image: { id: number; name: string }; reason: string }>,
): Notice {
  const total = queued.length + failures.length;
  if (failures.length === 0) {
    const text = total === 1 ? `${named(queued[0])} is queued` : `${plural(total, "image is", "images are")} queued`;
    return { severity: "info", text: `${text} to be processed again`, details: [] };
  }
  if (total === 1) return { severity: "error", text: `${named(failures[0].image)} was not queued again: ${failures[0].reason}`, details: [] };
  return {
    severity: "error",
    text: `${plural(failures.length, "image was", "images were")} not queued again${queued.length ? ` (${queued.length} queued)` : ""}:`,
    details: failures.map(({ image, reason }) => `${named(image)} — ${reason}`),
  };
}

/** "<what did not happen>: <the server's reason>". */
export function actionFailedNotice(what: string, error: unknown): Notice {
  return { severity: "error", text: `${what}: ${describeError(error)}`, details: [] };
}
