// The shapes the API sends (docs/ARCHITECTURE.md: the record in MongoDB `images`, as the status service returns it).

export type Status = "pending" | "processed" | "failed";

export type ViewLabel = "neck" | "sleeve" | "zoom" | "waist" | "length" | "onwhite" | "cutout";

export interface Shot {
  label: ViewLabel;
  title: string;
  url: string;
  width: number;
  height: number;
  box: [number, number, number, number];
  lowResolution: boolean;
}

export interface SkippedView {
  label: ViewLabel;
  title: string;
  reason: string;
}

export interface ImageRecord {
  id: number;
  url: string;
  status: Status;
  shots: Shot[];
  skipped: SkippedView[];
  people: number | null;
  error: string | null;
  createdAt?: string;
  updatedAt?: string;
}

/** What POST /api/process and each item of POST /api/process-batch answer with. */
export interface Accepted {
  id: number;
  url: string;
  status: Status;
  duplicate: boolean;
}

export interface InvalidEntry {
  url: string;
  reason: string;
}
