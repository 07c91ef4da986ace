import type { InvalidEntry } from "./types";

/** Splits pasted text into entries: one URL per line, commas and spaces also separate; blanks dropped, repeats kept once. */
export function splitUrlList(text: string): string[] {
  const entries = text.split(/[\s,]+/).filter((entry) => entry.length > 0);
  return [...new Set(entries)];
}

/** Why an entry cannot be sent as an image URL, or null when it is an absolute http(s) URL. */
export function urlProblem(entry: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(entry);
  } catch {
    return "not an absolute URL: it must start with http:// or https:// and name a host";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return `uses ${parsed.protocol.replace(/:$/, "")}; only http:// and https:// URLs can be fetched`;
  }
  if (!parsed.hostname) {
    return "names no host";
  }
  return null;
}

export interface ParsedUrlList {
  urls: string[];
  invalid: InvalidEntry[];
}

/** The pasted text as URLs to send plus every entry that blocks sending, with its reason. */
export function parseUrlList(text: string): ParsedUrlList {
  const urls: string[] = [];
  const invalid: InvalidEntry[] = [];
  for (const entry of splitUrlList(text)) {
    const reason = urlProblem(entry);
    if (reason) invalid.push({ url: entry, reason });
    else urls.push(entry);
  }
  return { urls, invalid };
}
