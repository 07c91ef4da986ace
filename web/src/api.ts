import { NO_OPTIONS, type OutputOptions, type ReprocessOptions } from "./presets";
import type { Accepted, CataloguePage, ImageRecord, InvalidEntry, PresetList, Status, StatusCounts } from "./types";

// Same origin as the page (nginx proxies /api/); VITE_API_BASE points elsewhere for development.
const API_BASE = (import.meta.env.VITE_API_BASE ?? "").replace(/\/$/, "");

/** The status service's cap on ids per request (MAX_STATUS_IDS); longer lists go in several requests. */
export const MAX_IDS_PER_REQUEST = 200;

/** Rows asked for per page of the catalogue. */
export const PAGE_SIZE = 50;

/** The live stream of catalogue changes (server-sent events). */
export const EVENTS_URL = `${API_BASE}/api/events`;

/** The server answered with an error; `reason` is its own words, `invalid` its per-URL reasons. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly invalid: InvalidEntry[] = [],
  ) {
    super(`HTTP ${status}: ${reason}`);
    this.name = "ApiError";
  }
}

/** The request never got an answer (server down, connection lost, blocked). */
export class NetworkError extends Error {
  constructor() {
    super("could not reach the server");
    this.name = "NetworkError";
  }
}

// Reasons for answers that carry no JSON body (nginx's own error pages).
const BARE_STATUS_REASONS: Record<number, string> = {
  413: "the upload is larger than the server accepts",
  502: "the service behind the server is not answering",
  503: "the service is unavailable; try again shortly",
  504: "the service took too long to answer",
};

/** Told when the server wants a key (any 401 but a refused sign-in): the page then asks for one. */
const signInNeeded = new Set<() => void>();

export function onSignInNeeded(listener: () => void): () => void {
  signInNeeded.add(listener);
  return () => signInNeeded.delete(listener);
}

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  return (await send(path, init)) as T;
}

async function send(path: string, init?: RequestInit, { isSignIn = false } = {}): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, { ...init, headers: { Accept: "application/json", ...init?.headers } });
  } catch {
    throw new NetworkError();
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    // A wrong key at sign-in is the sign-in form's to show, not a lost session.
    if (response.status === 401 && !isSignIn) signInNeeded.forEach((listener) => listener());
    const { error, invalid } = (body ?? {}) as { error?: unknown; invalid?: unknown };
    const reason =
      typeof error === "string" && error
        ? error
        : (BARE_STATUS_REASONS[response.status] ?? `the server answered HTTP ${response.status}`);
    throw new ApiError(response.status, reason, Array.isArray(invalid) ? (invalid as InvalidEntry[]) : []);
  }
  return body;
}

/** The fields a submission carries for its output options; none for what is left to the server. */
function optionFields({ preset, cutout, upscale }: OutputOptions): { preset?: string; cutout?: true; upscale?: true } {
  return { ...(preset ? { preset } : {}), ...(cutout ? { cutout: true as const } : {}), ...(upscale ? { upscale: true as const } : {}) };
}

export function uploadImage(file: File, options: OutputOptions = NO_OPTIONS): Promise<Accepted> {
  const form = new FormData();
  form.append("file", file, file.name);
  for (const [name, value] of Object.entries(optionFields(options))) form.append(name, String(value));
  return request<Accepted>("/api/process", { method: "POST", body: form });
}

export async function submitUrls(imageUrls: string[], options: OutputOptions = NO_OPTIONS): Promise<Accepted[]> {
  const { items } = await request<{ items: Accepted[] }>("/api/process-batch", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ imageUrls, ...optionFields(options) }),
  });
  return items;
}

/** The records for these ids; ids the server does not know are absent from the answer. */
export async function fetchRecords(ids: number[]): Promise<ImageRecord[]> {
  const records: ImageRecord[] = [];
  for (let start = 0; start < ids.length; start += MAX_IDS_PER_REQUEST) {
    const chunk = ids.slice(start, start + MAX_IDS_PER_REQUEST);
    const { items } = await request<{ items: ImageRecord[] }>(`/api/image-status?ids=${chunk.join(",")}`);
    records.push(...items);
  }
  return records;
}

/** The limits the server states in its OpenAPI document (`x-limits`); absent fields are not stated. */
export async function fetchLimits(): Promise<{ maxUploadBytes?: number }> {
  const spec = await request<{ "x-limits"?: { maxUploadBytes?: unknown } }>("/api/openapi.json");
  const maxUploadBytes = spec["x-limits"]?.maxUploadBytes;
  return typeof maxUploadBytes === "number" && maxUploadBytes > 0 ? { maxUploadBytes } : {};
}

/** The output presets the server knows, a team's own (PRESETS_FILE) included, and its default (DEFAULT_PRESET). */
export function fetchPresets(): Promise<PresetList> {
  return request<PresetList>("/api/presets");
}

export interface CatalogueQuery {
  status?: Status;
  q?: string;
  cursor?: string | null;
  limit?: number;
}

/** A page of the shared catalogue, newest first; without the counts, so the rows never wait for the counting. */
export function fetchCatalogue({ status, q, cursor, limit = PAGE_SIZE }: CatalogueQuery): Promise<CataloguePage> {
  const params = new URLSearchParams({ limit: String(limit), counts: "false" });
  if (status) params.set("status", status);
  if (q) params.set("q", q);
  if (cursor) params.set("cursor", cursor);
  return request<CataloguePage>(`/api/images?${params}`);
}

/** How many images have each status, of those `q` matches. */
export function fetchCounts(q: string): Promise<StatusCounts> {
  return request<StatusCounts>(`/api/images/counts${q ? `?${new URLSearchParams({ q })}` : ""}`);
}

/** Removes the image for everyone: its record, views and uploaded original. */
export async function deleteImage(id: number): Promise<void> {
  await send(`/api/images/${id}`, { method: "DELETE" });
}

/** Queues a processed or failed image again, with another preset, cut-out or enlarging choice if asked (what is left
 * out stays the record's own; nothing asked sends no body); answers its status object, now pending, naming its preset. */
export function reprocessImage(id: number, options: ReprocessOptions = {}): Promise<ImageRecord> {
  const init: RequestInit =
    Object.keys(options).length > 0
      ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(options) }
      : { method: "POST" };
  return request<ImageRecord>(`/api/images/${id}/reprocess`, init);
}

export const viewsZipUrl = (id: number) => `${API_BASE}/api/images/${id}/views.zip`;

export const selectionZipUrl = (ids: number[]) => `${API_BASE}/api/images/views.zip?ids=${ids.join(",")}`;

/** Who the page is signed in as: `key` is the key's name, null without a session (or when keys are not required). */
export interface Session {
  authRequired: boolean;
  key: string | null;
}

/** The session the page's cookie carries; a 401 when keys are required and the page is not signed in. */
export function fetchSession(): Promise<Session> {
  return request<Session>("/api/session");
}

/** Trades an API key for a session cookie (HttpOnly: the page never holds the key after this); answers its name. */
export async function signIn(key: string): Promise<string> {
  const init = { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ key }) };
  const { key: name } = (await send("/api/session", init, { isSignIn: true })) as { key: string };
  return name;
}

export async function signOut(): Promise<void> {
  await send("/api/session", { method: "DELETE" });
}
