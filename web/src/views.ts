import type { ViewLabel } from "./types";

/** The garment views, in the order of the table's columns. */
export const VIEWS: ReadonlyArray<{ label: ViewLabel; title: string }> = [
  { label: "neck", title: "Neck View" },
  { label: "sleeve", title: "Sleeve View" },
  { label: "zoom", title: "Zoomed View" },
  { label: "waist", title: "Waist View" },
  { label: "length", title: "Length View" },
];
