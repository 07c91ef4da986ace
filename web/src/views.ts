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

/** The person on transparency (a PNG with alpha), made when a submission asks: not a column, but in the lightbox. */
export const CUTOUT: ViewLabel = "cutout";

/** A URL the browser can show: the record's url is the pasted address or the uploaded original under /media/. */
export const isDisplayable = (url: string) => /^(https?:\/\/|\/)/i.test(url);
