import type { ViewLabel } from "./types";

/** The views the table shows, in the order of its columns (the cut-out, when asked for, is not a column). */
export const VIEWS: ReadonlyArray<{ label: ViewLabel; title: string }> = [
  { label: "neck", title: "Neck View" },
  { label: "sleeve", title: "Sleeve View" },
  { label: "zoom", title: "Zoomed View" },
  { label: "waist", title: "Waist View" },
  { label: "length", title: "Length View" },
  { label: "onwhite", title: "On White" },
];
