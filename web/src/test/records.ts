// Records as the status service sends them, for component tests.
import type { ImageRecord, Shot, ViewLabel } from "../types";
import { VIEWS } from "../views";

export function shot(label: ViewLabel, overrides: Partial<Shot> = {}): Shot {
  const title = label === "cutout" ? "Cut-out" : VIEWS.find((view) => view.label === label)!.title;
  return { label, title, url: `/media/posecraft/views/${label}.jpg`, width: 640, height: 800, box: [0, 0, 640, 800], lowResolution: false, padded: false, reach: label === "length" ? "feet" : null, upscaled: false, notes: [], ...overrides };
}

export function record(overrides: Partial<ImageRecord> & { id: number }): ImageRecord {
  return {
    name: `look-${overrides.id}.jpg`,
    url: `https://cdn.example.com/look-${overrides.id}.jpg`,
    status: "pending",
    shots: [],
    skipped: [],
    people: null,
    ambiguous: false,
    preset: "default",
    cutout: false,
    upscale: false,
    error: null,
    createdAt: "2026-11-28T16:00:00Z",
    updatedAt: "2026-11-28T16:00:00Z",
    ...overrides,
  };
}

export const processed = (id: number, overrides: Partial<ImageRecord> = {}) =>
  record({ id, status: "processed", people: 1, shots: VIEWS.map((view) => shot(view.label)), ...overrides });
